// The learnability study's controls and claims, as data for the claims engine. Primary: each loss reaches
// its target balanced accuracy at the default separation and full budget (per seed: balanced accuracy −
// target), and the shortcut is learned in fewer epochs than the core feature (per seed: epochs of the core
// side − epochs of the shortcut side). Secondary: what more separation and more budget add. The engine
// decides every verdict; a failed control makes the claims on it "not testable".
import type { ClaimInput, Comparison, ControlInput } from '../../claims';
import type { StudyClaims } from '../../framework/study';
import type { LearnabilityResults, LearnabilityRun, LearnabilitySpec } from './results';

/** Control: every model's test set held both classes, so its balanced accuracy and AUROC are defined. */
export const TWO_CLASS = 'test-two-class';
/** Control: the shortcut alone reached the race's AUROC level within the budget in every seed. */
export const SHORTCUT_LEARNED = 'race-shortcut-learned';

export const TARGET_SESOI_REASON =
  'stated (no paper gives one): near the standard error of one model’s balanced accuracy on the default 256 ' +
  'test nodules at these targets (0.014 at 0.95, 0.025 at 0.80); a mean that close to the target neither clearly ' +
  'meets nor misses it';
export const RACE_SESOI_REASON =
  'stated: validation runs once per epoch, so one epoch is the smallest difference the race can measure';

/** The balanced accuracy of `loss` at (separation, budget) per seed, NaN where missing. */
function perSeed(
  spec: LearnabilitySpec,
  runs: readonly LearnabilityRun[],
  loss: string,
  separation: number,
  budget: number,
): number[] {
  return spec.seeds.map(
    (seed) =>
      runs.find((r) => r.loss === loss && r.seed === seed && r.separation === separation && r.budget === budget)
        ?.balancedAccuracy ?? NaN,
  );
}

/** Paired per-seed differences a − b. */
const minus = (a: readonly number[], b: readonly number[]): number[] => a.map((x, i) => x - b[i]);

/** The controls the claims depend on. */
export function learnabilityControls(spec: LearnabilitySpec, r: LearnabilityResults): ControlInput[] {
  const scored = r.runs.filter((x) => x.balancedAccuracy !== null && x.auroc !== null);
  const missing = r.runs.filter((x) => !scored.includes(x)).map((x) => `${x.loss} sep ${x.separation} s${x.seed}`);
  const shortcut = spec.seeds.map((seed) => r.race.find((c) => c.task === 'shortcut' && c.seed === seed));
  const never = spec.seeds.filter((_, k) => (shortcut[k]?.epochToLevel ?? null) === null);
  return [
    {
      id: TWO_CLASS,
      statement: 'every model’s iid test set holds both classes, so its balanced accuracy and AUROC are defined',
      passed: r.runs.length > 0 && missing.length === 0,
      detail:
        `${scored.length} of ${r.runs.length} models scored` +
        (missing.length ? `; undefined: ${missing.join(', ')}` : ''),
    },
    {
      id: SHORTCUT_LEARNED,
      statement:
        `trained on the shortcut (${spec.shortcut.factor}) alone, CE reaches validation AUROC ≥ ${spec.race.auroc} ` +
        'within its budget in every seed',
      passed: never.length === 0,
      detail:
        `first epoch at the level per seed: ${shortcut.map((c, k) => `s${spec.seeds[k]} ${c?.epochToLevel ?? 'never'}`).join(', ')}` +
        (never.length ? `; never reached in seed(s) ${never.join(', ')}` : ''),
    },
  ];
}

/**
 * Per seed, the core side's epochs to the level minus the shortcut side's; a core side that never reached it
 * counts its epochs + 1 (a lower bound, so the effect is if anything understated). NaN without a shortcut epoch.
 */
export function raceDifferences(spec: LearnabilitySpec, r: LearnabilityResults): number[] {
  return spec.seeds.map((seed) => {
    const core = r.race.find((c) => c.task === 'core' && c.seed === seed);
    const short = r.race.find((c) => c.task === 'shortcut' && c.seed === seed);
    if (!core || !short || short.epochToLevel === null) return NaN;
    return (core.epochToLevel ?? core.auroc.length + 1) - short.epochToLevel;
  });
}

/** The claims: a target per loss that has one, the race, and the separation and budget gains (secondary). */
export function learnabilityClaimInputs(spec: LearnabilitySpec, r: LearnabilityResults): ClaimInput[] {
  const claims: ClaimInput[] = [];
  const s = spec.separation;
  for (const loss of spec.losses) {
    const target = spec.targets[loss];
    if (target === undefined) continue;
    claims.push({
      id: `target-${loss}`,
      statement: `${loss} reaches balanced accuracy ≥ ${target} on iid test data at separation ${s} and the full budget`,
      measure: `balanced accuracy − ${target} (per seed; ${loss}, separation ${s}, full budget)`,
      direction: 'greater',
      sesoi: spec.targetSesoi,
      sesoiReason: TARGET_SESOI_REASON,
      role: 'primary',
      dependsOn: [TWO_CLASS],
      comparisons: [{ name: `${loss} − ${target}`, values: perSeed(spec, r.runs, loss, s, 1).map((v) => v - target) }],
    });
  }
  claims.push({
    id: 'race',
    statement:
      `the shortcut (${spec.shortcut.factor}) alone is learned in fewer epochs than the core feature alone ` +
      `(CE, first epoch at validation AUROC ≥ ${spec.race.auroc}, separation ${s})`,
    measure: 'epochs to the level: core − shortcut (per seed; a core side that never reaches it counts its epochs + 1)',
    direction: 'greater',
    sesoi: spec.race.sesoiEpochs,
    sesoiReason: RACE_SESOI_REASON,
    role: 'primary',
    dependsOn: [SHORTCUT_LEARNED],
    comparisons: [{ name: 'core − shortcut', values: raceDifferences(spec, r) }],
  });
  const gain = (
    id: string,
    statement: string,
    measure: string,
    keys: readonly number[],
    at: (k: number) => [number, number],
  ): void => {
    if (keys.length < 2) return;
    const lo = Math.min(...keys);
    const hi = Math.max(...keys);
    const comparisons: Comparison[] = spec.losses.map((loss) => ({
      name: `${loss}: ${hi} − ${lo}`,
      values: minus(perSeed(spec, r.runs, loss, ...at(hi)), perSeed(spec, r.runs, loss, ...at(lo))),
    }));
    claims.push({
      id,
      statement,
      measure,
      direction: 'greater',
      sesoi: spec.targetSesoi,
      sesoiReason: 'the targets’ SESOI, in the same metric',
      role: 'secondary',
      dependsOn: [TWO_CLASS],
      comparisons,
    });
  };
  gain(
    'separation-gain',
    'every loss learns the core feature better at the largest class separation than at the smallest (full budget)',
    'balanced accuracy: largest − smallest separation (per seed, per loss)',
    spec.separations,
    (k) => [k, 1],
  );
  gain(
    'budget-gain',
    `every loss learns the core feature better at the full budget than at the smallest fraction (separation ${s})`,
    'balanced accuracy: largest − smallest budget fraction (per seed, per loss)',
    spec.budgets,
    (k) => [s, k],
  );
  return claims;
}

/** The study's controls and claims for the engine. */
export function learnabilityClaims(spec: LearnabilitySpec, r: LearnabilityResults): StudyClaims {
  return { controls: learnabilityControls(spec, r), claims: learnabilityClaimInputs(spec, r) };
}

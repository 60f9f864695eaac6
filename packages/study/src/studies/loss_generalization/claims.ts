// The loss-generalization controls and claims, as data for the claims engine. Every primary claim is judged on
// one loss pair (findings.pair, a − b), fixed in the spec before the run, so that "consequently" is tested on the
// models it is about:
// - control: without the shortcut, every loss learns the core feature (iid control arm);
// - premise (all): each loss of the pair uses the shortcut (in-distribution − first shift balanced accuracy > 0);
// - features: the loss changes which features the classifier relies on (its own predictions: the flip rate when a
//   counterfactual moves the shortcut factor across its boundary, a − b, either sign);
// - shift: this changes accuracy under shift (balanced accuracy on the first shift, a − b, either sign).
// Secondary, without verdicts: the pair's core-factor probe R² (what the embedding encodes, not what the classifier
// uses) and its balanced accuracy on the other shifts. The three primary claims form one chain, tested in a fixed
// sequence (premise, then features, then shift: "consequently"), so the family is one hypothesis and every claim of
// it is judged at α = 0.05; all of them depend on the control.
import type { ClaimInput, ControlInput } from '../../claims';
import type { StudyClaims } from '../../framework';
import { fmtCI } from '../../kit/report/html';
import type { LossGeneralizationResults, PairedDifference } from './results';
import { probedFactors } from './summary';
import type { StudySpec } from './spec';

const METRIC_WORDS: Record<string, string> = {
  balancedAccuracy: 'balanced accuracy',
  auroc: 'AUROC',
  flipRate: 'flip rate',
  meanDeltaP: 'mean Δp',
  r2: 'probe R²',
};

/**
 * The pair's per-seed differences a − b of one measure (a paired difference is stored once per pair, in the
 * study's loss order; the other order is negated). Missing values become NaN, which the engine leaves out and counts.
 */
function pairComparison(
  r: LossGeneralizationResults,
  [a, b]: readonly [string, string],
  section: PairedDifference['section'],
  target: string,
  metric: string,
): { name: string; values: number[] } {
  const name = `${a} − ${b}: ${METRIC_WORDS[metric] ?? metric} ${section === 'performance' ? 'on ' : 'of '}${target}`;
  const found = r.pairedDifferences.find(
    (p) =>
      p.section === section &&
      p.target === target &&
      p.metric === metric &&
      ((p.a === a && p.b === b) || (p.a === b && p.b === a)),
  );
  if (!found) return { name, values: [] };
  const sign = found.a === a ? 1 : -1;
  return { name, values: found.diff.values.map((v) => (v === null ? NaN : sign * v)) };
}

/** The controls and claims of a finished study. */
export function lossGeneralizationClaims(study: StudySpec, r: LossGeneralizationResults): StudyClaims {
  const { sesoi, pair, inDistribution, shifts } = study.findings;
  const sesoiReason =
    'findings.sesoi of the spec (default 0.05): five points of balanced accuracy or of the share of flipped ' +
    'predictions, the smallest change a user choosing a loss would act on';
  const controls: ControlInput[] = [];
  const gate: string[] = [];
  const c = r.control;
  if (c.enabled) {
    controls.push({
      id: 'control',
      statement: 'Without the shortcut (iid control arm), every loss learns the core feature',
      passed: c.passed === true,
      detail: `${study.losses.map((l) => `${l.name} ${fmtCI(c.summary[l.name]?.balancedAccuracy)}`).join(', ')}; bar ${c.minBalancedAccuracy} mean balanced accuracy`,
    });
    gate.push('control');
  }
  const claims: ClaimInput[] = [];
  const shift0 = shifts[0];
  const premiseLosses = pair ?? study.losses.map((l) => l.name);
  if (shift0 !== undefined) {
    claims.push({
      id: 'premise',
      statement: `Premise: ${pair ? 'both losses of the pair use' : 'every loss uses'} the shortcut (accuracy drops when it no longer agrees with the label)`,
      measure: `balanced accuracy ${inDistribution} − ${shift0}, per loss`,
      direction: 'greater',
      sesoi,
      sesoiReason,
      rule: 'all',
      dependsOn: [...gate],
      comparisons: premiseLosses.map((loss) => ({
        name: `${loss}: ${inDistribution} − ${shift0}`,
        values: study.seeds.map((s) => {
          const run = r.runs.find((x) => x.loss === loss && x.seed === s);
          const a = run?.testSets[inDistribution]?.balancedAccuracy;
          const b = run?.testSets[shift0]?.balancedAccuracy;
          return a === undefined || b === undefined ? NaN : a - b;
        }),
      })),
    });
  }
  if (!pair) return { controls, claims };
  const roles = r.analysis.factorRoles;
  const shortcutGroups = study.analysis.factors.filter((g) => roles[g.name] === 'shortcut').map((g) => g.name);
  const [a, b] = pair;
  const afterPremise = shift0 !== undefined ? { after: 'premise' } : {};
  claims.push({
    id: 'features',
    ...afterPremise,
    statement: 'The loss changes which features the classifier uses',
    measure: `share of predictions flipped by moving the shortcut across its boundary, ${a} − ${b}`,
    direction: 'either',
    sesoi,
    sesoiReason,
    rule: 'all',
    dependsOn: [...gate],
    comparisons: shortcutGroups.map((g) => pairComparison(r, pair, 'counterfactual', g, 'flipRate')),
  });
  if (shift0 !== undefined)
    claims.push({
      id: 'shift',
      after: 'features',
      statement: 'Consequently, the loss changes accuracy under shift',
      measure: `balanced accuracy on ${shift0}, ${a} − ${b}`,
      direction: 'either',
      sesoi,
      sesoiReason,
      dependsOn: [...gate],
      comparisons: [pairComparison(r, pair, 'performance', shift0, 'balancedAccuracy')],
    });
  const probes = probedFactors(study, roles, 'core');
  if (probes.length)
    claims.push({
      id: 'probes',
      statement: 'Secondary: the embeddings encode the core factors differently',
      measure: `linear probe R² of each core factor, ${a} − ${b}`,
      direction: 'either',
      sesoi,
      sesoiReason,
      role: 'secondary',
      rule: 'any',
      comparisons: probes.map((t) => pairComparison(r, pair, 'probe', t, 'r2')),
    });
  if (shifts.length > 1)
    claims.push({
      id: 'other-shifts',
      statement: 'Secondary: accuracy on the other shifts',
      measure: `balanced accuracy on ${shifts.slice(1).join(', ')}, ${a} − ${b}`,
      direction: 'either',
      sesoi,
      sesoiReason,
      role: 'secondary',
      rule: 'any',
      comparisons: shifts.slice(1).map((t) => pairComparison(r, pair, 'performance', t, 'balancedAccuracy')),
    });
  return { controls, claims };
}

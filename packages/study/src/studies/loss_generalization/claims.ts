// The loss-generalization controls and claims, as data for the claims engine:
// - control: without the shortcut, every loss learns the core feature (iid control arm);
// - premise: the models use the shortcut (in-distribution − first shift balanced accuracy > 0, any loss);
// - features: the loss changes which features are used (shortcut counterfactual flip rate, core-factor probe
//   R², any pair of losses, either sign);
// - shift: this changes accuracy under shift (balanced accuracy on each shift, any pair, either sign).
// The features and shift claims depend on the control and the premise.
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

const describePair = (p: PairedDifference): string =>
  `${p.a} − ${p.b}: ${METRIC_WORDS[p.metric] ?? p.metric} ${p.section === 'performance' ? 'on ' : 'of '}${p.target}`;

/** Per-seed values (null → NaN, which the engine leaves out and counts). */
const valuesOf = (p: PairedDifference): number[] => p.diff.values.map((v) => (v === null ? NaN : v));

/** The controls and claims of a finished study. */
export function lossGeneralizationClaims(study: StudySpec, r: LossGeneralizationResults): StudyClaims {
  const sesoi = study.findings.negligible;
  const sesoiReason =
    'findings.negligible of the spec: the smallest difference in a rate or balanced accuracy a user would act on';
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
  const inDist = study.findings.inDistribution;
  const shift0 = study.findings.shifts[0];
  if (shift0 !== undefined) {
    claims.push({
      id: 'premise',
      statement: 'Premise: the models use the shortcut (accuracy drops when it no longer agrees with the label)',
      measure: `balanced accuracy ${inDist} − ${shift0}, per loss`,
      direction: 'greater',
      sesoi,
      sesoiReason,
      rule: 'any',
      dependsOn: [...gate],
      comparisons: study.losses.map((l) => ({
        name: `${l.name}: ${inDist} − ${shift0}`,
        values: study.seeds.map((s) => {
          const run = r.runs.find((x) => x.loss === l.name && x.seed === s);
          const a = run?.testSets[inDist]?.balancedAccuracy;
          const b = run?.testSets[shift0]?.balancedAccuracy;
          return a === undefined || b === undefined ? NaN : a - b;
        }),
      })),
    });
    gate.push('premise');
  }
  const roles = r.analysis.factorRoles;
  const shortcutGroups = study.analysis.factors.filter((g) => roles[g.name] === 'shortcut').map((g) => g.name);
  const coreProbes = probedFactors(study, roles, 'core');
  const features = r.pairedDifferences.filter(
    (p) =>
      (p.section === 'counterfactual' && p.metric === 'flipRate' && shortcutGroups.includes(p.target)) ||
      (p.section === 'probe' && coreProbes.includes(p.target)),
  );
  const shift = r.pairedDifferences.filter(
    (p) => p.section === 'performance' && p.metric === 'balancedAccuracy' && study.findings.shifts.includes(p.target),
  );
  claims.push({
    id: 'features',
    statement: 'The loss changes which features are used',
    measure: 'shortcut counterfactual flip rate and core-factor probe R², paired per seed between losses',
    direction: 'either',
    sesoi,
    sesoiReason,
    rule: 'any',
    dependsOn: [...gate],
    comparisons: features.map((p) => ({ name: describePair(p), values: valuesOf(p) })),
  });
  claims.push({
    id: 'shift',
    statement: 'This changes accuracy under shift',
    measure: 'balanced accuracy on each shifted test set, paired per seed between losses',
    direction: 'either',
    sesoi,
    sesoiReason,
    rule: 'any',
    dependsOn: [...gate],
    comparisons: shift.map((p) => ({ name: describePair(p), values: valuesOf(p) })),
  });
  return { controls, claims };
}

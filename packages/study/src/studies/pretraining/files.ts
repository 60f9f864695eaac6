// The pretraining-robustness study's per-sample file: predictions.csv, one row per target model × test set ×
// distortion (none, severity 0, for the clean sets) × sample, from the unit results alone.
import type { UnitOutcome } from '../../framework/study';
import type { PretrainingUnit, PretrainingUnitResult, SampleFacts, SamplePredictions } from './results';
import { PretrainingOutcomes } from './summary';
import { fullFraction } from './spec';
import type { PretrainingSpec } from './spec';
import { targetUnitId } from './plan';

/** predictions.csv's columns. */
export const PREDICTIONS_HEADER =
  'run,init,mode,fraction,seed,test_set,distortion,severity,index,grade,predicted_grade,p_grade_ge4,diameter,satellite_count';

/** The rows of one model on one (possibly distorted) test set. */
function rows(
  model: { run: string; init: string; mode: string; fraction: number; seed: number },
  testSet: 'test' | 'test-shift',
  distortion: string,
  severity: number,
  p: SamplePredictions,
  facts: SampleFacts,
): string[] {
  return p.predicted.map((predicted, i) =>
    [
      model.run,
      model.init,
      model.mode,
      model.fraction,
      model.seed,
      testSet,
      distortion,
      severity,
      facts.index[i],
      facts.grade[i],
      predicted,
      p.pHigh[i].toFixed(6),
      facts.diameter[i].toFixed(3),
      facts.satelliteCount[i],
    ].join(','),
  );
}

/** predictions.csv: every target model on both clean test sets, then the full-label models under distortion. */
export function predictionsCsv(
  spec: PretrainingSpec,
  outcomes: readonly UnitOutcome<PretrainingUnit, PretrainingUnitResult>[],
): string {
  const o = new PretrainingOutcomes(outcomes);
  const out = [PREDICTIONS_HEADER];
  for (const t of o.targets) {
    const facts = o.factsOf(t.seed)!.samples;
    const model = { ...t, run: targetUnitId(t.init, t.mode, t.fraction, t.seed) };
    out.push(...rows(model, 'test', 'none', 0, t.predictions.test, facts.test));
    out.push(...rows(model, 'test-shift', 'none', 0, t.predictions.shift, facts.shift));
  }
  const full = fullFraction(spec);
  for (const a of o.analyses) {
    const facts = o.factsOf(a.seed)!.samples.test;
    const model = { run: targetUnitId(a.init, a.mode, full, a.seed), ...a, fraction: full };
    for (const [d, bySev] of Object.entries(a.distortedPredictions))
      for (const [sev, p] of Object.entries(bySev)) out.push(...rows(model, 'test', d, Number(sev), p, facts));
  }
  return out.join('\n') + '\n';
}

// The calibration-ood study's per-sample files, from its units' results: predictions.csv (Dice, HD95 and voxel
// counts of every model on every test volume) and ood_scores.csv (every OOD score of every model, seed, set,
// method and volume, so every AUROC can be recomputed).
import type { UnitOutcome } from '../../framework/study';
import { csvCell } from '@nodulab/eval';
import { CalibrationOodUnit, CalibrationOodUnitResult, OOD_METHODS } from './results';

/** The header of predictions.csv. */
export const PREDICTIONS_HEADER = 'regime,model,seed,dataset,index,dice,hd95_mm,truth_voxels,predicted_voxels';

/** The header of ood_scores.csv. */
export const OOD_SCORES_HEADER = 'model,seed,set,method,index,ood,score';

/** predictions.csv and ood_scores.csv, rows in plan order. */
export function calibrationOodFiles(
  outcomes: readonly UnitOutcome<CalibrationOodUnit, CalibrationOodUnitResult>[],
): Record<string, string> {
  const predictions = [PREDICTIONS_HEADER];
  const scores = [OOD_SCORES_HEADER];
  for (const { result: r } of outcomes) {
    if (r.kind === 'train')
      for (const v of r.volumes)
        predictions.push(
          [
            r.regime,
            r.name,
            r.seed,
            v.dataset,
            v.index,
            v.dice,
            v.hd95 ?? 'inf',
            v.truthVoxels,
            v.predictedVoxels,
          ].join(','),
        );
    else
      for (const set of r.scores)
        for (const method of OOD_METHODS)
          set.scores[method].forEach((v, i) =>
            scores.push([r.run.model, r.run.seed, csvCell(set.set), method, i, set.ood, v].join(',')),
          );
  }
  return { 'predictions.csv': predictions.join('\n') + '\n', 'ood_scores.csv': scores.join('\n') + '\n' };
}

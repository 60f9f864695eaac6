// `nodulab study calibration-ood`: one UNet3D trained jointly on four segmentation datasets vs dedicated models vs
// transfer; Dice, HD95, calibration before/after temperature scaling; spectral vs uncertainty OOD detection; into
// runs/calibration-ood-<time>/ with report.html, metrics.json, ood_scores.csv and predictions.csv.
import * as path from 'path';
import {
  calibrationOodText,
  checkCalibrationOodLayer,
  checkCalibrationOodSpec,
  defaultCalibrationOodSpec,
  quickCalibrationOodSpec,
  runCalibrationOodStudy,
} from '@nodulab/study';
import { UsageError } from '../args';
import { withLockedOut } from '../output';
import { namedStudyInput } from './named_study';

/**
 * Runs the study with the study command's options (--quick, --seeds, --threads, --out, and --ood-layer / --ood-k
 * for the spectral score's layer and k); returns the exit code. A layer the model lacks or a k beyond the training
 * signatures is a UsageError (exit 2) before anything is written.
 */
export async function runCalibrationOodCommand(o: Record<string, unknown>): Promise<number> {
  const input = namedStudyInput('calibration-ood', o, defaultCalibrationOodSpec(), quickCalibrationOodSpec);
  const out = input.out;
  let spec = input.spec;
  if (o['ood-layer'] !== undefined) spec = { ...spec, layer: o['ood-layer'] as string };
  if (o['ood-k'] !== undefined) spec = { ...spec, k: o['ood-k'] as number };
  try {
    checkCalibrationOodSpec(spec);
    checkCalibrationOodLayer(spec);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  process.stderr.write(
    `study calibration-ood: joint, dedicated, transfer on ${spec.presets.join(', ')} x seeds ${spec.seeds.join(', ')} -> ${out}\n`,
  );
  const r = await withLockedOut(out, (signal) =>
    runCalibrationOodStudy(spec, out, {
      signal,
      onEvent: (e) => process.stderr.write(`[${e.index}/${e.total}] ${e.what}\n`),
    }),
  );
  process.stdout.write(calibrationOodText(r));
  const also = [r.files.metricsJson, r.files.oodScores, r.files.predictions].map((f) => path.join(out, f)).join(', ');
  process.stdout.write(`report: ${path.join(out, r.files.report)}\nalso: ${also}\n`);
  return 0;
}

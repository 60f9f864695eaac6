// `nodulab study calibration-ood`: one UNet3D trained jointly on four segmentation datasets vs dedicated models vs
// transfer; Dice, HD95, calibration before/after temperature scaling; spectral vs uncertainty OOD detection; into
// runs/calibration-ood-<time>/ with report.html, metrics.json, ood_scores.csv and predictions.csv.
import * as path from 'path';
import {
  calibrationOodText,
  checkCalibrationOodSpec,
  defaultCalibrationOodSpec,
  quickCalibrationOodSpec,
  runCalibrationOodStudy,
} from '@nodulab/study';
import { UsageError } from '../args';
import { withLockedOut } from '../output';
import { namedStudyInput } from './named_study';

/** Runs the study with the study command's options (--quick, --seeds, --threads, --out); returns the exit code. */
export async function runCalibrationOodCommand(o: Record<string, unknown>): Promise<number> {
  const { spec, out } = namedStudyInput('calibration-ood', o, defaultCalibrationOodSpec(), quickCalibrationOodSpec);
  try {
    checkCalibrationOodSpec(spec);
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

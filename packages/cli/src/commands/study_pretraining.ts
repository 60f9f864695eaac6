// `nodulab study pretraining-robustness`: scratch vs supervised vs self-supervised (SimCLR, MoCo v2)
// initialisations probed and fine-tuned on the nodule grade, under shift and distortions, into
// runs/pretraining-robustness-<time>/ (report.html, metrics.json, predictions.csv, embeddings/).
import * as path from 'path';
import {
  checkPretrainingSpec,
  defaultPretrainingSpec,
  pretrainingText,
  quickPretrainingSpec,
  runPretrainingStudy,
} from '@nodulab/study';
import { UsageError } from '../args';
import { withLockedOut } from '../output';
import { namedStudyInput } from './named_study';

/** Runs the study with the study command's options (--quick, --seeds, --threads, --out); returns the exit code. */
export async function runPretrainingCommand(o: Record<string, unknown>): Promise<number> {
  const { spec, out } = namedStudyInput('pretraining-robustness', o, defaultPretrainingSpec(), quickPretrainingSpec);
  try {
    checkPretrainingSpec(spec);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  process.stderr.write(
    `study pretraining-robustness: ${spec.inits.join(', ')} x ${spec.modes.join('/')} x labels ${spec.labelFractions.join(', ')} x seeds ${spec.seeds.join(', ')} -> ${out}\n`,
  );
  const r = await withLockedOut(out, (signal) =>
    runPretrainingStudy(spec, out, {
      signal,
      onEvent: (e) => process.stderr.write(`[${e.index}/${e.total}] ${e.what}\n`),
    }),
  );
  process.stdout.write(pretrainingText(r));
  process.stdout.write(
    `report: ${path.join(out, r.files.report)}\nalso: ${path.join(out, r.files.metricsJson)}, ${path.join(out, r.files.predictions)}, ${path.join(out, r.files.embeddings)}/\n`,
  );
  return 0;
}

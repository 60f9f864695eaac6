// `nodulab study hard-samples`: HTL nodules found by pruning (classification PIE, localization box divergence),
// the localizer retrained attending to them against baseline, random and mining arms, subgroups; into
// runs/hard-samples-<time>/ with report.html, metrics.json, predictions.csv and htl.csv.
import * as path from 'path';
import { defaultHardSamplesSpec, hardSamplesText, quickHardSamplesSpec, runHardSamples } from '@nodulab/study';
import { withLockedOut } from '../output';
import { namedStudyInput } from './named_study';

/** Runs the study with the study command's options (--quick, --seeds, --threads, --out); returns the exit code. */
export async function runHardSamplesCommand(o: Record<string, unknown>): Promise<number> {
  const { spec, out } = namedStudyInput('hard-samples', o, defaultHardSamplesSpec(), quickHardSamplesSpec);
  process.stderr.write(`study hard-samples: seeds ${spec.seeds.join(', ')} -> ${out}\n`);
  const r = await withLockedOut(out, (signal) =>
    runHardSamples(spec, out, (e) => process.stderr.write(`[${e.index}/${e.total}] ${e.what}\n`), signal),
  );
  process.stdout.write(`study hard-samples: ${r.seconds.toFixed(1)} s\n${hardSamplesText(r)}\n`);
  const also = ['metrics.json', 'predictions.csv', 'htl.csv'].map((f) => path.join(out, f)).join(', ');
  process.stdout.write(`report: ${path.join(out, 'report.html')}\nalso: ${also}\n`);
  return 0;
}

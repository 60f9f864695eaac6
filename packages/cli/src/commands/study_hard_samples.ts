// `nodulab study hard-samples`: HTL nodules found by pruning (classification PIE, localization box divergence),
// the localizer retrained attending to them against baseline, random and mining arms, subgroups; into
// runs/hard-samples-<time>/ with report.html, metrics.json, predictions.csv and htl.csv.
import * as path from 'path';
import {
  HardSamplesSpec,
  defaultHardSamplesSpec,
  hardSamplesText,
  quickHardSamplesSpec,
  runHardSamples,
} from '@nodulab/study';
import { UsageError } from '../args';
import { checkNewOut, timestampedOut, withLockedOut } from '../output';

/** Runs the study with the study command's options (--quick, --seeds, --threads, --out); returns the exit code. */
export async function runHardSamplesCommand(o: Record<string, unknown>): Promise<number> {
  if (o.spec !== undefined) throw new UsageError('the hard-samples study takes no --spec');
  if (o.queue !== undefined || o.results !== undefined)
    throw new UsageError(
      '--queue and --results run a loss-generalization or --spec grid; hard-samples runs in-process',
    );
  let spec: HardSamplesSpec = defaultHardSamplesSpec();
  if (o.quick) spec = quickHardSamplesSpec(spec);
  if (o.seeds !== undefined) spec = { ...spec, seeds: Array.from({ length: o.seeds as number }, (_, i) => i) };
  if (o.threads !== undefined) spec = { ...spec, threads: o.threads as number };
  const out = (o.out as string | undefined) ?? timestampedOut(`hard-samples${o.quick ? '-quick' : ''}`);
  checkNewOut(out);
  process.stderr.write(`study hard-samples: seeds ${spec.seeds.join(', ')} -> ${out}\n`);
  const r = await withLockedOut(out, (signal) =>
    runHardSamples(spec, out, (e) => process.stderr.write(`[${e.index}/${e.total}] ${e.what}\n`), signal),
  );
  process.stdout.write(`study hard-samples: ${r.seconds.toFixed(1)} s\n${hardSamplesText(r)}\n`);
  const also = ['metrics.json', 'predictions.csv', 'htl.csv'].map((f) => path.join(out, f)).join(', ');
  process.stdout.write(`report: ${path.join(out, 'report.html')}\nalso: ${also}\n`);
  return 0;
}

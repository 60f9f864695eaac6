// `nodulab study learnability`: the learnability sweep (balanced accuracy on iid data against class
// separation and training budget, per loss; the shortcut-vs-core race) into runs/learnability-<time>/.
import * as path from 'path';
import {
  LearnabilitySpec,
  defaultLearnabilitySpec,
  learnabilityText,
  quickLearnabilitySpec,
  runLearnability,
} from '@nodulab/study';
import { UsageError } from '../args';
import { checkNewOut, timestampedOut, withLockedOut } from '../output';

/** Runs the sweep with the study command's options (--quick, --seeds, --threads, --out); returns the exit code. */
export async function runLearnabilityCommand(o: Record<string, unknown>): Promise<number> {
  if (o.spec !== undefined) throw new UsageError('the learnability study takes no --spec');
  let spec: LearnabilitySpec = defaultLearnabilitySpec();
  if (o.quick) spec = quickLearnabilitySpec(spec);
  if (o.seeds !== undefined) spec = { ...spec, seeds: Array.from({ length: o.seeds as number }, (_, i) => i) };
  if (o.threads !== undefined) spec = { ...spec, threads: o.threads as number };
  const out = (o.out as string | undefined) ?? timestampedOut(`learnability${o.quick ? '-quick' : ''}`);
  checkNewOut(out);
  process.stderr.write(`study learnability: ${spec.losses.join(', ')} x seeds ${spec.seeds.join(', ')} -> ${out}\n`);
  const r = await withLockedOut(out, (signal) =>
    runLearnability(spec, out, (e) => process.stderr.write(`[${e.index}/${e.total}] ${e.what}\n`), signal),
  );
  process.stdout.write(`study learnability: ${r.runs.length + r.race.length} models in ${r.seconds.toFixed(1)} s\n`);
  process.stdout.write(learnabilityText(r) + '\n');
  process.stdout.write(`report: ${path.join(out, 'report.html')}\nalso: ${path.join(out, 'metrics.json')}\n`);
  return 0;
}

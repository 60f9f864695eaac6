// `nodulab study learnability`: the learnability sweep (balanced accuracy on iid data against class
// separation and training budget, per loss; the shortcut-vs-core race) into runs/learnability-<time>/.
import * as path from 'path';
import { defaultLearnabilitySpec, learnabilityText, quickLearnabilitySpec, runLearnability } from '@nodulab/study';
import { withLockedOut } from '../output';
import { namedStudyInput } from './named_study';

/** Runs the sweep with the study command's options (--quick, --seeds, --threads, --out); returns the exit code. */
export async function runLearnabilityCommand(o: Record<string, unknown>): Promise<number> {
  const { spec, out } = namedStudyInput('learnability', o, defaultLearnabilitySpec(), quickLearnabilitySpec);
  process.stderr.write(`study learnability: ${spec.losses.join(', ')} x seeds ${spec.seeds.join(', ')} -> ${out}\n`);
  const r = await withLockedOut(out, (signal) =>
    runLearnability(spec, out, (e) => process.stderr.write(`[${e.index}/${e.total}] ${e.what}\n`), signal),
  );
  process.stdout.write(`study learnability: ${r.runs.length + r.race.length} models in ${r.seconds.toFixed(1)} s\n`);
  process.stdout.write(learnabilityText(r) + '\n');
  process.stdout.write(`report: ${path.join(out, 'report.html')}\nalso: ${path.join(out, 'metrics.json')}\n`);
  return 0;
}

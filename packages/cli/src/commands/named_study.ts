// The common start of a named study that runs in-process (learnability, hard-samples, pretraining-robustness,
// calibration-ood): no --spec and no queue, --quick/--seeds/--threads laid over the study's default spec, and a new
// --out folder.
import { UsageError } from '../args';
import { checkNewOut, timestampedOut } from '../output';

/** A study spec's fields the command's options set. */
interface SeededSpec {
  seeds: number[];
  threads: number;
}

/**
 * The spec and output folder of study `name` from the study command's options: `defaults` with `quick` applied
 * under --quick, then --seeds (0..N-1) and --threads. Throws a UsageError for --spec, --queue or --results, and
 * when --out exists and is not empty.
 */
export function namedStudyInput<S extends SeededSpec>(
  name: string,
  o: Record<string, unknown>,
  defaults: S,
  quick: (spec: S) => S,
): { spec: S; out: string } {
  if (o.spec !== undefined) throw new UsageError(`the ${name} study takes no --spec`);
  if (o.queue !== undefined || o.results !== undefined)
    throw new UsageError(`--queue and --results run a loss-generalization or --spec grid; ${name} runs in-process`);
  let spec = o.quick ? quick(defaults) : defaults;
  if (o.seeds !== undefined) spec = { ...spec, seeds: Array.from({ length: o.seeds as number }, (_, i) => i) };
  if (o.threads !== undefined) spec = { ...spec, threads: o.threads as number };
  const out = (o.out as string | undefined) ?? timestampedOut(`${name}${o.quick ? '-quick' : ''}`);
  checkNewOut(out);
  return { spec, out };
}

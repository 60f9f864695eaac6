// The shape of a nodulab subcommand. Each lives in commands/<name>.ts and is listed in commands/index.ts.
import type { OptionSpecs, ParsedOptions } from './args';

/** A subcommand of `nodulab`. */
export interface Command {
  /** The word after `nodulab`, e.g. "generate". */
  name: string;
  /** One line for `nodulab help`. */
  summary: string;
  /** Positional arguments, e.g. "<volume.nii.gz|dir>", for the usage line. */
  positionals?: string;
  options: OptionSpecs;
  /**
   * The usage of one form of the command, chosen by its first positional (e.g. `nodulab study <name>
   * --help` lists that study's own options); null for the general usage.
   */
  specialize?(positionals: string[]): Pick<Command, 'summary' | 'options'> | null;
  /**
   * Runs the command on its parsed options (defaults filled in) and positionals; resolves to the
   * process exit code. Throws UsageError for bad invocations. A command without `positionals` is
   * given none: main rejects any.
   */
  run(options: ParsedOptions, positionals: string[]): Promise<number>;
}

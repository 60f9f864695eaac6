// @nodulab/cli as a library: the command runner and the helpers commands share.
export { main } from './main';
export { parseArgs, describeOptions, UsageError } from './args';
export type { OptionSpec, OptionSpecs, ParsedOptions } from './args';
export type { Command } from './command';
export { ProgressBar } from './progress';
export { COMMANDS } from './commands';

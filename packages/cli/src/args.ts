// A strict command-line option parser: --name value, --name=value, --flag, positionals. Unknown or
// malformed options are a UsageError naming the option, so the CLI exits 2 before doing any work.

/** A mistake in how a command was invoked: the CLI prints it with the usage and exits with 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** How an option is read. */
export interface OptionSpec {
  type: 'string' | 'number' | 'integer' | 'boolean';
  /** Shown in the usage text. */
  description: string;
  default?: string | number | boolean;
  /** Allowed values for a string option. */
  choices?: readonly string[];
  /** Inclusive lower bound for numbers. */
  min?: number;
}

export type OptionSpecs = Record<string, OptionSpec>;
export type ParsedOptions = Record<string, string | number | boolean | undefined>;

/** Parses argv against `specs`; returns options (defaults filled in) and positionals. */
export function parseArgs(
  argv: readonly string[],
  specs: OptionSpecs,
): { options: ParsedOptions; positionals: string[] } {
  const options: ParsedOptions = {};
  const positionals: string[] = [];
  for (const [name, spec] of Object.entries(specs)) if (spec.default !== undefined) options[name] = spec.default;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    const spec = specs[name];
    if (!spec) throw new UsageError(`unknown option --${name}`);
    if (spec.type === 'boolean') {
      if (eq >= 0) throw new UsageError(`--${name} is a flag and takes no value`);
      options[name] = true;
      continue;
    }
    const raw = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
    if (raw === undefined || (eq < 0 && raw.startsWith('--'))) throw new UsageError(`--${name} needs a value`);
    options[name] = convert(name, spec, raw);
  }
  return { options, positionals };
}

function convert(name: string, spec: OptionSpec, raw: string): string | number {
  if (spec.type === 'string') {
    if (spec.choices && !spec.choices.includes(raw)) {
      throw new UsageError(`--${name} must be one of ${spec.choices.join(', ')}; got '${raw}'`);
    }
    return raw;
  }
  const v = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(v)) throw new UsageError(`--${name} must be a number; got '${raw}'`);
  if (spec.type === 'integer' && !Number.isInteger(v))
    throw new UsageError(`--${name} must be an integer; got '${raw}'`);
  if (spec.min !== undefined && v < spec.min) throw new UsageError(`--${name} must be >= ${spec.min}; got ${v}`);
  return v;
}

/** Usage lines for a set of options. */
export function describeOptions(specs: OptionSpecs): string {
  return Object.entries(specs)
    .map(([name, s]) => {
      const value = s.type === 'boolean' ? '' : s.choices ? ` <${s.choices.join('|')}>` : ` <${s.type}>`;
      const dflt = s.default !== undefined && s.type !== 'boolean' ? ` (default ${s.default})` : '';
      return `  --${name}${value}`.padEnd(34) + ` ${s.description}${dflt}`;
    })
    .join('\n');
}

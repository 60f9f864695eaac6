// Entry point of the `nodulab` command: dispatches to a subcommand, turns errors into messages and
// exit codes (2 for usage errors, 1 for failures), never a stack trace for a user mistake.
import { describeOptions, parseArgs, UsageError } from './args';
import { COMMANDS } from './commands';
import type { Command } from './command';

function usage(cmd: Command): string {
  return `usage: nodulab ${cmd.name}${cmd.positionals ? ' ' + cmd.positionals : ''} [options]\n${cmd.summary}\n\noptions:\n${describeOptions(cmd.options)}`;
}

function help(): string {
  const lines = COMMANDS.map((c) => `  ${c.name.padEnd(12)} ${c.summary}`);
  return `usage: nodulab <command> [options]\n\ncommands:\n${lines.join('\n')}\n\nRun \`nodulab <command> --help\` for a command's options.`;
}

/** Runs `nodulab <argv>`; resolves to the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    process.stdout.write(help() + '\n');
    return name ? 0 : 2;
  }
  const cmd = COMMANDS.find((c) => c.name === name);
  if (!cmd) {
    process.stderr.write(`nodulab: unknown command '${name}'\n\n${help()}\n`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    const first = rest.find((a) => !a.startsWith('-'));
    const form = first !== undefined ? cmd.specialize?.([first]) : null;
    process.stdout.write(usage(form ? { ...cmd, ...form } : cmd) + '\n');
    return 0;
  }
  try {
    const { options, positionals } = parseArgs(rest, cmd.options);
    if (!cmd.positionals && positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
    return await cmd.run(options, positionals);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`nodulab ${cmd.name}: ${e.message}\n\n${usage(cmd)}\n`);
      return 2;
    }
    const message = e instanceof Error ? e.message : String(e);
    process.stderr.write(`nodulab ${cmd.name}: error: ${message}\n`);
    if (process.env.NODULAB_DEBUG && e instanceof Error) process.stderr.write(`${e.stack}\n`);
    return 1;
  }
}

/** Runs `nodulab` with this process's arguments and sets its exit code (the `nodulab` bin). */
export function run(): void {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}

// Test helper for the CLI tests: runs `nodulab` in process through main(argv) and captures what it
// writes to stdout and stderr, with its exit code.
import { main } from '@nodulab/cli';

/** One in-process run: the exit code and everything written to stdout and stderr. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs main(argv) with process.stdout / process.stderr writes captured instead of printed.
 * @param argv the command line after `nodulab`, e.g. `['generate', '--out', dir]`.
 * @param onStderr called with each write to stderr as it happens (e.g. to stop a run mid-way).
 * @returns the exit code and the captured output; the streams are restored even if main throws.
 */
export async function runCli(argv: string[], onStderr?: (text: string) => void): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const out = jest
    .spyOn(process.stdout, 'write')
    .mockImplementation((s: string | Uint8Array) => ((stdout += String(s)), true));
  const err = jest.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => {
    stderr += String(s);
    onStderr?.(String(s));
    return true;
  });
  try {
    const code = await main(argv);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

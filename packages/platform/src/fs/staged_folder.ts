// An output folder written atomically: everything goes into <out>.partial, and one rename makes <out>
// appear complete; abort (or a failure in commit) removes <out>.partial, leaving <out> as it was. Used by
// dataset folders and study folders.
import * as fs from 'fs';
import * as path from 'path';

/** The path of the staging folder for `out`. */
export function partialPath(out: string): string {
  return `${path.resolve(out)}.partial`;
}

/** Throws unless `out` can be written: absent, an empty folder, or (with overwrite) a folder. */
export function checkOutput(out: string, overwrite: boolean): void {
  let st: fs.Stats;
  try {
    st = fs.statSync(out);
  } catch {
    return;
  }
  if (!st.isDirectory()) throw new Error(`output ${out} exists and is not a folder`);
  if (!overwrite && fs.readdirSync(out).length > 0)
    throw new Error(`output folder ${out} exists and is not empty (use --overwrite to replace it)`);
}

/** A folder being written at `staging` (<out>.partial) that `commit` moves to `out` and `abort` removes. */
export class StagedFolder {
  readonly out: string;
  readonly staging: string;
  private closed = false;

  /** Checks `out` and creates the empty staging folder (a stale one, left by a killed writer, is replaced). */
  constructor(
    out: string,
    private readonly overwrite = false,
  ) {
    this.out = path.resolve(out);
    checkOutput(this.out, overwrite);
    this.staging = partialPath(out);
    fs.rmSync(this.staging, { recursive: true, force: true });
    fs.mkdirSync(this.staging, { recursive: true });
  }

  /** Renames the staging folder to `out`; an existing `out` (overwrite) is moved aside first, removed after. */
  commit(): void {
    if (this.closed) throw new Error(`${this.staging}: already committed or aborted`);
    this.closed = true;
    let old: string | null = null;
    try {
      checkOutput(this.out, this.overwrite); // it may have changed while the folder was written
      if (fs.existsSync(this.out)) {
        old = `${this.out}.old-${process.pid}-${Date.now()}`;
        fs.renameSync(this.out, old);
      }
      fs.renameSync(this.staging, this.out);
    } catch (e) {
      if (old !== null && !fs.existsSync(this.out)) fs.renameSync(old, this.out);
      fs.rmSync(this.staging, { recursive: true, force: true });
      throw new Error(`cannot move ${this.staging} to ${this.out}: ${(e as Error).message}`);
    }
    if (old !== null) fs.rmSync(old, { recursive: true, force: true });
  }

  /** Removes the staging folder (nothing is left behind). Safe to call more than once. */
  abort(): void {
    this.closed = true;
    fs.rmSync(this.staging, { recursive: true, force: true });
  }
}

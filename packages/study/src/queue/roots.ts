// The folders a worker may touch, from its own configuration only: its results root (where unit folders
// are written and read) and input roots (where checkpoints and spec files a job names may lie). Paths are
// compared by their real paths, so a symbolic link cannot lead out of a root.
import * as fs from 'fs';
import * as path from 'path';
import { PRESET_NAMES } from '@nodulab/data';
import { PayloadError } from './payload';

/** The real path of folder `dir` (made when missing); throws naming `what` when it is not a folder. */
export function realFolder(dir: string, what: string): string {
  fs.mkdirSync(dir, { recursive: true });
  const real = fs.realpathSync(dir);
  if (!fs.statSync(real).isDirectory()) throw new Error(`${what} ${dir}: not a folder`);
  return real;
}

/** Whether real path `p` is `root` or lies under it. */
const under = (p: string, root: string): boolean =>
  p === root || p.startsWith(root.endsWith(path.sep) ? root : root + path.sep);

/**
 * The real path of `p` (resolved against the nearest existing folder above it when it does not exist yet)
 * when it lies inside one of `roots` (real paths); throws a PayloadError naming `what` otherwise.
 */
export function insideRoots(p: string, roots: readonly string[], what: string): string {
  let existing = path.resolve(p);
  const rest: string[] = [];
  while (!fs.existsSync(existing)) {
    rest.unshift(path.basename(existing));
    const up = path.dirname(existing);
    if (up === existing) break;
    existing = up;
  }
  const real = path.join(fs.realpathSync(existing), ...rest);
  if (!roots.some((r) => under(real, r)))
    throw new PayloadError(`${what} ${p} lies outside this worker's folders (${roots.join(', ')}); refused`);
  return real;
}

/** A file a job's spec names, where it names it (e.g. `config.init.checkpoint`). */
export interface NamedFile {
  where: string;
  file: string;
}

/**
 * Every file the spec of a job names: `checkpoint` and `path` values, and `spec` values that are not a
 * dataset preset (a spec file). Found by key anywhere in the spec, so a new field of that name is covered.
 */
export function namedFiles(spec: unknown, where = 'spec'): NamedFile[] {
  const out: NamedFile[] = [];
  const stack: [unknown, string][] = [[spec, where]];
  while (stack.length) {
    const [v, at] = stack.pop()!;
    if (Array.isArray(v)) v.forEach((x, i) => stack.push([x, `${at}[${i}]`]));
    else if (v !== null && typeof v === 'object')
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
        const here = `${at}.${k}`;
        if (
          typeof x === 'string' &&
          (k === 'checkpoint' || k === 'path' || (k === 'spec' && !PRESET_NAMES.includes(x)))
        )
          out.push({ where: here, file: x });
        else stack.push([x, here]);
      }
  }
  return out;
}

/**
 * Throws a PayloadError unless every file `spec` names is a regular file inside `roots` (real paths; a
 * relative path is taken from the worker's working folder): a checkpoint a job starts from must lie in the
 * results root or a configured input root.
 */
export function checkNamedFiles(spec: unknown, roots: readonly string[]): void {
  for (const { where, file } of namedFiles(spec)) {
    const real = insideRoots(file, roots, where);
    if (!fs.existsSync(real) || !fs.statSync(real).isFile())
      throw new PayloadError(`${where}: ${file} is not a file inside this worker's folders`);
  }
}

// Study folders are written atomically: the work goes into <out>.partial (a StagedFolder of
// @nodulab/data), renamed to <out> when it succeeds and removed when it fails or is stopped.
import * as fs from 'fs';
import * as path from 'path';
import { StagedFolder, writeFileAtomic } from '@nodulab/platform';

/** Runs `write` on the staging folder of `out`; commits on success, removes the staging folder on failure. */
export async function inStagedFolder<T>(out: string, write: (staging: string) => Promise<T>): Promise<T> {
  const folder = new StagedFolder(out);
  let result: T;
  try {
    result = await write(folder.staging);
    relocateRunFolders(folder.staging, folder.staging, out);
  } catch (e) {
    folder.abort();
    throw e;
  }
  folder.commit();
  return result;
}

/** How deep under a study folder run folders may lie (runs/<unit>/<model>/<arm>/summary.json). */
const MAX_RUN_DEPTH = 5;

/**
 * Each run's summary.json (and config.json, which may name a pretrained checkpoint beside it) records its
 * folder and checkpoint paths as written, inside `from`; they are rewritten to where they will be under
 * `to`. Walks every folder under `root` down to MAX_RUN_DEPTH levels; follows no symbolic link.
 */
export function relocateRunFolders(root: string, from: string, to: string, depth = 0): void {
  if (depth > MAX_RUN_DEPTH) return;
  for (const entry of fs.readdirSync(root, { withFileTypes: true })) {
    const p = path.join(root, entry.name);
    if (entry.isDirectory()) relocateRunFolders(p, from, to, depth + 1);
    else if (entry.isFile() && (entry.name === 'summary.json' || entry.name === 'config.json'))
      relocateRunSummary(p, from, to);
  }
}

/**
 * Rewrites the paths in a run's summary.json that lie under `from` (given as written or absolute) to
 * the same place under `to` (kept relative when `from` was written relative). No-op without the file.
 */
export function relocateRunSummary(file: string, from: string, to: string): void {
  if (!fs.existsSync(file)) return;
  const prefixes = [from, path.resolve(from)];
  const move = (v: unknown): unknown => {
    if (typeof v === 'string') {
      const p = prefixes.find((x) => v === x || v.startsWith(x + path.sep));
      return p === undefined ? v : (p === from ? to : path.resolve(to)) + v.slice(p.length);
    }
    if (Array.isArray(v)) return v.map(move);
    if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, move(x)]));
    return v;
  };
  const doc = move(JSON.parse(fs.readFileSync(file, 'utf8')));
  writeFileAtomic(file, Buffer.from(JSON.stringify(doc, null, 2) + '\n'));
}

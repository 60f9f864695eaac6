// Study folders are written atomically: the work goes into <out>.partial (a StagedFolder of
// @nodulab/data), renamed to <out> when it succeeds and removed when it fails or is stopped.
import * as fs from 'fs';
import * as path from 'path';
import { StagedFolder } from '@nodulab/data';
import { writeFileAtomic } from '@nodulab/tensor';

/** Runs `write` on the staging folder of `out`; commits on success, removes the staging folder on failure. */
export async function inStagedFolder<T>(out: string, write: (staging: string) => Promise<T>): Promise<T> {
  const folder = new StagedFolder(out);
  let result: T;
  try {
    result = await write(folder.staging);
    pointRunSummariesAt(folder.staging, out);
  } catch (e) {
    folder.abort();
    throw e;
  }
  folder.commit();
  return result;
}

/** The folders of a study that hold run folders: its models, and the pretrained encoders it trained. */
const RUN_FOLDERS = ['runs', 'pretrained'];

/**
 * Each run's summary.json records its folder and checkpoint paths as written, inside the staging
 * folder (and config.json the pretrained checkpoint it started from, when that lies there too); they
 * are rewritten to where the folder will be once it is renamed to `out`.
 */
function pointRunSummariesAt(staging: string, out: string): void {
  for (const folder of RUN_FOLDERS) {
    const runs = path.join(staging, folder);
    if (!fs.existsSync(runs)) continue;
    for (const run of fs.readdirSync(runs)) {
      relocateRunSummary(path.join(runs, run, 'summary.json'), staging, out);
      // A run initialised from an encoder inside the study folder names its checkpoint in config.json.
      relocateRunSummary(path.join(runs, run, 'config.json'), staging, out);
    }
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

// Study folders are written atomically: the work goes into <out>.partial (a StagedFolder of
// @nodulab/data), renamed to <out> when it succeeds and removed when it fails or is stopped.
import { StagedFolder } from '@nodulab/data';

/** Runs `write` on the staging folder of `out`; commits on success, removes the staging folder on failure. */
export async function inStagedFolder<T>(out: string, write: (staging: string) => Promise<T>): Promise<T> {
  const folder = new StagedFolder(out);
  let result: T;
  try {
    result = await write(folder.staging);
  } catch (e) {
    folder.abort();
    throw e;
  }
  folder.commit();
  return result;
}

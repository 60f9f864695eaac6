// Atomic file writes: the bytes go to a temporary file in the same folder, which is fsynced and
// renamed over the target, then the folder is fsynced. A reader sees the old file or the new one,
// never a half-written one. Used by every nodulab writer (checkpoints, NIfTI, datasets). A temporary
// file left by a killed process is removed by removeStaleTempFiles at the next run in that folder.
import * as fs from 'fs';
import * as path from 'path';
import { processAlive } from './process_alive';

/** The temporary file name writeFileAtomic uses for `name`: `.<name>.<pid>.<unique>.tmp`. */
const TEMP_NAME = /^\..+\.([0-9]+)\.[0-9a-z]+\.tmp$/;

/** Writes bytes to `file` atomically (temp file in the same folder, fsync, rename, fsync folder). */
export function writeFileAtomic(file: string, bytes: Uint8Array): void {
  const dir = path.dirname(path.resolve(file));
  const tmp = path.join(
    dir,
    `.${path.basename(file)}.${process.pid}.${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}.tmp`,
  );
  let fd: number | null = null;
  try {
    fd = fs.openSync(tmp, 'wx', 0o644);
    let written = 0;
    while (written < bytes.length) written += fs.writeSync(fd, bytes, written, bytes.length - written);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = null;
    fs.renameSync(tmp, file);
  } catch (e) {
    if (fd !== null) {
      try {
        fs.closeSync(fd);
      } catch {
        /* already failing; report the first error */
      }
    }
    try {
      fs.unlinkSync(tmp);
    } catch {
      /* the temp file may not exist */
    }
    throw new Error(`cannot write ${file}: ${(e as Error).message}`);
  }
  syncFolder(dir);
}

/**
 * Removes the temporary files of interrupted atomic writes in `dir` (not recursive): those whose
 * writing process is no longer running. Returns the paths removed; a missing folder removes nothing.
 */
export function removeStaleTempFiles(dir: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const m = TEMP_NAME.exec(name);
    if (!m || processAlive(Number(m[1]))) continue;
    const file = path.join(dir, name);
    try {
      fs.unlinkSync(file);
      removed.push(file);
    } catch {
      /* removed meanwhile, or not a file: leave it */
    }
  }
  return removed;
}

/** fsyncs a folder so a rename inside it is durable (a no-op where folders cannot be opened). */
function syncFolder(dir: string): void {
  let fd: number | null = null;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    /* some platforms (Windows) cannot fsync a folder */
  } finally {
    if (fd !== null) fs.closeSync(fd);
  }
}

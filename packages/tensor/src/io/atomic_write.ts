// Atomic file writes: the bytes go to a temporary file in the same folder, which is fsynced and
// renamed over the target, then the folder is fsynced. A reader sees the old file or the new one,
// never a half-written one. Used by every nodulab writer (checkpoints, NIfTI, datasets).
import * as fs from 'fs';
import * as path from 'path';

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

// A temporary folder for one test file: made when the file loads, removed after its last test.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/** Makes `<tmpdir>/<prefix>XXXXXX` now and removes it (recursively) in the file's afterAll. */
export function suiteTempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

// The labels.csv of a scans folder (header `scan,label`): one row per scan, its path relative to the folder
// and an integer class; every row is checked — a bad label, a duplicate, a path that leaves the folder
// (`..`, absolute, or a symlink leading outside), a missing scan — with an error naming the file and line.
import * as fs from 'fs';
import * as path from 'path';
import { InputLimits, byteLimitError } from '../formats/input_limits';

/** One row of a labels.csv: the scan as written, its resolved path inside the folder, its class and CSV line. */
export interface ScanLabel {
  scan: string;
  file: string;
  label: number;
  line: number;
}

function inside(root: string, p: string): boolean {
  const rel = path.relative(root, p);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel);
}

/**
 * Reads and checks `<dir>/<csv>`: header `scan,label`, then `relative/path,<integer ≥ 0>` per line (blank lines
 * skipped). Throws `<csv file> line N: ...` for a row that is malformed, repeats a scan, names a path outside
 * `dir` (after following symlinks) or a scan that does not exist; a file over `limits.maxDecodedBytes` or with
 * no rows throws too.
 */
export function readScanLabels(
  dir: string,
  csv = 'labels.csv',
  limits: Pick<InputLimits, 'maxDecodedBytes'>,
): ScanLabel[] {
  const file = path.join(dir, csv);
  let text: string;
  let root: string;
  try {
    root = fs.realpathSync(dir);
    const over = byteLimitError(fs.statSync(file).size, limits, 'the file');
    if (over !== null) throw new Error(over);
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`scans folder ${file}: ${(e as Error).message}`);
  }
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const header = lines[0].split(',').map((c) => c.trim());
  if (header.join(',') !== 'scan,label')
    throw new Error(`${file} line 1: the header must be "scan,label", got ${JSON.stringify(lines[0])}`);
  const rows: ScanLabel[] = [];
  const seen = new Map<string, number>();
  lines.forEach((raw, k) => {
    const line = k + 1;
    if (k === 0 || raw.trim() === '') return;
    const at = `${file} line ${line}`;
    const cells = raw.split(',').map((c) => c.trim());
    if (cells.length !== 2 || cells[0] === '')
      throw new Error(`${at}: expected "scan,label" (2 cells), got ${JSON.stringify(raw)}`);
    const [scan, labelText] = cells;
    if (!/^\d+$/.test(labelText) || !Number.isSafeInteger(Number(labelText)))
      throw new Error(`${at}: the label of ${scan} must be an integer class ≥ 0, got ${JSON.stringify(labelText)}`);
    if (path.isAbsolute(scan) || /^[a-zA-Z]:/.test(scan) || scan.split(/[\\/]/).includes('..'))
      throw new Error(
        `${at}: ${scan} must be a path relative to the folder, without ".." (the folder may come from elsewhere)`,
      );
    const key = path.normalize(scan).replace(/[\\/]+$/, '');
    const first = seen.get(key);
    if (first !== undefined) throw new Error(`${at}: ${scan} is listed again (first on line ${first})`);
    seen.set(key, line);
    const target = path.join(root, key);
    let real: string;
    try {
      real = fs.realpathSync(target);
    } catch {
      throw new Error(`${at}: ${scan} is missing (no ${target})`);
    }
    if (!inside(root, real)) throw new Error(`${at}: ${scan} leads outside the folder (to ${real}) through a symlink`);
    rows.push({ scan, file: path.join(dir, key), label: Number(labelText), line });
  });
  if (!rows.length) throw new Error(`${file}: no scans listed (give one "scan,label" row per scan)`);
  return rows;
}

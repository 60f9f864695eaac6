// A finished unit's manifest and its checks: the worker records, in <job id>.json beside the unit folder,
// which study, unit and job (the hash of the unit's config) the folder is for and the SHA-256 of every file
// in it, signed with HMAC-SHA256 when a queue key is configured. Readers (the coordinator, and workers whose
// units need the unit) accept a folder only when it matches: same unit, same files, same bytes, no links.
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { configHash, parseJsonBounded } from '@nodulab/platform';
import type { StudyJobResult, UnitManifest } from './jobs';

/** The manifest format this version writes and reads. */
export const MANIFEST_FORMAT = 'nodulab-unit-manifest/1';

/** The largest result file read, in bytes. */
const MAX_RESULT_BYTES = 64 << 20;

/** A unit folder or result file that does not match its manifest, or a manifest that does not match the plan. */
export class UnitResultError extends Error {}

/** The unit a reader planned: what a manifest must name. */
export interface PlannedUnit {
  study: string;
  unit: string;
  job: string;
}

const sha256File = (file: string): string =>
  `sha256:${crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex')}`;

/**
 * The SHA-256 of every file under `dir` by relative path ('/'-separated, sorted); throws a UnitResultError
 * at a symbolic link or anything else that is neither a folder nor a regular file.
 */
export function hashFolder(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  const stack = [''];
  while (stack.length) {
    const rel = stack.pop()!;
    for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const r = rel === '' ? e.name : `${rel}/${e.name}`;
      if (e.isDirectory()) stack.push(r);
      else if (e.isFile()) files[r] = sha256File(path.join(dir, r));
      else throw new UnitResultError(`${path.join(dir, r)}: not a regular file (a link?); refused`);
    }
  }
  return Object.fromEntries(Object.entries(files).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** The signature of a result document (all but its `signature`): "hmac-sha256:" + hex. */
export function signResult(doc: Omit<StudyJobResult, 'signature'>, key: Buffer): string {
  const { signature: _, ...body } = doc as StudyJobResult;
  return `hmac-sha256:${crypto.createHmac('sha256', key).update(configHash(body)).digest('hex')}`;
}

/**
 * The result document of a finished unit: its result and its manifest (the files of `staging`, to be renamed
 * to `final`), signed when `key` is given.
 */
export function resultDocument(
  run: Omit<StudyJobResult, 'manifest' | 'signature'>,
  planned: PlannedUnit,
  staging: string,
  final: string,
  key: Buffer | null,
): StudyJobResult {
  const manifest: UnitManifest = { format: MANIFEST_FORMAT, ...planned, dir: final, files: hashFolder(staging) };
  const doc = { ...run, manifest };
  return key ? { ...doc, signature: signResult(doc, key) } : doc;
}

/** Throws a UnitResultError unless the files of `dir` are exactly `files`, byte for byte. */
export function checkFolder(dir: string, files: Record<string, string>): void {
  const st = fs.lstatSync(dir, { throwIfNoEntry: false });
  if (!st) throw new UnitResultError(`unit folder ${dir} is missing`);
  if (!st.isDirectory()) throw new UnitResultError(`unit folder ${dir} is not a folder (a link?); refused`);
  const actual = hashFolder(dir);
  const extra = Object.keys(actual).filter((f) => !(f in files));
  const missing = Object.keys(files).filter((f) => !(f in actual));
  const changed = Object.keys(files).filter((f) => f in actual && actual[f] !== files[f]);
  const problems = [
    ...changed.map((f) => `${f} differs from its manifest hash`),
    ...missing.map((f) => `${f} is missing`),
    ...extra.map((f) => `${f} is not in the manifest`),
  ];
  if (problems.length)
    throw new UnitResultError(`unit folder ${dir} does not match its manifest: ${problems.slice(0, 5).join('; ')}`);
}

/** Throws a UnitResultError naming the first way `doc` is not a manifest of `planned` signed with `key`. */
function checkDocument(doc: unknown, planned: PlannedUnit, key: Buffer | null, what: string): StudyJobResult {
  const d = doc as Partial<StudyJobResult> | null;
  const m = d?.manifest as Partial<UnitManifest> | undefined;
  if (!d || typeof d !== 'object' || !m || typeof m !== 'object' || m.format !== MANIFEST_FORMAT)
    throw new UnitResultError(`${what}: no ${MANIFEST_FORMAT} manifest; refused`);
  for (const k of ['study', 'unit', 'job'] as const)
    if (m[k] !== planned[k])
      throw new UnitResultError(
        `${what}: its manifest is for ${k} ${JSON.stringify(m[k])}, not ${planned[k]}; refused`,
      );
  if (typeof m.dir !== 'string') throw new UnitResultError(`${what}: its manifest names no folder; refused`);
  if (!m.files || typeof m.files !== 'object' || Object.values(m.files).some((h) => typeof h !== 'string'))
    throw new UnitResultError(`${what}: its manifest lists no file hashes; refused`);
  if (typeof d.threads !== 'number' || typeof d.seconds !== 'number' || typeof d.worker !== 'string')
    throw new UnitResultError(`${what}: no threads, seconds and worker; refused`);
  if (key) {
    const expected = Buffer.from(signResult(d as StudyJobResult, key));
    const given = Buffer.from(typeof d.signature === 'string' ? d.signature : '');
    if (given.length !== expected.length || !crypto.timingSafeEqual(given, expected))
      throw new UnitResultError(
        `${what}: ${d.signature === undefined ? 'not signed' : 'its signature does not verify'} with the queue key; refused`,
      );
  }
  return d as StudyJobResult;
}

/**
 * The result of `planned` from result file `file` and unit folder `dir`, both checked: the manifest names the
 * planned study, unit and job, carries a valid signature when `key` is given, and lists exactly the folder's
 * files with their hashes. Null when there is no result file yet; throws a UnitResultError otherwise.
 */
export function readVerifiedResult(
  file: string,
  dir: string,
  planned: PlannedUnit,
  key: Buffer | null,
): StudyJobResult | null {
  const st = fs.lstatSync(file, { throwIfNoEntry: false });
  if (!st) return null;
  const what = `result ${file}`;
  if (!st.isFile()) throw new UnitResultError(`${what} is not a regular file (a link?); refused`);
  if (st.size > MAX_RESULT_BYTES)
    throw new UnitResultError(`${what} is ${st.size} bytes (at most ${MAX_RESULT_BYTES}); refused`);
  let doc: unknown;
  try {
    doc = parseJsonBounded(fs.readFileSync(file, 'utf8'), what);
  } catch (e) {
    throw new UnitResultError((e as Error).message);
  }
  const result = checkDocument(doc, planned, key, what);
  checkFolder(dir, result.manifest.files);
  return result;
}

/**
 * Copies the files of a checked unit folder `from` to `to` (plain copies, no links followed) and checks the
 * copies against `files` again, so what lands in the study folder is what the manifest hashed.
 */
export function copyVerified(from: string, to: string, files: Record<string, string>): void {
  for (const rel of Object.keys(files)) {
    const src = path.join(from, ...rel.split('/'));
    if (!fs.lstatSync(src).isFile()) throw new UnitResultError(`${src} is not a regular file; refused`);
    const dst = path.join(to, ...rel.split('/'));
    fs.mkdirSync(path.dirname(dst), { recursive: true });
    fs.copyFileSync(src, dst);
  }
  fs.mkdirSync(to, { recursive: true });
  checkFolder(to, files);
}

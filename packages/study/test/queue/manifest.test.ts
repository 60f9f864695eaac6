// A finished unit's manifest: the folder a reader accepts is the planned unit's, with exactly the files the
// manifest hashes, no links, and (with a queue key) a valid signature; everything else is refused, named.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { copyVerified, readVerifiedResult, resultDocument, signResult } from '../../src/queue/manifest';
import type { StudyJobResult } from '../../src/queue/jobs';

const tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'nodulab-manifest-')));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const key = Buffer.from('k'.repeat(32));
const planned = { study: 'learnability', unit: 'ce-seed0', job: `unit-${'a'.repeat(64)}` };
const run = { result: { accuracy: 0.75 }, threads: 1, worker: 'host:1', seconds: 2 };

/** A finished unit in a fresh results folder: <root>/<job>/ and <root>/<job>.json, signed with `signWith`. */
function finished(signWith: Buffer | null = key): { dir: string; file: string; doc: StudyJobResult } {
  const root = fs.mkdtempSync(path.join(tmp, 'r-'));
  const dir = path.join(root, planned.job);
  fs.mkdirSync(path.join(dir, 'run', 'checkpoints'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'run', 'metrics.json'), '{"accuracy":0.75}');
  fs.writeFileSync(path.join(dir, 'run', 'checkpoints', 'last.safetensors'), Buffer.from([1, 2, 3]));
  const doc = resultDocument(run, planned, dir, dir, signWith);
  const file = path.join(root, `${planned.job}.json`);
  fs.writeFileSync(file, JSON.stringify(doc));
  return { dir, file, doc };
}

describe('readVerifiedResult', () => {
  it('returns the result of a folder that matches its manifest', () => {
    const { dir, file, doc } = finished();
    expect(Object.keys(doc.manifest.files)).toEqual(['run/checkpoints/last.safetensors', 'run/metrics.json']);
    expect(readVerifiedResult(file, dir, planned, key)).toEqual(doc);
    expect(readVerifiedResult(file, dir, planned, null)).toEqual(doc);
    expect(readVerifiedResult(path.join(dir, '..', 'none.json'), dir, planned, key)).toBeNull();
  });

  const forged = (f: ReturnType<typeof finished>, change: (d: StudyJobResult) => void): void => {
    const d = JSON.parse(fs.readFileSync(f.file, 'utf8')) as StudyJobResult;
    change(d);
    fs.writeFileSync(f.file, JSON.stringify(d));
  };

  it.each<[string, (f: ReturnType<typeof finished>) => void, RegExp]>([
    [
      'a changed file',
      (f) => fs.writeFileSync(path.join(f.dir, 'run', 'metrics.json'), '{"accuracy":0.99}'),
      /run\/metrics\.json differs from its manifest hash/,
    ],
    [
      'an added file',
      (f) => fs.writeFileSync(path.join(f.dir, 'run', 'extra.csv'), 'x'),
      /run\/extra\.csv is not in the manifest/,
    ],
    ['a removed file', (f) => fs.rmSync(path.join(f.dir, 'run', 'metrics.json')), /run\/metrics\.json is missing/],
    [
      'a symbolic link',
      (f) => fs.symlinkSync('/etc/hostname', path.join(f.dir, 'run', 'link')),
      /run\/link: not a regular file \(a link\?\); refused/,
    ],
    [
      'a linked unit folder',
      (f) => {
        fs.renameSync(f.dir, `${f.dir}.real`);
        fs.symlinkSync(`${f.dir}.real`, f.dir);
      },
      /is not a folder \(a link\?\); refused/,
    ],
    [
      'a forged result',
      (f) => forged(f, (d) => ((d.result as { accuracy: number }).accuracy = 0.99)),
      /its signature does not verify with the queue key/,
    ],
    [
      'another unit',
      (f) => forged(f, (d) => (d.manifest.unit = 'supcon-seed0')),
      /its manifest is for unit "supcon-seed0", not ce-seed0/,
    ],
    ['another job', (f) => forged(f, (d) => (d.manifest.job = 'unit-b')), /its manifest is for job "unit-b"/],
    [
      'no manifest',
      (f) => forged(f, (d) => delete (d as Partial<StudyJobResult>).manifest),
      /no nodulab-unit-manifest\/1 manifest/,
    ],
    ['a result file that is not JSON', (f) => fs.writeFileSync(f.file, '{"result":'), /not valid JSON/],
  ])('refuses %s', (_what, tamper, message) => {
    const f = finished();
    tamper(f);
    expect(() => readVerifiedResult(f.file, f.dir, planned, key)).toThrow(message);
  });

  it('refuses an unsigned result, or one signed with another key, when it has a key', () => {
    const unsigned = finished(null);
    expect(() => readVerifiedResult(unsigned.file, unsigned.dir, planned, key)).toThrow(
      /not signed with the queue key/,
    );
    const other = finished(Buffer.from('o'.repeat(32)));
    expect(() => readVerifiedResult(other.file, other.dir, planned, key)).toThrow(/signature does not verify/);
  });

  it('refuses a forged folder with a consistent manifest but no signature, when it has a key', () => {
    const f = finished(null);
    fs.writeFileSync(path.join(f.dir, 'run', 'metrics.json'), '{"accuracy":0.99}');
    const doc = resultDocument({ ...run, result: { accuracy: 0.99 } }, planned, f.dir, f.dir, null);
    fs.writeFileSync(f.file, JSON.stringify(doc));
    expect(readVerifiedResult(f.file, f.dir, planned, null)?.result).toEqual({ accuracy: 0.99 });
    expect(() => readVerifiedResult(f.file, f.dir, planned, key)).toThrow(/not signed with the queue key/);
    expect(signResult(doc, key)).toMatch(/^hmac-sha256:[0-9a-f]{64}$/);
  });
});

describe('copyVerified', () => {
  it('copies exactly the manifest files and checks the copies', () => {
    const f = finished();
    const to = path.join(tmp, 'copy', 'runs', 'ce-seed0');
    copyVerified(f.dir, to, f.doc.manifest.files);
    expect(fs.readFileSync(path.join(to, 'run', 'checkpoints', 'last.safetensors'))).toEqual(Buffer.from([1, 2, 3]));
  });
});

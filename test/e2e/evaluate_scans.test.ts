/**
 * @jest-environment <rootDir>/helpers/node_realm_environment.js
 */
// `nodulab evaluate --scans <folder>` on a folder of DICOM series and a NIfTI scan with labels.csv: per-scan rows
// whose P(positive) equal `nodulab infer` on each scan, metrics that recompute from those rows, the same rows
// from the checkpoint in-process; a bad labels.csv, --spec with --scans and a non-classifier are refused.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { modelSpecMetadata, NoduleNet3D, saveCheckpoint, UNet3D } from '@nodulab/nn';
import { writeNifti } from '@nodulab/data';
import { runCli as run } from '../helpers/run_cli';
import { ctSeries } from '../helpers/dicom_write';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodulab-evaluate-scans-'));
const f = (name: string) => path.join(dir, name);
const scans = f('scans');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

// Series of 24 slices of 28×30 at 0.9 mm in-plane / 1.5 mm slices; scan s has its own texture and brightness.
function writeSeries(name: string, s: number): void {
  fs.mkdirSync(path.join(scans, name), { recursive: true });
  const stored = (i: number, j: number, k: number) =>
    200 + s * 150 + (((i * (7 + s) + j * 13 + k * (5 + 3 * s)) * 37) % 700);
  const files = ctSeries(24, stored, {
    rows: 28,
    columns: 30,
    pixelSpacing: [0.9, 0.9],
    origin: [-20, -30, 40],
    sliceStep: [0, 0, 1.5],
    intercept: -1024,
    seriesUid: `1.2.3.${40 + s}`,
  });
  files.forEach((b, k) => fs.writeFileSync(path.join(scans, name, `im${k}`), b));
}

const SCANS = [
  ['patient1/ct', 1],
  ['patient2/ct', 0],
  ['patient3', 1],
  ['patient4/ct', 0],
  ['extra/scan.nii.gz', 1],
] as const;

beforeAll(async () => {
  const spec = { kind: 'nodulenet3d' as const, options: { widthMultiplier: 0.5 } };
  saveCheckpoint(new NoduleNet3D({ widthMultiplier: 0.5, seed: 7 }), f('net.safetensors'), {
    metadata: modelSpecMetadata(spec),
  });
  expect((await run(['export', '--checkpoint', f('net.safetensors'), '--out', f('net.onnx')])).code).toBe(0);
  SCANS.slice(0, 4).forEach(([name], s) => writeSeries(name, s));
  const hu = Float32Array.from({ length: 20 * 36 * 34 }, (_, i) => ((i * 29) % 1500) - 1000);
  fs.mkdirSync(path.join(scans, 'extra'));
  writeNifti(path.join(scans, 'extra/scan.nii.gz'), [20, 36, 34], [2, 0.8, 0.8], hu);
  fs.writeFileSync(path.join(scans, 'labels.csv'), `scan,label\n${SCANS.map(([s, l]) => `${s},${l}`).join('\n')}\n`);
}, 120_000);

interface Row {
  scan: string;
  label: number;
  p: number;
  predicted: number;
}

/** Accuracy, sensitivity, specificity, balanced accuracy and AUROC (pairs, ties ½) from the rows. */
function recompute(rows: Row[]) {
  const pos = rows.filter((r) => r.label === 1);
  const neg = rows.filter((r) => r.label === 0);
  const sensitivity = pos.filter((r) => r.predicted === 1).length / pos.length;
  const specificity = neg.filter((r) => r.predicted === 0).length / neg.length;
  let wins = 0;
  for (const a of pos) for (const b of neg) wins += a.p > b.p ? 1 : a.p === b.p ? 0.5 : 0;
  return {
    n: rows.length,
    accuracy: rows.filter((r) => r.predicted === r.label).length / rows.length,
    sensitivity,
    specificity,
    balancedAccuracy: (sensitivity + specificity) / 2,
    auroc: wins / (pos.length * neg.length),
  };
}

describe('nodulab evaluate --scans', () => {
  let onnxRows: Row[] = [];

  it('reports per-scan rows equal to infer, and metrics that recompute from them', async () => {
    const r = await run(['evaluate', '--scans', scans, '--model', f('net.onnx'), '--json', '--out', f('m.json')]);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    const doc = JSON.parse(r.stdout);
    expect(JSON.parse(fs.readFileSync(f('m.json'), 'utf8'))).toEqual(doc);
    onnxRows = doc.results;
    expect(onnxRows.map((x) => [x.scan, x.label])).toEqual(SCANS);
    for (const row of onnxRows) expect(row.predicted).toBe(row.p >= 0.5 ? 1 : 0);
    expect(new Set(onnxRows.map((x) => x.p.toFixed(6))).size).toBe(SCANS.length);
    const m = recompute(onnxRows);
    for (const [k, v] of Object.entries(m)) expect(doc.metrics[k]).toBeCloseTo(v, 10);
    for (const row of onnxRows) {
      const inf = await run(['infer', '--model', f('net.onnx'), '--json', path.join(scans, row.scan)]);
      expect(inf.code).toBe(0);
      const res = JSON.parse(inf.stdout).results[0];
      expect(res.units).toBe('HU');
      expect(row.p).toBeCloseTo(Object.values(res.probabilities as Record<string, number>)[1], 6);
    }
  }, 120_000);

  it('gives the same rows from the checkpoint in-process, and follows --threshold', async () => {
    const t = onnxRows.map((x) => x.p).sort((a, b) => a - b)[2]; // the median p
    const r = await run([
      'evaluate',
      '--scans',
      scans,
      '--checkpoint',
      f('net.safetensors'),
      '--threshold',
      `${t}`,
      '--json',
    ]);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    doc.results.forEach((row: Row, k: number) => {
      expect(row.p).toBeCloseTo(onnxRows[k].p, 5);
      expect(row.predicted).toBe(row.p >= t ? 1 : 0);
    });
    expect(doc.metrics.threshold).toBe(t);
    const m = recompute(doc.results);
    for (const [k, v] of Object.entries(m)) expect(doc.metrics[k]).toBeCloseTo(v, 10);
    const text = await run(['evaluate', '--scans', scans, '--checkpoint', f('net.safetensors')]);
    expect(text.stdout).toMatch(/^patient1\/ct\tlabel=1\tp=0\.\d{4}\tpredicted=[01]\n/);
    expect(text.stdout).toMatch(/\nscans +n=5 accuracy=/);
  }, 120_000);

  it('refuses a bad labels.csv naming its line, --spec with --scans, and a segmentation model', async () => {
    fs.mkdirSync(f('bad'));
    fs.writeFileSync(f('bad/labels.csv'), 'scan,label\n../scans/patient3,1\n');
    const bad = await run(['evaluate', '--scans', f('bad'), '--model', f('net.onnx')]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/labels\.csv line 2: \.\.\/scans\/patient3 must be a path relative to the folder/);
    const both = await run(['evaluate', '--scans', scans, '--spec', 'iid', '--model', f('net.onnx')]);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/not both/);
    const seg = { kind: 'unet3d' as const, options: { baseChannels: 2, levels: 1 } };
    saveCheckpoint(new UNet3D({ ...seg.options, seed: 1 }), f('seg.safetensors'), { metadata: modelSpecMetadata(seg) });
    const s = await run(['evaluate', '--scans', scans, '--checkpoint', f('seg.safetensors')]);
    expect(s.code).not.toBe(0);
    expect(s.stderr).toMatch(/evaluate --scans: the model is a segmentation model; --scans evaluates classifiers/);
  }, 120_000);
});

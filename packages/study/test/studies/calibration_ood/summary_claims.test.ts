// The calibration-ood study's logic on hand-made unit results (no training): the summary pairs each seed, the
// control passes or fails naming the models, the claims go to the engine as paired per-seed differences (a failed
// control makes every claim not testable), the OOD claims need every baseline beaten; the report, the text and the
// per-sample files.
import { judgeClaims } from '../../../src/claims';
import {
  calibrationOod,
  calibrationOodClaims,
  nearestNeighbourAccuracy,
  poolBins,
  summarizeCalibrationOod,
} from '../../../src/studies/calibration_ood';
import { P, fakeOutcomes, fakeSpec } from './fakes';

const judge = (outcomes: ReturnType<typeof fakeOutcomes>) => {
  const results = summarizeCalibrationOod(fakeSpec, outcomes);
  const { controls, claims } = calibrationOodClaims(fakeSpec, results);
  const findings = judgeClaims(controls, claims);
  return {
    results,
    controls,
    claims,
    findings,
    output: { study: 'calibration-ood', spec: fakeSpec, results, findings },
  };
};
const verdict = (f: ReturnType<typeof judge>['findings'], id: string) => f.claims.find((c) => c.id === id)!;

describe('summary and claims', () => {
  const good = judge(fakeOutcomes([0.8, 0.82, 0.81], [0.7, 0.71, 0.69]));

  it('pairs each seed and passes the controls', () => {
    expect(good.controls).toEqual([
      expect.objectContaining({ id: 'segments', passed: true }),
      expect.objectContaining({ id: 'ood-positive', passed: true }),
    ]);
    const dice = good.claims.find((c) => c.id === 'joint-dice')!;
    expect(dice.comparisons[0].values).toEqual([0.8 - 0.7, 0.82 - 0.71, 0.81 - 0.69].map((v) => expect.closeTo(v, 12)));
    const transfer = good.claims.find((c) => c.id === 'joint-vs-transfer')!;
    expect(transfer.comparisons[0].values).toEqual(
      [0.8 - 0.5, 0.82 - 0.51, 0.81 - 0.49].map((v) => expect.closeTo(v, 12)),
    );
    const cal = good.claims.find((c) => c.id === 'joint-calibration')!;
    expect(cal.comparisons[0].values).toEqual([-0.05, -0.051, -0.052].map((v) => expect.closeTo(v, 12)));
    // The premise: temperature scaling halves the dedicated models' ECE, 0.1 + 0.002 s.
    const mis = good.claims.find((c) => c.id === 'miscalibrated')!;
    expect(mis.comparisons[0].values).toEqual([0.05, 0.051, 0.052].map((v) => expect.closeTo(v, 12)));
    const sep = good.claims.find((c) => c.id === 'signature-identifies-dataset')!;
    expect(sep.comparisons[0].values).toEqual([0.4, 0.4, 0.4].map((v) => expect.closeTo(v, 12)));
  });

  it('declares every claim with a SESOI > 0 and its reason, depending on the controls', () => {
    expect(good.claims.map((c) => c.id)).toEqual([
      'joint-dice',
      'miscalibrated',
      'joint-calibration',
      'joint-vs-transfer',
      'signature-identifies-dataset',
      'spectral-ood-joint',
      'spectral-ood-dedicated',
    ]);
    for (const c of good.claims) {
      expect(c.sesoi).toBeGreaterThan(0);
      expect(c.sesoiReason.length).toBeGreaterThan(20);
      expect(c.dependsOn).toEqual(c.id.startsWith('spectral-ood') ? ['segments', 'ood-positive'] : ['segments']);
    }
    // The calibration claim is tested after its premise (fixed sequence): 6 hypotheses, not 7.
    expect(good.claims.find((c) => c.id === 'joint-calibration')!.after).toBe('miscalibrated');
    expect(good.findings.familySize).toBe(6);
  });

  it('fails the positive control when the spectral score misses the noise volumes, gating only the OOD claims', () => {
    const f = judge(fakeOutcomes([0.8, 0.82, 0.81], [0.7, 0.71, 0.69], 0.85));
    const ctl = f.controls.find((c) => c.id === 'ood-positive')!;
    expect(ctl.passed).toBe(false);
    expect(ctl.detail).toMatch(/joint 0\.850, dedicated:seg-nodule 0\.850, dedicated:seg-vessels 0\.850; bar 0\.9/);
    expect(verdict(f.findings, 'spectral-ood-joint').verdict).toBe('not testable');
    expect(verdict(f.findings, 'spectral-ood-dedicated').reason).toMatch(/control 'ood-positive', which failed/);
    expect(verdict(f.findings, 'joint-dice').verdict).toBe('reproduced');
  });

  it('judges the calibration claim only when the premise holds', () => {
    const flat = judge(fakeOutcomes([0.8, 0.82, 0.81], [0.7, 0.71, 0.69]));
    const claims = flat.claims.map((c) =>
      c.id === 'miscalibrated' ? { ...c, comparisons: [{ name: 'x', values: [0.001, -0.001, 0.0005] }] } : c,
    );
    const f = judgeClaims(flat.controls, claims);
    expect(verdict(f, 'miscalibrated').verdict).not.toBe('reproduced');
    expect(verdict(f, 'joint-calibration').verdict).toBe('not testable');
    expect(verdict(f, 'joint-calibration').reason).toMatch(/is tested after 'miscalibrated'/);
  });

  it('gets verdicts from the engine: the OOD claim needs every baseline beaten', () => {
    const f = good.findings;
    expect(verdict(f, 'joint-dice').verdict).toBe('reproduced');
    expect(verdict(f, 'joint-calibration').verdict).toBe('reproduced');
    expect(verdict(f, 'joint-vs-transfer').verdict).toBe('reproduced');
    // Spectral beats max softmax, entropy and the ensemble but not MC dropout (≈ equal): the claim needs all four.
    const ood = verdict(f, 'spectral-ood-joint');
    expect(ood.comparisons.map((c) => c.name)).toEqual([
      'spectral − max-softmax',
      'spectral − entropy',
      'spectral − mc-dropout',
      'spectral − ensemble',
    ]);
    expect(ood.comparisons.map((c) => c.verdict)).toEqual(['reproduced', 'reproduced', 'not reproduced', 'reproduced']);
    expect(ood.verdict).toBe('not reproduced');
    // Dedicated models: per seed the mean over the two presets' (spectral − baseline), every baseline beaten.
    const gaps = [0, 1, 2].map((k) => (0.9 + 0.01 * k - 0.6 + (0.7 - (0.5 + 0.02 * k))) / 2);
    const ded = verdict(f, 'spectral-ood-dedicated');
    for (const c of good.claims.find((x) => x.id === 'spectral-ood-dedicated')!.comparisons)
      expect(c.values).toEqual(gaps.map((v) => expect.closeTo(v, 12)));
    expect(ded.verdict).toBe('reproduced');
  });

  it('summarizes OOD per model kind and calibration per regime', () => {
    const s = good.results;
    expect(s.oodSets).toEqual(['shift', 'noise']);
    // The joint model's numbers read only the joint runs.
    expect(s.oodJoint.shift.spectral.auroc.values).toEqual([0.95, 0.94, 0.93].map((v) => expect.closeTo(v, 12)));
    expect(s.oodDedicated.shift.spectral.auroc.values).toEqual(
      [0, 1, 2].map((k) => expect.closeTo((0.9 + 0.01 * k + 0.7) / 2, 12)),
    );
    expect(s.oodDedicatedByPreset['seg-vessels'].shift['max-softmax'].fpr95.mean).toBeCloseTo(1 - 0.52, 12);
    const gaps = [0, 1, 2].map((k) => (0.9 + 0.01 * k - 0.6 + (0.7 - (0.5 + 0.02 * k))) / 2);
    expect(s.oodDifferencesDedicated.shift.entropy.mean).toBeCloseTo(gaps[1], 12);
    expect(s.performance.joint['seg-vessels'].eceAfter.mean).toBeCloseTo(0.051 / 2, 12);
    expect(s.reliability.joint.after[1]).toEqual({ lower: 0.5, upper: 1, count: 60, confidence: 0.9, accuracy: 0.9 });
    expect(Object.keys(s.performance)).toEqual(['joint', 'dedicated', 'transfer']);
    expect(Object.keys(s.performance.transfer)).toEqual(['seg-vessels']);
    expect(s.models).toHaveLength(3 * 4);
    // JSON as metrics.json holds it: no typed arrays, nothing lost.
    expect(JSON.parse(JSON.stringify(s))).toEqual(JSON.parse(JSON.stringify(s, (_k, v) => v)));
  });

  it('fails the control, naming the models, and makes every claim not testable', () => {
    const bad = judge(fakeOutcomes([0.8, 0.82, 0.81], [0.02, -0.01, 0.0]));
    const control = bad.controls.find((c) => c.id === 'segments')!;
    expect(control.passed).toBe(false);
    expect(control.detail).toMatch(
      /^the Dice of dedicated on seg-nodule, dedicated on seg-vessels, transfer on seg-vessels is not shown/,
    );
    for (const c of bad.findings.claims) {
      expect(c.verdict).toBe('not testable');
      expect(c.reason).toMatch(/control 'segments', which failed/);
    }
    const html = calibrationOod.report(bad.output);
    expect(html).toContain('FAILED');
    expect(html).toContain('not testable');
  });

  it('writes the report with the Findings first, and the text', () => {
    const html = calibrationOod.report(good.output);
    expect(html.indexOf('id="findings"')).toBeGreaterThan(0);
    expect(html.indexOf('id="findings"')).toBeLessThan(html.indexOf('Segmentation: Dice and HD95'));
    for (const c of good.findings.claims) expect(html).toContain(`data-claim="${c.id}"`);
    for (const t of ['control', 'segmentation', 'calibration', 'ood', 'ood-dedicated', 'models'])
      expect(html).toContain(`data-table="${t}"`);
    const text = calibrationOod.text(good.output, '/tmp/x');
    expect(text).toMatch(/^study calibration-ood: 12 models, 2 OOD sets/);
    expect(text).toContain('reproduced');
    expect(text).toContain('joint seg-nodule');
  });

  it('writes predictions.csv and ood_scores.csv from the unit results', () => {
    const outcomes = fakeOutcomes([0.8, 0.82, 0.81], [0.7, 0.71, 0.69]);
    const files = calibrationOod.files!(good.output, outcomes) as Record<string, string>;
    const pred = files['predictions.csv'].trim().split('\n');
    // Per seed: joint on 2 datasets, 2 dedicated, 1 transfer = 5 model-datasets x 2 volumes.
    expect(pred).toHaveLength(1 + 3 * 5 * 2);
    expect(pred[1]).toBe('joint,joint,0,seg-nodule,0,0.8,3,10,12');
    expect(pred[2]).toBe('joint,joint,0,seg-nodule,1,0.8,inf,0,3');
    const scores = files['ood_scores.csv'].trim().split('\n');
    // 3 OOD models x 3 seeds x 3 sets (in distribution, shift, empty) x 5 methods x 2 volumes.
    expect(scores).toHaveLength(1 + 3 * 3 * 3 * 5 * 2);
    expect(scores[1]).toBe(`joint,0,in-distribution,spectral,0,0,0.1`);
    expect(new Set(scores.slice(1).map((r) => r.split(',')[0]))).toEqual(
      new Set(['joint', ...P.map((p) => `dedicated:${p}`)]),
    );
  });
});

describe('poolBins and nearestNeighbourAccuracy', () => {
  it('pools bins by count-weighted means', () => {
    const a = [{ lower: 0, upper: 1, count: 1, confidence: 0.6, accuracy: 1 }];
    const b = [{ lower: 0, upper: 1, count: 3, confidence: 1, accuracy: 0 }];
    expect(poolBins([a, b])).toEqual([{ lower: 0, upper: 1, count: 4, confidence: 0.9, accuracy: 0.25 }]);
    expect(poolBins([[], []])).toEqual([]);
  });

  it('counts a point right when its nearest other point shares its group', () => {
    // Two clusters and one point of group 0 nearest to cluster 1: only that point is wrong.
    const pts = [
      [0, 0],
      [0, 0.1],
      [5, 5],
      [5, 5.3],
      [5.6, 5],
      [6, 6],
    ];
    expect(nearestNeighbourAccuracy(pts, [0, 0, 1, 1, 1, 0])).toBeCloseTo(5 / 6, 12);
  });
});

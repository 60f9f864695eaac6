// The calibration-ood study's grid: per seed the joint, dedicated and transfer models (transfer needs its seed's
// source model), then OOD units that need their model of every seed (the ensemble); safe, unique ids, every unit
// after what it needs.
import { checkPlan } from '../../../src/framework';
import { OodUnit, calibrationOod, planCalibrationOod } from '../../../src/studies/calibration_ood';
import { fakeSpec } from './fakes';

describe('calibration-ood plan', () => {
  const plan = planCalibrationOod(fakeSpec);

  it('is a valid plan: per seed 1 joint + 2 dedicated + 1 transfer, then 3 OOD models per seed', () => {
    expect(() => checkPlan('calibration-ood', plan)).not.toThrow();
    expect(plan.filter((u) => u.kind === 'train')).toHaveLength(3 * 4);
    expect(plan.filter((u) => u.kind === 'ood')).toHaveLength(3 * 3);
    expect(plan.slice(0, 4).map((u) => u.id)).toEqual([
      'joint-s0',
      'dedicated-seg-nodule-s0',
      'dedicated-seg-vessels-s0',
      'transfer-seg-nodule-to-seg-vessels-s0',
    ]);
  });

  it('makes transfer need its seed source model, and OOD need its model of every seed', () => {
    const byId = new Map(plan.map((u) => [u.id, u]));
    expect(byId.get('transfer-seg-nodule-to-seg-vessels-s2')!.needs).toEqual(['dedicated-seg-nodule-s2']);
    expect(byId.get('joint-s1')!.needs).toBeUndefined();
    const ood = byId.get('ood-dedicated-seg-vessels-s1') as OodUnit;
    expect(ood).toMatchObject({
      model: 'dedicated:seg-vessels',
      seed: 1,
      presets: ['seg-vessels'],
      needs: ['dedicated-seg-vessels-s0', 'dedicated-seg-vessels-s1', 'dedicated-seg-vessels-s2'],
      scored: 'dedicated-seg-vessels-s1',
      showcase: false,
    });
    const showcased = plan.filter((u) => u.kind === 'ood' && u.showcase).map((u) => u.id);
    expect(showcased).toEqual(['ood-joint-s0']);
  });

  it('is JSON: a unit survives a queue payload', () => {
    expect(JSON.parse(JSON.stringify(plan))).toEqual(plan);
  });
});

describe('calibration-ood unit keys', () => {
  const key = (patch: Partial<typeof fakeSpec>, id: string) => {
    const spec = { ...fakeSpec, ...patch };
    return JSON.stringify(
      calibrationOod.unitKey!(
        spec,
        planCalibrationOod(spec).find((u) => u.id === id)!,
      ),
    );
  };

  it('keeps a trained model across OOD settings and seed counts, not across what trains it', () => {
    const base = key({}, 'joint-s0');
    expect(key({ layers: ['encoders.1'], ks: [3], distortions: [], seeds: [0], description: 'x' }, 'joint-s0')).toBe(
      base,
    );
    expect(key({ trainN: 32 }, 'joint-s0')).not.toBe(base);
    expect(key({ threads: 1 }, 'joint-s0')).not.toBe(base);
    const ood = key({}, 'ood-joint-s0');
    expect(key({ ks: [3] }, 'ood-joint-s0')).not.toBe(ood);
    expect(key({ seeds: [0, 1] }, 'ood-joint-s0')).not.toBe(ood);
  });
});

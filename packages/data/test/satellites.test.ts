// Satellite micronodules: none by default (volumes unchanged), the requested count and size, each outside the
// main nodule with its own mask, the image changed only around them, and removable by a counterfactual.
import { DatasetSpec, NoduleGenerator, SATELLITE_EDGE_MM, Sample } from '../src';

const spec = (factors: DatasetSpec['factors'] = {}): DatasetSpec => ({
  name: 'satellites',
  volume: { shape: [32, 32, 32], spacing: [1, 1, 1] },
  factors: { diameter: { const: 8 }, offsetX: { const: 0 }, offsetY: { const: 0 }, offsetZ: { const: 0 }, ...factors },
});

const sample = (factors: DatasetSpec['factors'], i = 0): Sample =>
  new NoduleGenerator(spec(factors), 5).sample('train', i, { hu: true });

describe('satellite micronodules', () => {
  it('are absent by default, and their size distribution alone changes nothing', () => {
    const a = sample({});
    const b = sample({ satelliteDiameter: { const: 5 } });
    expect(a.factors.satelliteCount).toBe(0);
    expect(a.satellites).toEqual([]);
    expect(a.satelliteMask).toBeNull();
    expect(Buffer.from(b.volume.buffer).equals(Buffer.from(a.volume.buffer))).toBe(true);
  });

  it('are drawn as requested: count, diameter, outside the main nodule, each in the satellite mask', () => {
    const none = sample({ satelliteCount: { const: 0 }, satelliteDiameter: { const: 3 } }, 2);
    const s = sample({ satelliteCount: { const: 4 }, satelliteDiameter: { const: 3 } }, 2);
    expect(s.satellites).toHaveLength(4);
    const [, H, W] = s.shape;
    const main = s.centre!;
    for (const sat of s.satellites) {
      expect(sat.diameter).toBe(3);
      // beyond the main nodule's radius (4 mm) plus a 1 mm gap plus its own radius
      expect(Math.hypot(...sat.centre.map((c, k) => c - main[k]))).toBeGreaterThanOrEqual(4 + 1 + 1.5 - 1e-9);
      const [z, y, x] = sat.centre.map(Math.round);
      expect(s.satelliteMask![(z * H + y) * W + x]).toBe(1);
      expect(s.mask[(z * H + y) * W + x]).toBe(0);
      // denser than the parenchyma at its centre
      expect(s.volume[(z * H + y) * W + x]).toBeGreaterThan(none.volume[(z * H + y) * W + x] + 300);
    }
    // The main nodule's mask and every voxel away from the satellites are unchanged.
    expect(Buffer.from(s.mask.buffer).equals(Buffer.from(none.mask.buffer))).toBe(true);
    let changed = 0;
    for (let i = 0; i < s.volume.length; i++) {
      if (s.volume[i] === none.volume[i]) continue;
      changed++;
      const p = [Math.floor(i / (H * W)), Math.floor(i / W) % H, i % W];
      const near = s.satellites.some((t) => Math.hypot(...t.centre.map((c, k) => c - p[k])) <= 1.5 + SATELLITE_EDGE_MM);
      expect(near).toBe(true);
    }
    expect(changed).toBeGreaterThan(4 * 8);
  });

  it('are removed by a counterfactual that sets their count to 0', () => {
    const gen = new NoduleGenerator(spec({ satelliteCount: { const: 3 } }), 1);
    const cf = gen.counterfactual('train', 4, { satelliteCount: 0 }, { hu: true });
    const plain = new NoduleGenerator(spec({ satelliteCount: { const: 0 } }), 1).sample('train', 4, { hu: true });
    expect(cf.satellites).toEqual([]);
    expect(Buffer.from(cf.volume.buffer).equals(Buffer.from(plain.volume.buffer))).toBe(true);
  });

  it('reject an out-of-range count in a spec', () => {
    expect(() => new NoduleGenerator(spec({ satelliteCount: { const: 40 } }), 0)).toThrow(/satelliteCount/);
  });
});

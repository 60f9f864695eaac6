// Label maps: each structure's id lands where that structure was drawn (checked against the HU the
// generator rendered), structures that were not drawn have no voxels, the nodule ids make up the mask,
// segmentation targets and presets, and label maps in dataset folders (NIfTI, npz) and previews.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  DatasetFolder,
  DatasetSpec,
  FactorRecord,
  LABEL_COLOURS,
  LABEL_IDS,
  NoduleGenerator,
  SEGMENTATION_PRESETS,
  Sample,
  SyntheticDataset,
  preset,
  renderPreview,
  structureMask,
  validateSpec,
  writeDataset,
} from '../src';

/** No noise or blur, so rendered HU can be compared with what the label map says was drawn. */
const SHARP: DatasetSpec = {
  name: 'sharp',
  factors: {
    noiseStd: { const: 0 },
    texture: { const: 0 },
    parenchymaTexture: { const: 0 },
    sliceThickness: { const: 0 },
    diameter: { const: 14 },
  },
};
const gen = new NoduleGenerator(SHARP, 3);

/** Voxels with label `id`, and the mean HU over them. */
function stats(s: Sample, id: number): { count: number; meanHU: number } {
  let count = 0;
  let sum = 0;
  for (let i = 0; i < s.labels.length; i++) {
    if (s.labels[i] === id) {
      count++;
      sum += s.volume[i];
    }
  }
  return { count, meanHU: count ? sum / count : NaN };
}

const draw = (f: Partial<FactorRecord>) => gen.counterfactual('train', 0, f, { hu: true });

describe('label maps', () => {
  it.each([
    ['no vessels, no wall', { vesselCount: 0, pleuralWall: false }, { vessel: 0, 'pleural-wall': 0 }],
    ['vessels, no wall', { vesselCount: 5, pleuralWall: false }, { vessel: 1, 'pleural-wall': 0 }],
    ['a wall, no vessels', { vesselCount: 0, pleuralWall: true }, { vessel: 0, 'pleural-wall': 1 }],
    ['no calcium', { calcification: 'none' as const }, { calcium: 0 }],
    ['central calcium', { calcification: 'central' as const }, { calcium: 1 }],
    ['popcorn calcium', { calcification: 'popcorn' as const }, { calcium: 1 }],
    ['no cavity', { cavitation: 0 }, { cavity: 0 }],
    ['a cavity', { cavitation: 0.5 }, { cavity: 1 }],
    ['no nodule', { hasNodule: false }, { nodule: 0, calcium: 0, cavity: 0 }],
  ])('%s: structures present exactly when drawn', (_name, factors, present) => {
    const s = draw(factors);
    for (const [structure, expected] of Object.entries(present)) {
      const { count } = stats(s, LABEL_IDS[structure as keyof typeof LABEL_IDS]);
      if (expected) expect(count).toBeGreaterThan(0);
      else expect(count).toBe(0);
    }
  });

  it('each id covers voxels of its structure: blood and wall at soft tissue, calcium dense, a cavity air', () => {
    const anatomy = draw({ vesselCount: 5, pleuralWall: true, hasNodule: false });
    const parenchyma = stats(anatomy, LABEL_IDS.background).meanHU;
    expect(parenchyma).toBeLessThan(-700);
    expect(stats(anatomy, LABEL_IDS.vessel).meanHU).toBeGreaterThan(-100);
    expect(stats(anatomy, LABEL_IDS['pleural-wall']).meanHU).toBeGreaterThan(-100);
    const calcified = draw({ calcification: 'central', cavitation: 0 });
    expect(stats(calcified, LABEL_IDS.calcium).meanHU).toBeGreaterThan(400);
    expect(stats(calcified, LABEL_IDS.nodule).meanHU).toBeLessThan(200);
    const cavitated = draw({ calcification: 'none', cavitation: 0.5 });
    expect(stats(cavitated, LABEL_IDS.cavity).meanHU).toBeLessThan(-900);
  });

  it('nodule, calcium and cavity ids make up the mask exactly; labels are deterministic', () => {
    for (const f of [{ calcification: 'laminated' as const }, { cavitation: 0.4 }, { spiculationCount: 6 }]) {
      const s = draw(f);
      const nodule = structureMask(s.labels, ['nodule', 'calcium', 'cavity']);
      expect(Buffer.from(nodule).equals(Buffer.from(s.mask))).toBe(true);
    }
    // The same sample twice: labels are deterministic and the default target is the mask itself.
    const a = gen.sample('train', 5);
    const b = gen.sample('train', 5);
    expect(Buffer.from(a.labels).equals(Buffer.from(b.labels))).toBe(true);
    expect(a.target).toBe(a.mask);
  });

  it('structureMask rejects an unknown structure, naming it', () => {
    expect(() => structureMask(new Uint8Array(4), ['bone'])).toThrow(/unknown structure "bone"/);
  });
});

describe('segmentation targets and presets', () => {
  it('a spec target is the union of its structures, and is the dataset item mask', () => {
    const spec: DatasetSpec = { ...SHARP, name: 'two', segmentation: ['vessel', 'pleural-wall'] };
    const ds = new SyntheticDataset(spec, 3, 'train', 4);
    for (let i = 0; i < 4; i++) {
      const s = ds.generator.sample('train', i);
      const expected = s.labels.map((l) => (l === LABEL_IDS.vessel || l === LABEL_IDS['pleural-wall'] ? 1 : 0));
      expect(Buffer.from(s.target).equals(Buffer.from(expected))).toBe(true);
      expect(Buffer.from(ds.get(i, { mask: true }).mask!).equals(Buffer.from(expected))).toBe(true);
    }
  });

  it.each([
    [[], /spec\.segmentation: must name at least one structure/],
    [['bone'], /spec\.segmentation\[0\]: must be one of nodule, vessel/],
    [['vessel', 'vessel'], /spec\.segmentation\[1\]: "vessel" is named twice/],
    [['background'], /spec\.segmentation\[0\]: must be one of/],
  ])('segmentation %j is rejected with its path', (segmentation, message) => {
    expect(() => validateSpec({ name: 'x', segmentation })).toThrow(message);
  });

  it('at least four segmentation presets, each with its own acquisition and target, all present in the data', () => {
    expect(SEGMENTATION_PRESETS.length).toBeGreaterThanOrEqual(4);
    const acquisitions = new Set<string>();
    const targets = new Set<string>();
    for (const name of SEGMENTATION_PRESETS) {
      const spec = preset(name);
      const f = spec.factors ?? {};
      acquisitions.add(JSON.stringify([spec.volume?.spacing, f.noiseStd, f.sliceThickness, f.contrast]));
      targets.add(JSON.stringify(spec.segmentation));
      // The target is found in most volumes (a model has something to segment).
      const ds = new SyntheticDataset(spec, 0, 'train', 8);
      let withTarget = 0;
      for (let i = 0; i < 8; i++) if (ds.get(i, { mask: true }).mask!.some((v) => v > 0)) withTarget++;
      expect(withTarget).toBeGreaterThanOrEqual(6);
    }
    expect(acquisitions.size).toBe(SEGMENTATION_PRESETS.length);
    expect(targets.size).toBe(SEGMENTATION_PRESETS.length);
  });
});

describe('label maps in dataset folders and previews', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodulab-labels-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it.each(['nifti', 'npz'] as const)('%s folders store the label map and the target as the mask', async (format) => {
    const spec: DatasetSpec = { ...preset('seg-vessels'), volume: { shape: [8, 16, 16], spacing: [2, 1, 1] } };
    const out = path.join(dir, format);
    await writeDataset(out, { spec, seed: 1, split: 'train', n: 3, format, workers: 0, preview: 2 });
    const folder = new DatasetFolder(out);
    const g = new NoduleGenerator(spec, 1);
    for (let i = 0; i < 3; i++) {
      const s = g.sample('train', i);
      expect(Buffer.from(folder.labelMap(i)!).equals(Buffer.from(s.labels))).toBe(true);
      expect(Buffer.from(folder.mask(i)).equals(Buffer.from(s.target))).toBe(true);
    }
    expect(fs.existsSync(path.join(out, 'preview.png'))).toBe(true);
  });

  it('the preview blends each label colour over the gray value', () => {
    const shape = [4, 8, 8] as const;
    const n = 4 * 8 * 8;
    const volume = new Float32Array(n).fill(0.5);
    const plain = renderPreview([{ shape, spacing: [1, 1, 1], volume }], { panelSize: 8 });
    for (const id of [LABEL_IDS.vessel, LABEL_IDS.calcium]) {
      const labels = new Uint8Array(n).fill(id);
      const img = renderPreview([{ shape, spacing: [1, 1, 1], volume, labels }], { panelSize: 8 });
      const o = (4 * img.width + 4 + 2) * 3; // a pixel inside the first panel
      const gray = plain.pixels[o];
      const colour = LABEL_COLOURS[id];
      for (let k = 0; k < 3; k++) {
        expect(Math.sign(img.pixels[o + k] - gray)).toBe(Math.sign(colour[k] - gray));
      }
    }
  });
});

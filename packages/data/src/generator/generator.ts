// The synthetic lung-nodule generator: sample i of a split is a pure function of (spec, seed, split, i)
// — volume: (D, H, W) windowed to [0, 1] (or HU), mask, label map, segmentation target, bbox, centre, label
// and factor record — plus the
// counterfactual API (the same sample with one factor overridden) and batching into (N, 1, D, H, W).
import { Window, addNoise, applyContrast, applySliceThickness, applyWindow } from './acquisition';
import { renderParenchyma, renderPleuralWall, renderVessels } from './anatomy';
import { FactorName, FactorRecord, checkFactorValue, isFactorName } from '../spec/factors';
import { NoduleGrade, noduleGrade } from '../spec/grade';
import { drawNodule, renderNodule } from './nodule';
import { Satellite, renderSatellites } from './satellites';
import { evaluateRule } from '../spec/rule';
import { SampledFactors, sampleFactors } from './sampler';
import { sampleSeed, stream } from './seed';
import { DatasetSpec, ResolvedSpec, resolveSpec, validateSpec } from '../spec/spec';
import { structureMask } from '../spec/structures';

/** An inclusive voxel bounding box: min and max (z, y, x) indices. */
export interface BBox {
  min: [number, number, number];
  max: [number, number, number];
}

/** One generated sample. */
export interface Sample {
  split: string;
  index: number;
  /** The sample's derived 32-bit seed (a hash of dataset seed, split and index). */
  seed: number;
  /** (D, H, W) voxels and (z, y, x) spacing in mm. */
  shape: [number, number, number];
  spacing: [number, number, number];
  /** volume: (D, H, W), x fastest. Windowed to [0, 1] unless generated with `{ hu: true }`. */
  volume: Float32Array;
  /** 'window' ([0, 1] through `window`) or 'HU'. */
  units: 'window' | 'HU';
  window: Window;
  /** mask: (D, H, W), 1 inside the nodule (body and spicules), before any acquisition blur. */
  mask: Uint8Array;
  /**
   * labels: (D, H, W), the id (`LABEL_IDS`) of the structure drawn at each voxel, before any acquisition
   * blur: 0 background, then nodule, vessel, pleural wall, calcium, cavity.
   */
  labels: Uint8Array;
  /**
   * target: (D, H, W), 1 on the spec's target structures (`spec.segmentation`); the nodule mask itself (the same
   * array) when the spec names none.
   */
  target: Uint8Array;
  /** Bounding box of the mask, null without a nodule. */
  bbox: BBox | null;
  /**
   * Bounds of every voxel the nodule's intensity reaches before acquisition blur (soft margin and
   * sub-voxel spicule tips included; a superset of bbox), null without a nodule.
   */
  footprint: BBox | null;
  /** Nodule centre in voxel coordinates (z, y, x), null without a nodule. */
  centre: [number, number, number] | null;
  /**
   * The satellite micronodules (factor satelliteCount), each with its centre in voxel coordinates (z, y, x) and
   * its diameter; empty when there are none.
   */
  satellites: Satellite[];
  /** satelliteMask: (D, H, W), 1 inside the satellites (not in `mask`), null when there are none. */
  satelliteMask: Uint8Array | null;
  /** The spec's label rule applied to the factors. */
  label: 0 | 1;
  /** The ordinal nodule grade 1–5 of the factors ({@link noduleGrade}). */
  grade: NoduleGrade;
  /** The class the factors were drawn for. */
  targetClass: 0 | 1;
  factors: FactorRecord;
  /** Per shortcut factor: whether it was drawn on the side agreeing with the label. */
  shortcutAgrees: Record<string, boolean>;
}

/** Options for generating a sample. */
export interface GenerateOptions {
  /** Return the volume in HU instead of windowed to [0, 1]. Default false. */
  hu?: boolean;
}

let scratch = new Float32Array(0);

/**
 * Renders the sample with seed `seed` and factors `sampled` under `spec`. Each part draws from its own
 * stream of the sample seed (parenchyma, pleura, vessels, shape, texture, satellites, noise), so a changed
 * factor changes only its own effect.
 */
export function renderSample(
  spec: ResolvedSpec,
  split: string,
  index: number,
  seed: number,
  sampled: SampledFactors,
  options: GenerateOptions = {},
): Sample {
  const shape = [...spec.shape] as [number, number, number];
  const spacing = [...spec.spacing] as [number, number, number];
  const n = shape[0] * shape[1] * shape[2];
  if (scratch.length !== n) scratch = new Float32Array(n);
  const f = sampled.factors;
  const hu = new Float32Array(n);
  const mask = new Uint8Array(n);
  const labels = new Uint8Array(n);
  renderParenchyma(hu, shape, spacing, f.parenchymaHU, f.parenchymaTexture, stream(seed, 'parenchyma'));
  if (f.pleuralWall) renderPleuralWall(hu, shape, spacing, stream(seed, 'pleura'), labels);
  if (f.vesselCount > 0) renderVessels(hu, shape, spacing, f.vesselCount, stream(seed, 'vessels'), labels);
  let centre: [number, number, number] | null = null;
  let bbox: BBox | null = null;
  let footprint: BBox | null = null;
  if (f.hasNodule) {
    const raster = renderNodule(
      hu,
      mask,
      shape,
      spacing,
      f,
      drawNodule(stream(seed, 'shape')),
      stream(seed, 'texture'),
      labels,
    );
    centre = raster.centre;
    bbox = raster.bbox;
    footprint = raster.footprint;
  }
  let satellites: Satellite[] = [];
  let satelliteMask: Uint8Array | null = null;
  if (f.satelliteCount > 0) {
    satelliteMask = new Uint8Array(n);
    satellites = renderSatellites(hu, satelliteMask, shape, spacing, f, stream(seed, 'satellites'));
  }
  applySliceThickness(hu, scratch, shape, spacing[0], f.sliceThickness);
  applyContrast(hu, f.parenchymaHU, f.contrast);
  addNoise(hu, shape, spacing, f.noiseStd, f.noiseCorrelation, stream(seed, 'noise'));
  if (!options.hu) applyWindow(hu, spec.window);
  return {
    split,
    index,
    seed,
    shape,
    spacing,
    volume: hu,
    units: options.hu ? 'HU' : 'window',
    window: { ...spec.window },
    mask,
    labels,
    target: spec.segmentation === null ? mask : structureMask(labels, spec.segmentation),
    bbox,
    footprint,
    centre,
    satellites,
    satelliteMask,
    label: sampled.label,
    grade: noduleGrade(f),
    targetClass: sampled.targetClass,
    factors: { ...f },
    shortcutAgrees: { ...sampled.shortcutAgrees },
  };
}

/**
 * A seeded synthetic dataset over a spec. `sample(split, i)` is the same whatever order, batch or
 * process asks for it.
 *
 * @example
 * const gen = new NoduleGenerator(preset('shortcut-size'), 0);
 * const s = gen.sample('train', 17);                  // s.volume: (32, 32, 32) in [0, 1]
 * const cf = gen.counterfactual('train', 17, { spiculationCount: 0 });
 */
export class NoduleGenerator {
  readonly spec: DatasetSpec;
  private readonly resolved = new Map<string, ResolvedSpec>();

  /** @param spec a dataset spec (validated here) @param seed the dataset seed (a safe integer) */
  constructor(
    spec: DatasetSpec,
    readonly seed: number,
  ) {
    this.spec = validateSpec(spec, `"${(spec as { name?: unknown })?.name ?? 'spec'}"`);
    if (!Number.isSafeInteger(seed)) throw new Error(`NoduleGenerator: seed must be a safe integer, got ${seed}`);
  }

  /** The spec of `split` with defaults and the split's override applied. */
  resolve(split: string): ResolvedSpec {
    let r = this.resolved.get(split);
    if (r === undefined) {
      r = resolveSpec(this.spec, split);
      this.resolved.set(split, r);
    }
    return r;
  }

  /** The factors, label and shortcut sides of sample `index` of `split`, without rendering it. */
  factors(split: string, index: number): SampledFactors {
    return sampleFactors(this.resolve(split), sampleSeed(this.seed, split, index));
  }

  /** Generates sample `index` of `split`. */
  sample(split: string, index: number, options: GenerateOptions = {}): Sample {
    const seed = sampleSeed(this.seed, split, index);
    const spec = this.resolve(split);
    return renderSample(spec, split, index, seed, sampleFactors(spec, seed), options);
  }

  /** Generates the samples at `indices` of `split` (each independent of the others). */
  batch(split: string, indices: readonly number[], options: GenerateOptions = {}): Sample[] {
    return indices.map((i) => this.sample(split, i, options));
  }

  /**
   * Sample `index` of `split` with the factors in `overrides` replaced and everything else — every
   * other factor, every random draw — identical. The label is the rule applied to the new factors;
   * shortcut sides are kept as drawn. Throws on unknown factors or invalid values.
   */
  counterfactual(
    split: string,
    index: number,
    overrides: Partial<FactorRecord>,
    options: GenerateOptions = {},
  ): Sample {
    const seed = sampleSeed(this.seed, split, index);
    const spec = this.resolve(split);
    const sampled = sampleFactors(spec, seed);
    const factors: Record<string, unknown> = { ...sampled.factors };
    for (const [k, v] of Object.entries(overrides)) {
      if (!isFactorName(k)) throw new Error(`counterfactual: unknown factor "${k}"`);
      const msg = checkFactorValue(k as FactorName, v);
      if (msg !== null) throw new Error(`counterfactual: factor "${k}" ${msg}`);
      factors[k] = v;
    }
    const record = factors as unknown as FactorRecord;
    const label: 0 | 1 = evaluateRule(spec.labelRule, record) ? 1 : 0;
    return renderSample(spec, split, index, seed, { ...sampled, factors: record, label }, options);
  }
}

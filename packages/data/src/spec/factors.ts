// The factors of variation of one synthetic CT sample (nodule, anatomy, acquisition): each one's unit,
// valid range and value schema. Each sample records all of them.
import { z } from 'zod';
import { boolean, oneOf, show } from '../schema';

/** Density type of a nodule (Fleischner terminology). */
export type DensityType = 'solid' | 'part-solid' | 'ground-glass';
/** Calcification pattern inside a nodule. `none` and `laminated`/`central`/`popcorn` as radiologists name them. */
export type Calcification = 'none' | 'central' | 'laminated' | 'popcorn';

/**
 * Every factor of one sample. Lengths are in millimetres, intensities in Hounsfield units (HU),
 * angles in degrees. Offsets are (z, y, x) from the volume centre.
 */
export interface FactorRecord {
  // ---- nodule ----------------------------------------------------------------------------------
  /** Whether the volume holds a nodule at all (false: parenchyma only, for detection / OOD sets). */
  hasNodule: boolean;
  /** Volume-equivalent diameter of the smooth base shape, mm. */
  diameter: number;
  /** Long-axis / short-axis ratio of the base ellipsoid (volume kept), 1 = sphere. */
  elongation: number;
  /**
   * Lobulation: the largest relative deviation of the radius from the smooth base shape, made by a
   * low-order spherical-harmonic-like modulation (zonal harmonics of degree 2–5): 0 = smooth, 0.3 = ±30%.
   */
  lobulation: number;
  /** Number of spicules (thin tapering spikes leaving the surface). */
  spiculationCount: number;
  /** Mean spicule length beyond the surface, mm. */
  spiculationLength: number;
  /** Spicule width at its base, mm (it narrows to 40% at the tip). */
  spiculationWidth: number;
  /** Solid, part-solid (solid core in a ground-glass halo) or pure ground-glass. */
  densityType: DensityType;
  /** Mean attenuation of the nodule's densest component, HU (solid part, or the ground glass itself). */
  attenuation: number;
  /** Part-solid only: diameter of the solid core as a fraction of the nodule's (0..1). */
  solidFraction: number;
  /** Internal heterogeneity: standard deviation of smooth internal intensity variation, HU. */
  texture: number;
  /** Margin sharpness 0..1; the edge ramp is `0.2 + 2.8 * (1 - marginSharpness)` mm wide. */
  marginSharpness: number;
  /** Calcification pattern (calcium at +600 HU). */
  calcification: Calcification;
  /** Radius of an air cavity as a fraction of the nodule's radius (0 = no cavity). */
  cavitation: number;
  /** Satellite micronodules: small solid spheres around the main nodule (0 = none). */
  satelliteCount: number;
  /** Diameter of each satellite micronodule, mm. */
  satelliteDiameter: number;
  /** Nodule centre offset from the volume centre along z (slices), mm. */
  offsetZ: number;
  /** Nodule centre offset along y (rows), mm. */
  offsetY: number;
  /** Nodule centre offset along x (columns), mm. */
  offsetX: number;
  /** Orientation of the nodule's frame: rotation about z, degrees. */
  orientationYaw: number;
  /** Rotation about y, degrees. */
  orientationPitch: number;
  /** Rotation about the nodule's long axis, degrees. */
  orientationRoll: number;
  // ---- anatomy ---------------------------------------------------------------------------------
  /** Mean attenuation of the lung parenchyma, HU (healthy lung is about -850). */
  parenchymaHU: number;
  /** Standard deviation of the parenchyma's smooth (anatomical) intensity variation, HU. */
  parenchymaTexture: number;
  /** Number of vessels (tubes of blood at +40 HU) crossing the field of view. */
  vesselCount: number;
  /** Whether a pleural / chest wall (soft tissue at +40 HU) bounds one side of the field of view. */
  pleuralWall: boolean;
  // ---- acquisition -----------------------------------------------------------------------------
  /** Standard deviation of the image noise, HU. */
  noiseStd: number;
  /** Noise texture: in-plane Gaussian correlation length (sigma) of the noise, mm (0 = white). */
  noiseCorrelation: number;
  /** Reconstructed slice thickness (FWHM of the through-plane blur), mm; at or below the z spacing: no blur. */
  sliceThickness: number;
  /** Contrast gain about the parenchyma level: HU' = parenchymaHU + contrast * (HU - parenchymaHU). */
  contrast: number;
}

/** The name of one factor. */
export type FactorName = keyof FactorRecord;
/** A factor's value. */
export type FactorValue = number | boolean | string;

/** What kind of values a factor takes. */
export type FactorKind = 'number' | 'integer' | 'boolean' | 'category';

/** Metadata of one factor: kind, unit, valid range or values, group and a one-line description. */
export interface FactorInfo {
  kind: FactorKind;
  group: 'nodule' | 'anatomy' | 'acquisition';
  unit: string;
  /** Inclusive valid range for numeric factors. */
  min?: number;
  max?: number;
  /** Allowed values for category factors. */
  values?: readonly string[];
  description: string;
}

const num = (group: FactorInfo['group'], unit: string, min: number, max: number, description: string): FactorInfo => ({
  kind: 'number',
  group,
  unit,
  min,
  max,
  description,
});
const int = (group: FactorInfo['group'], unit: string, min: number, max: number, description: string): FactorInfo => ({
  kind: 'integer',
  group,
  unit,
  min,
  max,
  description,
});

/** The density types, in a fixed order. */
export const DENSITY_TYPES: readonly DensityType[] = ['solid', 'part-solid', 'ground-glass'];
/** The calcification patterns, in a fixed order. */
export const CALCIFICATIONS: readonly Calcification[] = ['none', 'central', 'laminated', 'popcorn'];

/** Every factor's metadata, keyed by name (the order is the order of the record). */
export const FACTOR_INFO: { readonly [K in FactorName]: FactorInfo } = {
  hasNodule: { kind: 'boolean', group: 'nodule', unit: '', description: 'a nodule is present' },
  diameter: num('nodule', 'mm', 2, 40, 'volume-equivalent diameter of the smooth base shape'),
  elongation: num('nodule', 'ratio', 1, 3, 'long/short axis ratio of the base ellipsoid'),
  lobulation: num('nodule', 'relative', 0, 0.5, 'amplitude of the low-order radial modulation'),
  spiculationCount: int('nodule', 'count', 0, 32, 'number of spicules'),
  spiculationLength: num('nodule', 'mm', 0, 20, 'mean spicule length beyond the surface'),
  spiculationWidth: num('nodule', 'mm', 0.3, 5, 'spicule width at its base'),
  densityType: {
    kind: 'category',
    group: 'nodule',
    unit: '',
    values: DENSITY_TYPES,
    description: 'solid, part-solid or ground-glass',
  },
  attenuation: num('nodule', 'HU', -900, 400, 'mean attenuation of the densest component'),
  solidFraction: num('nodule', 'fraction', 0, 1, 'part-solid core diameter / nodule diameter'),
  texture: num('nodule', 'HU', 0, 300, 'std of internal intensity variation'),
  marginSharpness: num('nodule', '0..1', 0, 1, 'margin sharpness (1 = crisp edge)'),
  calcification: {
    kind: 'category',
    group: 'nodule',
    unit: '',
    values: CALCIFICATIONS,
    description: 'calcification pattern',
  },
  cavitation: num('nodule', 'fraction', 0, 0.8, 'cavity radius / nodule radius'),
  satelliteCount: int('nodule', 'count', 0, 12, 'number of satellite micronodules around the nodule'),
  satelliteDiameter: num('nodule', 'mm', 0.5, 6, 'diameter of each satellite micronodule'),
  offsetZ: num('nodule', 'mm', -64, 64, 'centre offset along z'),
  offsetY: num('nodule', 'mm', -64, 64, 'centre offset along y'),
  offsetX: num('nodule', 'mm', -64, 64, 'centre offset along x'),
  orientationYaw: num('nodule', 'deg', -360, 360, 'rotation about z'),
  orientationPitch: num('nodule', 'deg', -360, 360, 'rotation about y'),
  orientationRoll: num('nodule', 'deg', -360, 360, 'rotation about the long axis'),
  parenchymaHU: num('anatomy', 'HU', -1000, -400, 'mean parenchyma attenuation'),
  parenchymaTexture: num('anatomy', 'HU', 0, 150, 'std of smooth parenchyma variation'),
  vesselCount: int('anatomy', 'count', 0, 12, 'number of vessels'),
  pleuralWall: { kind: 'boolean', group: 'anatomy', unit: '', description: 'a chest wall bounds one side' },
  noiseStd: num('acquisition', 'HU', 0, 300, 'image noise std'),
  noiseCorrelation: num('acquisition', 'mm', 0, 4, 'in-plane noise correlation length (sigma)'),
  sliceThickness: num('acquisition', 'mm', 0, 10, 'slice thickness (FWHM of through-plane blur)'),
  contrast: num('acquisition', 'gain', 0.1, 4, 'contrast gain about the parenchyma level'),
};

/** All factor names in record order. */
export const FACTOR_NAMES: readonly FactorName[] = Object.keys(FACTOR_INFO) as FactorName[];

/** Whether `name` is a factor name. */
export function isFactorName(name: string): name is FactorName {
  return Object.prototype.hasOwnProperty.call(FACTOR_INFO, name);
}

function valueSchema(name: FactorName): z.ZodType<FactorValue> {
  const info = FACTOR_INFO[name];
  if (info.kind === 'boolean') return boolean();
  if (info.kind === 'category')
    return oneOf(info.values as [string, ...string[]], `one of ${info.values!.map((v) => `"${v}"`).join(', ')}`);
  const message = (issue: { code?: string; expected?: string; input?: unknown }): string => {
    if (issue.code === 'invalid_type' && issue.expected === 'int' && typeof issue.input === 'number')
      return `must be an integer, got ${issue.input}`;
    if (issue.code === 'too_small' || issue.code === 'too_big')
      return `must be in [${info.min}, ${info.max}] ${info.unit}, got ${show(issue.input)}`;
    return `must be a finite number, got ${show(issue.input)}`;
  };
  const n = z.number({ error: message });
  return (info.kind === 'integer' ? n.int() : n).gte(info.min!).lte(info.max!);
}

const VALUE_SCHEMAS = Object.fromEntries(FACTOR_NAMES.map((n) => [n, valueSchema(n)])) as Record<
  FactorName,
  z.ZodType<FactorValue>
>;

/**
 * The schema of one value of factor `name`: numbers finite and in range, integers whole, categories
 * one of the allowed values, booleans true or false.
 */
export function factorValueSchema(name: FactorName): z.ZodType<FactorValue> {
  return VALUE_SCHEMAS[name];
}

/** Checks `value` against factor `name`'s schema; returns the error message or null. */
export function checkFactorValue(name: FactorName, value: unknown): string | null {
  const r = VALUE_SCHEMAS[name].safeParse(value);
  return r.success ? null : r.error.issues[0].message;
}

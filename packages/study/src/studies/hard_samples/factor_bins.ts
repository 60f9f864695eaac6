// The subgroups of the hard-samples study: each sample's bin of diameter, density type, attenuation, margin,
// chest wall and distance to the volume's edge, vessel count and noise, from the generator's factor record.
import type { FactorRecord } from '@nodulab/data';

/** A factor binned into named subgroups. */
export interface FactorBinning {
  factor: string;
  bin(f: FactorRecord, volume: { shape: [number, number, number]; spacing: [number, number, number] }): string;
}

const cut = (v: number, edges: number[], unit: string): string => {
  const k = edges.findIndex((e) => v < e);
  if (k === 0) return `< ${edges[0]} ${unit}`.trim();
  if (k < 0) return `>= ${edges[edges.length - 1]} ${unit}`.trim();
  return `${edges[k - 1]}-${edges[k]} ${unit}`.trim();
};

/**
 * The binnings, in report order. "margin" is smooth / lobulated (lobulation >= 0.1) / spiculated (any spicule);
 * "edge distance" is the gap in mm between the nodule and the nearest face of the volume (the generator records
 * whether a chest wall bounds one side, "wall", but not which side).
 */
export const FACTOR_BINNINGS: readonly FactorBinning[] = [
  { factor: 'diameter', bin: (f) => cut(f.diameter, [7, 10, 13], 'mm') },
  { factor: 'density type', bin: (f) => f.densityType },
  { factor: 'attenuation', bin: (f) => cut(f.attenuation, [15, 30, 45], 'HU') },
  {
    factor: 'margin',
    bin: (f) => (f.spiculationCount > 0 ? 'spiculated' : f.lobulation >= 0.1 ? 'lobulated' : 'smooth'),
  },
  { factor: 'wall', bin: (f) => (f.pleuralWall ? 'wall' : 'no wall') },
  {
    factor: 'edge distance',
    bin: (f, v) => {
      const offsets = [f.offsetZ, f.offsetY, f.offsetX];
      const gap = Math.min(...offsets.map((o, k) => (v.shape[k] * v.spacing[k]) / 2 - Math.abs(o))) - f.diameter / 2;
      return cut(gap, [4, 8, 12], 'mm');
    },
  },
  { factor: 'vessels', bin: (f) => cut(f.vesselCount, [2, 4], '') },
  { factor: 'noise', bin: (f) => cut(f.noiseStd, [15, 20], 'HU') },
];

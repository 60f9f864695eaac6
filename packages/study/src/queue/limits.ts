// How big a job a worker takes, from its own configuration: the payload's bytes, the grid's units, the
// samples of any one set and the voxels of one volume. A job over a limit fails at once, naming it.
import { PayloadError } from './payload';

/** A worker's limits on what one job may ask for. */
export interface WorkerLimits {
  /** Bytes of a job's payload as JSON. */
  maxPayloadBytes: number;
  /** Units in the plan of a job's spec. */
  maxUnits: number;
  /** Any sample count in the spec (a key `n` or ending in `N`: n, valN, testN, trainN, ...). */
  maxSamples: number;
  /** Voxels of one volume (the product of any `shape` of three integers in the spec). */
  maxVoxels: number;
}

/** The limits a worker has unless configured otherwise: far above every built-in spec, far below a full disk. */
export const DEFAULT_LIMITS: WorkerLimits = {
  maxPayloadBytes: 1 << 20,
  maxUnits: 10_000,
  maxSamples: 100_000,
  maxVoxels: 256 * 256 * 256,
};

const SAMPLE_KEY = /^(n|[a-z][A-Za-z]*N)$/;

/** Throws a PayloadError naming the first value of the resolved `spec` or its plan over `limits`. */
export function checkLimits(spec: unknown, units: number, limits: WorkerLimits): void {
  if (units > limits.maxUnits)
    throw new PayloadError(`the spec's grid has ${units} units; this worker takes at most ${limits.maxUnits}`);
  const stack: [unknown, string][] = [[spec, 'spec']];
  while (stack.length) {
    const [v, at] = stack.pop()!;
    if (Array.isArray(v)) {
      if (at.endsWith('.shape') && v.length === 3 && v.every((x) => Number.isInteger(x))) {
        const voxels = (v as number[]).reduce((a, b) => a * b, 1);
        if (voxels > limits.maxVoxels)
          throw new PayloadError(`${at}: ${voxels} voxels a volume; this worker takes at most ${limits.maxVoxels}`);
      }
      v.forEach((x, i) => stack.push([x, `${at}[${i}]`]));
    } else if (v !== null && typeof v === 'object')
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
        if (SAMPLE_KEY.test(k) && typeof x === 'number' && x > limits.maxSamples)
          throw new PayloadError(`${at}.${k}: ${x} samples; this worker takes at most ${limits.maxSamples} a set`);
        stack.push([x, `${at}.${k}`]);
      }
  }
}

// What a robustness distortion is ("category x severity 1-5", as ImageNet-C / MedMNIST-C, in 3D for
// CT), and the wrapper that validates the call and converts between the generator's window units and HU.
import { Generator } from '@nodulab/tensor';
import { Window, applyWindow } from '../generator/acquisition';

/**
 * The generator's default window (spec.ts: lung window, center -600 HU, width 1500 HU), used when
 * `options.window` is not given.
 */
export const DEFAULT_DISTORT_WINDOW: Readonly<Window> = Object.freeze({ center: -600, width: 1500 });

/** Options of a distortion call. */
export interface DistortOptions {
  /**
   * 'window' (default): the volume is window-normalized as the generator outputs it ([0, 1] through
   * `window`); it is mapped to HU, distorted, mapped back and clamped to [0, 1]. 'HU': the volume is
   * in HU and the result is not clamped.
   */
  units?: 'window' | 'HU';
  /** The window of a 'window' volume (a sample's `window`); default DEFAULT_DISTORT_WINDOW. */
  window?: Window;
  /** Voxel spacing (z, y, x) in mm (a sample's `spacing`); default 1 mm. Lengths in parameters are mm. */
  spacing?: readonly number[];
}

/** Parameters of one severity: named numbers in HU, mm or plain factors (the name says which). */
export type SeverityParams = Readonly<Record<string, number>>;

/** A distortion category of the registry. */
export interface Distortion {
  name: string;
  /** What it does, the physical effect it imitates, and its parameters' units. */
  description: string;
  /** The parameters of severities 1..5 (index 0 is severity 1); severity grows along each list. */
  severities: readonly SeverityParams[];
  /**
   * A new, distorted copy of volume: (D, H, W) (the input is not modified). Random draws (noise,
   * field, streak angles, shift sign) come from `generator`: the same generator state gives the same
   * draws at every severity, so severities differ only by their parameters.
   * Throws on a severity that is not an integer in 1..5 or a volume that does not fill `shape`.
   */
  apply(
    volume: Float32Array,
    shape: readonly number[],
    severity: number,
    generator: Generator,
    options?: DistortOptions,
  ): Float32Array;
}

/** The HU-domain body of a distortion: modifies `hu` (shape (D, H, W), spacing (z, y, x) mm) in place. */
export type DistortBody = (
  hu: Float32Array,
  shape: [number, number, number],
  spacing: [number, number, number],
  p: SeverityParams,
  g: Generator,
) => void;

/** Checks a severity: an integer in 1..5. */
export function checkSeverity(name: string, severity: unknown): number {
  if (typeof severity !== 'number' || !Number.isInteger(severity) || severity < 1 || severity > 5) {
    throw new Error(
      `distortion "${name}": severity must be an integer in 1..5, got ${typeof severity === 'number' ? severity : JSON.stringify(severity)}`,
    );
  }
  return severity;
}

function checkArgs(
  name: string,
  volume: Float32Array,
  shape: readonly number[],
  options: DistortOptions,
): { s: [number, number, number]; sp: [number, number, number] } {
  const what = `distortion "${name}"`;
  if (shape == null || shape.length !== 3 || !Array.from(shape).every((n) => Number.isInteger(n) && n > 0)) {
    throw new Error(`${what}: shape must be three positive integers (D, H, W), got ${JSON.stringify(shape)}`);
  }
  const n = shape[0] * shape[1] * shape[2];
  if (!(volume instanceof Float32Array) || volume.length !== n) {
    throw new Error(
      `${what}: volume must be a Float32Array of ${n} voxels for shape (${shape.join(', ')}), got ${volume instanceof Float32Array ? volume.length : typeof volume}`,
    );
  }
  const sp = options.spacing ?? [1, 1, 1];
  if (sp.length !== 3 || !Array.from(sp).every((v) => Number.isFinite(v) && v > 0)) {
    throw new Error(`${what}: spacing must be three positive numbers (z, y, x) mm, got ${JSON.stringify(sp)}`);
  }
  if (options.units !== undefined && options.units !== 'window' && options.units !== 'HU') {
    throw new Error(`${what}: units must be "window" or "HU", got ${JSON.stringify(options.units)}`);
  }
  const w = options.window;
  if (w !== undefined && (!Number.isFinite(w.center) || !Number.isFinite(w.width) || w.width <= 0)) {
    throw new Error(`${what}: window must be {center, width > 0} in HU, got ${JSON.stringify(w)}`);
  }
  return { s: [shape[0], shape[1], shape[2]], sp: [sp[0], sp[1], sp[2]] };
}

/** Makes a registry entry from an HU-domain body: validation, window <-> HU conversion, clamping. */
export function defineDistortion(
  name: string,
  description: string,
  severities: SeverityParams[],
  body: DistortBody,
): Distortion {
  if (severities.length !== 5) throw new Error(`distortion "${name}": needs 5 severities, got ${severities.length}`);
  return {
    name,
    description,
    severities: Object.freeze(severities.map((p) => Object.freeze({ ...p }))),
    apply(volume, shape, severity, generator, options = {}) {
      checkSeverity(name, severity);
      const { s, sp } = checkArgs(name, volume, shape, options);
      const p = this.severities[severity - 1];
      if (options.units === 'HU') {
        const hu = volume.slice();
        body(hu, s, sp, p, generator);
        return hu;
      }
      const { center, width } = options.window ?? DEFAULT_DISTORT_WINDOW;
      const lo = center - width / 2;
      const hu = new Float32Array(volume.length);
      for (let i = 0; i < hu.length; i++) hu[i] = lo + width * volume[i];
      body(hu, s, sp, p, generator);
      applyWindow(hu, { center, width });
      return hu;
    },
  };
}

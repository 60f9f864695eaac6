// Bounds on what an input file may make nodulab allocate, set by configuration and never by what the file's
// header claims: voxels of a volume grid (a NIfTI's dims, a scan resampled to a model's spacing), bytes a file
// reads or decodes to (a .nii.gz or all entries of an .npz inflated, an .npy's data), entries of an .npz.
// Each is an option of the reader, else an environment variable, else a default; every check runs before
// the allocation it guards and its error names the input and the size it would need.

/** The bounds; see {@link inputLimits} for where each comes from. */
export interface InputLimits {
  /**
   * Most voxels of one volume grid: a NIfTI's dims, and the grid a scan is resampled to (e.g. by
   * `predictVolume`). `NODULAB_MAX_VOXELS`; default 2^28 (268,435,456: 512×512×1024, 1 GiB as float32).
   */
  maxVoxels: number;
  /**
   * Most bytes one input file may hold or decode to: a .nii / .npy file's size, a .nii.gz inflated, all
   * entries of an .npz inflated together, an .npy's declared data. `NODULAB_MAX_DECODED_BYTES`; default 2^31
   * (2 GiB).
   */
  maxDecodedBytes: number;
  /** Most entries of an .npz archive. `NODULAB_MAX_NPZ_ENTRIES`; default 1024. */
  maxNpzEntries: number;
}

/** The defaults of {@link InputLimits}. */
export const DEFAULT_INPUT_LIMITS: Readonly<InputLimits> = Object.freeze({
  maxVoxels: 2 ** 28,
  maxDecodedBytes: 2 ** 31,
  maxNpzEntries: 1024,
});

/** Each limit's environment variable. */
export const INPUT_LIMIT_ENV: Readonly<Record<keyof InputLimits, string>> = Object.freeze({
  maxVoxels: 'NODULAB_MAX_VOXELS',
  maxDecodedBytes: 'NODULAB_MAX_DECODED_BYTES',
  maxNpzEntries: 'NODULAB_MAX_NPZ_ENTRIES',
});

/**
 * The limits in force: each of `options` that is set, else its environment variable (read now), else its
 * default. A value that is not a positive integer throws, naming the option or the variable.
 *
 * @example
 * readNifti(upload, { maxVoxels: 256 ** 3 }); // or NODULAB_MAX_VOXELS=16777216 in the environment
 */
export function inputLimits(options: Partial<InputLimits> = {}): InputLimits {
  const out = { ...DEFAULT_INPUT_LIMITS };
  for (const key of Object.keys(DEFAULT_INPUT_LIMITS) as (keyof InputLimits)[]) {
    const env = process.env[INPUT_LIMIT_ENV[key]];
    const [value, from] =
      options[key] !== undefined
        ? [options[key], key]
        : env !== undefined && env.trim() !== ''
          ? [Number(env), `${INPUT_LIMIT_ENV[key]}=${JSON.stringify(env)}`]
          : [out[key], key];
    if (!Number.isSafeInteger(value) || (value as number) < 1)
      throw new Error(`${from}: must be a positive integer, got ${value}`);
    out[key] = value as number;
  }
  return out;
}

/** `bytes` as "1.50 GiB" / "12.0 MiB" / "512 bytes". */
export function formatBytes(bytes: number): string {
  if (bytes >= 2 ** 30) return `${(bytes / 2 ** 30).toFixed(2)} GiB`;
  if (bytes >= 2 ** 20) return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
  return `${bytes} bytes`;
}

/**
 * Why a grid of `shape` does not fit `limits.maxVoxels`, or null when it does: `<context> (a×b×c) needs N
 * voxels (X GiB as float32), over the limit of M (maxVoxels, NODULAB_MAX_VOXELS)`. Callers prefix the input's
 * name and throw, before allocating.
 */
export function voxelLimitError(shape: readonly number[], limits: InputLimits, context: string): string | null {
  const n = shape.reduce((a, b) => a * b, 1);
  if (n <= limits.maxVoxels) return null;
  return (
    `${context} (${shape.join('×')}) needs ${n} voxels (${formatBytes(4 * n)} as float32), over the limit of ` +
    `${limits.maxVoxels} (maxVoxels, ${INPUT_LIMIT_ENV.maxVoxels})`
  );
}

/** Why `bytes` does not fit `limits.maxDecodedBytes`, or null when it does; in the form of {@link voxelLimitError}. */
export function byteLimitError(
  bytes: number,
  limits: Pick<InputLimits, 'maxDecodedBytes'>,
  context: string,
): string | null {
  if (bytes <= limits.maxDecodedBytes) return null;
  return (
    `${context} needs ${bytes} bytes (${formatBytes(bytes)}), over the limit of ${limits.maxDecodedBytes} ` +
    `(maxDecodedBytes, ${INPUT_LIMIT_ENV.maxDecodedBytes})`
  );
}

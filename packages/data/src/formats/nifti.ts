// NIfTI-1 single-file volumes (.nii, and .nii.gz through zlib): a 348-byte header, a 4-byte extension
// flag and the voxels from byte 352. Writes float32, uint8 or int16 (with scl_slope/scl_inter) with spacing in
// pixdim and an identity-with-spacing (RAS) or given affine as qform/sform, atomically; reads float32/uint8/int16/
// uint16/int32/float64 with their affine and scaling, and validates everything.
import * as zlib from 'zlib';
import { writeFileAtomic } from '@nodulab/platform';
import { inflateBounded } from './inflate_bounded';
import { InputLimits, inputLimits, voxelLimitError } from './input_limits';
import { readBytes } from './read_bytes';
import { Affine, AffineSource, affineRows, readHeaderAffine, writeHeaderAffine } from './nifti_affine';

/** NIfTI-1 datatype codes this module understands. */
export const NIFTI_DATATYPES = { uint8: 2, int16: 4, int32: 8, float32: 16, float64: 64, uint16: 512 } as const;
const BYTES: Record<number, number> = { 2: 1, 4: 2, 8: 4, 16: 4, 64: 8, 512: 2 };
const HEADER_BYTES = 348;
const VOX_OFFSET = 352;
/** NIFTI_UNITS_MM in xyzt_units. */
const UNITS_MM = 2;
/** NIFTI_XFORM_SCANNER_ANAT. */
const XFORM_SCANNER = 1;

/** A volume as stored in NIfTI: data (D, H, W) with x fastest, spacing (z, y, x) in mm. */
export interface NiftiVolume {
  /** (D, H, W): slices, rows, columns — NIfTI's dim[3], dim[2], dim[1]. */
  shape: [number, number, number];
  /** (z, y, x) voxel size in mm — pixdim[3], pixdim[2], pixdim[1]. */
  spacing: [number, number, number];
  /** The voxels, x fastest (NIfTI order), after scl_slope / scl_inter. */
  data: Float32Array;
  /** The datatype code found in the file (16 = float32, 2 = uint8, ...). */
  datatype: number;
  /** The 80-character description field. */
  description: string;
  /**
   * Voxel (i, j, k) = (x, y, z) index → world mm (RAS+), 4×4 rows: the sform, else the qform, else
   * pixdim (see `affineSource`). nodulab writes diag(x, y, z spacing): RAS orientation at the origin.
   */
  affine: Affine;
  /** Which header fields gave `affine`. */
  affineSource: AffineSource;
  /** scl_slope and scl_inter as applied to `data` (1 and 0 when the header leaves them unset). */
  sclSlope: number;
  sclInter: number;
}

/** Options for writing a volume. */
export interface NiftiWriteOptions {
  /**
   * Voxel type on disk: 'float32' (default, datatype 16) or 'uint8' (datatype 2; values rounded and clamped to
   * 0..255).
   */
  datatype?: 'float32' | 'uint8' | 'int16';
  /**
   * scl_slope / scl_inter (default 1 / 0): stored = (value − inter) / slope, rounded and clamped for
   * integer types; readers apply value = stored · slope + inter.
   */
  scale?: { slope: number; inter: number };
  /**
   * Voxel → world affine (3 or 4 rows of 4, RAS+ mm, i = x the fastest axis), written as the sform and,
   * when it is a rotation times `spacing`, as the qform. Default: diag(x, y, z spacing) at the origin.
   */
  affine?: readonly (readonly number[])[];
  /** Up to 79 ASCII characters stored in descrip. */
  description?: string;
  /** Gzip the file; default: when the name ends in .gz. */
  gzip?: boolean;
}

function checkVolume(
  shape: readonly number[],
  spacing: readonly number[],
  data: ArrayLike<number>,
  file: string,
): void {
  if (!Array.isArray(shape) || shape.length !== 3 || !shape.every((d) => Number.isInteger(d) && d >= 1 && d <= 32767)) {
    throw new Error(
      `writeNifti ${file}: shape must be 3 integers in [1, 32767] (D, H, W), got ${JSON.stringify(shape)}`,
    );
  }
  if (!Array.isArray(spacing) || spacing.length !== 3 || !spacing.every((s) => Number.isFinite(s) && s > 0)) {
    throw new Error(
      `writeNifti ${file}: spacing must be 3 positive numbers (z, y, x) mm, got ${JSON.stringify(spacing)}`,
    );
  }
  const n = shape[0] * shape[1] * shape[2];
  if (data.length !== n)
    throw new Error(`writeNifti ${file}: ${data.length} values do not fill shape (${shape.join(', ')}) (needs ${n})`);
}

/** Encodes a volume as NIfTI-1 bytes (uncompressed): header, 4-byte extension flag, voxels. */
export function encodeNifti(
  shape: readonly number[],
  spacing: readonly number[],
  data: ArrayLike<number>,
  options: NiftiWriteOptions = {},
  name = 'volume',
): Buffer {
  checkVolume(shape, spacing, data, name);
  const datatype = NIFTI_DATATYPES[options.datatype ?? 'float32'];
  if (![NIFTI_DATATYPES.float32, NIFTI_DATATYPES.uint8, NIFTI_DATATYPES.int16].includes(datatype))
    throw new Error(`writeNifti ${name}: datatype must be float32, uint8 or int16, got ${options.datatype}`);
  const slope = options.scale?.slope ?? 1;
  const inter = options.scale?.inter ?? 0;
  if (!(Number.isFinite(slope) && slope !== 0 && Number.isFinite(inter)))
    throw new Error(`writeNifti ${name}: scale must have a finite non-zero slope and a finite inter`);
  const affine = options.affine ? affineRows(options.affine, `writeNifti ${name}`) : undefined;
  const bytes = BYTES[datatype];
  const n = data.length;
  const buf = Buffer.alloc(VOX_OFFSET + n * bytes);
  const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const [D, H, W] = shape;
  const [sz, sy, sx] = spacing;
  v.setInt32(0, HEADER_BYTES, true); // sizeof_hdr
  buf.write('r', 38, 'latin1'); // regular
  const dims = [3, W, H, D, 1, 1, 1, 1];
  dims.forEach((d, k) => v.setInt16(40 + 2 * k, d, true));
  v.setInt16(70, datatype, true);
  v.setInt16(72, bytes * 8, true); // bitpix
  const pixdim = [1, sx, sy, sz, 0, 0, 0, 0]; // pixdim[0] = qfac
  pixdim.forEach((p, k) => v.setFloat32(76 + 4 * k, p, true));
  v.setFloat32(108, VOX_OFFSET, true);
  v.setFloat32(112, slope, true); // scl_slope
  v.setFloat32(116, inter, true); // scl_inter
  buf.writeUInt8(UNITS_MM, 123); // xyzt_units
  const desc = (options.description ?? 'nodulab').replace(/[^\x20-\x7e]/g, '?').slice(0, 79);
  buf.write(desc, 148, 'latin1');
  v.setInt16(252, XFORM_SCANNER, true); // qform_code
  v.setInt16(254, XFORM_SCANNER, true); // sform_code
  // Default: quatern_b/c/d and qoffset_x/y/z stay 0, identity rotation at the origin.
  writeHeaderAffine(
    v,
    affine ?? [
      [sx, 0, 0, 0],
      [0, sy, 0, 0],
      [0, 0, sz, 0],
      [0, 0, 0, 1],
    ],
    [sx, sy, sz],
  );
  buf.write('n+1\0', 344, 'latin1');
  // bytes 348..351: extension flag, all zero (no extensions).
  const stored = (i: number) => (slope === 1 && inter === 0 ? data[i] : (data[i] - inter) / slope);
  if (datatype === NIFTI_DATATYPES.float32) {
    for (let i = 0; i < n; i++) v.setFloat32(VOX_OFFSET + 4 * i, stored(i), true);
  } else if (datatype === NIFTI_DATATYPES.int16) {
    for (let i = 0; i < n; i++)
      v.setInt16(VOX_OFFSET + 2 * i, Math.min(32767, Math.max(-32768, Math.round(stored(i)))), true);
  } else {
    for (let i = 0; i < n; i++) buf[VOX_OFFSET + i] = Math.min(255, Math.max(0, Math.round(stored(i))));
  }
  return buf;
}

/**
 * Writes a volume data: (D, H, W) (x fastest) with spacing (z, y, x) mm as NIfTI-1 (.nii, or gzipped
 * when the name ends in .gz), atomically.
 */
export function writeNifti(
  file: string,
  shape: readonly number[],
  spacing: readonly number[],
  data: ArrayLike<number>,
  options: NiftiWriteOptions = {},
): void {
  const raw = encodeNifti(shape, spacing, data, options, file);
  const gzip = options.gzip ?? file.endsWith('.gz');
  writeFileAtomic(file, gzip ? zlib.gzipSync(raw) : raw);
}

/** What the header says about the voxels: byte order, dims, datatype and where the voxels lie. */
interface NiftiLayout {
  le: boolean;
  ndim: number;
  dims: number[];
  datatype: number;
  bytesPer: number;
  voxOffset: number;
  /** vox_offset + voxels x bytes: the size the file must have. */
  need: number;
}

/**
 * Validates the 348-byte header at the start of `buf` (all of it, voxels aside), its dims within
 * `limits.maxVoxels`; throws through `fail`.
 */
function parseHeader(buf: Buffer, fail: (msg: string) => never, limits: InputLimits): NiftiLayout {
  if (buf.length < HEADER_BYTES) fail(`truncated header: ${buf.length} bytes, a NIfTI-1 header has ${HEADER_BYTES}`);
  const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let le = true;
  if (v.getInt32(0, true) !== HEADER_BYTES) {
    if (v.getInt32(0, false) === HEADER_BYTES) le = false;
    else fail(`not a NIfTI-1 file: sizeof_hdr is ${v.getInt32(0, true)}, expected 348`);
  }
  const magic = buf.toString('latin1', 344, 348);
  if (magic === 'ni1\0') fail('a header of a two-file (.hdr/.img) pair; only single-file .nii is supported');
  if (magic !== 'n+1\0') fail(`bad magic ${JSON.stringify(magic)}, expected "n+1"`);
  const ndim = v.getInt16(40, le);
  if (ndim < 1 || ndim > 7) fail(`dim[0] = ${ndim}, must be 1..7`);
  const dims: number[] = [];
  for (let k = 1; k <= 7; k++) dims.push(k <= ndim ? v.getInt16(40 + 2 * k, le) : 1);
  dims.forEach((d, k) => {
    if (k < ndim && d < 1) fail(`dim[${k + 1}] = ${d}, must be >= 1`);
  });
  if (dims.slice(3).some((d) => d > 1))
    fail(
      `a ${ndim}-D image with dims (${dims.slice(0, ndim).join(', ')}); only 3-D volumes (dims 4..7 equal to 1) are supported`,
    );
  const datatype = v.getInt16(70, le);
  const bytesPer = BYTES[datatype];
  if (bytesPer === undefined)
    fail(
      `unsupported datatype ${datatype} (supported: ${Object.entries(NIFTI_DATATYPES)
        .map(([k, c]) => `${c} ${k}`)
        .join(', ')})`,
    );
  const bitpix = v.getInt16(72, le);
  if (bitpix !== bytesPer * 8) fail(`bitpix ${bitpix} does not match datatype ${datatype} (${bytesPer * 8} bits)`);
  const voxOffset = v.getFloat32(108, le);
  if (!Number.isInteger(voxOffset) || voxOffset < VOX_OFFSET) fail(`vox_offset ${voxOffset} must be an integer >= 352`);
  const over = voxelLimitError(dims.slice(0, 3), limits, 'its dims');
  if (over !== null) fail(over);
  const n = dims[0] * dims[1] * dims[2];
  return { le, ndim, dims, datatype, bytesPer, voxOffset, need: voxOffset + n * bytesPer };
}

/**
 * Decodes NIfTI-1 bytes (gzip detected by its magic number); `name` appears in every error. A .nii.gz
 * is inflated no further than its header declares (vox_offset + voxels, plus a header's worth of slack).
 * Dims past `maxVoxels`, or a .nii.gz that would inflate past `maxDecodedBytes` (see {@link inputLimits}:
 * `limits`, else the environment), fail before anything is inflated or allocated.
 */
export function decodeNifti(bytes: Uint8Array, name = 'volume', limits: Partial<InputLimits> = {}): NiftiVolume {
  const lim = inputLimits(limits);
  const fail = (msg: string): never => {
    throw new Error(`readNifti ${name}: ${msg}`);
  };
  let buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) {
    const limit = (head: Buffer) => parseHeader(head, fail, lim).need + VOX_OFFSET;
    buf = inflateBounded(buf, 'gzip', VOX_OFFSET, limit, fail, lim);
  }
  const { le, ndim, dims, datatype, bytesPer, voxOffset, need } = parseHeader(buf, fail, lim);
  const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const [W, H, D] = dims;
  const n = W * H * D;
  if (buf.length < need)
    fail(
      `truncated data: ${buf.length - voxOffset} bytes of voxels after offset ${voxOffset}, (${W}, ${H}, ${D}) x ${bytesPer} bytes needs ${n * bytesPer}`,
    );
  // pixdim[1..3] are the x, y, z voxel sizes; those of used dimensions must be positive.
  const pix = [1, 2, 3].map((k) => {
    const s = v.getFloat32(76 + 4 * k, le);
    if (Number.isFinite(s) && s > 0) return s;
    return k <= ndim ? fail(`pixdim[${k}] = ${s}, must be > 0`) : 1;
  });
  const spacing: [number, number, number] = [pix[2], pix[1], pix[0]];
  let slope = v.getFloat32(112, le);
  let inter = v.getFloat32(116, le);
  if (!Number.isFinite(slope) || slope === 0) {
    slope = 1;
    inter = 0;
  }
  if (!Number.isFinite(inter)) inter = 0;
  const data = new Float32Array(n);
  const o = voxOffset;
  switch (datatype) {
    case 2:
      for (let i = 0; i < n; i++) data[i] = buf[o + i];
      break;
    case 4:
      for (let i = 0; i < n; i++) data[i] = v.getInt16(o + 2 * i, le);
      break;
    case 512:
      for (let i = 0; i < n; i++) data[i] = v.getUint16(o + 2 * i, le);
      break;
    case 8:
      for (let i = 0; i < n; i++) data[i] = v.getInt32(o + 4 * i, le);
      break;
    case 16:
      for (let i = 0; i < n; i++) data[i] = v.getFloat32(o + 4 * i, le);
      break;
    default:
      for (let i = 0; i < n; i++) data[i] = v.getFloat64(o + 8 * i, le);
  }
  if (slope !== 1 || inter !== 0) for (let i = 0; i < n; i++) data[i] = data[i] * slope + inter;
  const end = buf.indexOf(0, 148);
  const description = buf.toString('latin1', 148, end >= 148 && end < 228 ? end : 228);
  const { affine, source } = readHeaderAffine(v, le);
  return {
    shape: [D, H, W],
    spacing,
    data,
    datatype,
    description,
    affine,
    affineSource: source,
    sclSlope: slope,
    sclInter: inter,
  };
}

/** Reads a NIfTI-1 file (.nii or .nii.gz); errors name the file. `limits` as for {@link decodeNifti}. */
export function readNifti(file: string, limits: Partial<InputLimits> = {}): NiftiVolume {
  const lim = inputLimits(limits);
  return decodeNifti(readBytes(file, 'readNifti', lim), file, lim);
}

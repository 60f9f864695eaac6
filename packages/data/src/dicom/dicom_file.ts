// One DICOM Part 10 file read through the `dicom-parser` package: the tags that place a CT slice in its series
// (a DicomSlice), or why the file is no image slice (a DICOMDIR, a structured report, a segmentation, a stray
// non-DICOM file). The parser's own throws (strings, wrapped objects) become one message.
import * as dicomParser from 'dicom-parser';

/** What one image file contributes to a series; geometry in DICOM's patient axes (LPS, mm). */
export interface DicomSlice {
  file: string;
  seriesUid: string;
  seriesDescription: string;
  seriesNumber: number | null;
  modality: string;
  transferSyntax: string;
  rows: number;
  columns: number;
  bitsAllocated: number;
  bitsStored: number;
  highBit: number;
  /** PixelRepresentation: 0 unsigned, 1 two's complement. */
  signed: boolean;
  /** ImagePositionPatient: the centre of the first transmitted pixel. */
  position: [number, number, number];
  /** ImageOrientationPatient: row then column direction cosines. */
  orientation: [number, number, number, number, number, number];
  /** PixelSpacing: (between rows, between columns) mm. */
  pixelSpacing: [number, number];
  sliceThickness: number | null;
  rescaleSlope: number;
  rescaleIntercept: number;
  instanceNumber: number | null;
  /** Bytes the file holds for the pixel data: its declared length, cut at the file's end. */
  pixelBytes: number;
}

/** A file of the folder that is not an image slice, and why. */
export interface DicomSkip {
  file: string;
  reason: string;
}

/** SOP classes that are never CT-like image slices, by UID. */
const NON_IMAGE_SOP: Readonly<Record<string, string>> = {
  '1.2.840.10008.1.3.10': 'a DICOMDIR (media storage directory)',
  '1.2.840.10008.5.1.4.1.1.66.4': 'a segmentation (SEG)',
  '1.2.840.10008.5.1.4.1.1.66': 'raw data',
  '1.2.840.10008.5.1.4.1.1.481.3': 'an RT structure set',
  '1.2.840.10008.5.1.4.1.1.11.1': 'a presentation state',
  '1.2.840.10008.5.1.4.1.1.104.1': 'an encapsulated PDF',
};

/** The parser's throw (a string, an Error, or `{ exception }` from parseDicom) as a message. */
export function parserMessage(e: unknown): string {
  const inner = typeof e === 'object' && e !== null && 'exception' in e ? (e as { exception: unknown }).exception : e;
  const msg = inner instanceof Error ? inner.message : String(inner);
  return msg.replace(/^dicomParser[\w.:]*[:\s-]+/, '').slice(0, 300);
}

/**
 * Parses the Part 10 file `bytes`: up to the pixel data element's header (`headerOnly`, enough to describe the
 * slice), else all of it (encapsulated pixel data split into fragments). Throws the parser's failure as an Error
 * without the file's name (callers add it).
 */
export function parseDicomBytes(bytes: Uint8Array, headerOnly = false): dicomParser.DataSet {
  if (bytes.length < 132 || String.fromCharCode(...bytes.subarray(128, 132)) !== 'DICM')
    throw new Error('not a DICOM Part 10 file (no "DICM" at byte 128)');
  try {
    return dicomParser.parseDicom(bytes, headerOnly ? { untilTag: 'x7fe00010' } : {});
  } catch (e) {
    throw new Error(`unreadable DICOM: ${parserMessage(e)}`);
  }
}

function numbers(ds: dicomParser.DataSet, tag: string, count: number): number[] | null {
  if (!ds.elements[tag] || (ds.numStringValues(tag) ?? 0) < count) return null;
  const out: number[] = [];
  for (let k = 0; k < count; k++) {
    const v = ds.floatString(tag, k);
    if (v === undefined || !Number.isFinite(v)) return null;
    out.push(v);
  }
  return out;
}

function optionalNumber(ds: dicomParser.DataSet, tag: string): number | null {
  const v = numbers(ds, tag, 1);
  return v === null ? null : v[0];
}

/** A US tag's value, or null when the element is absent or too short. */
function us(ds: dicomParser.DataSet, tag: string): number | null {
  const el = ds.elements[tag];
  if (!el || el.length < 2) return null;
  return ds.uint16(tag) ?? null;
}

/** The slice `file` describes, or a reason it is not an image slice; `ds` is what {@link parseDicomBytes} gave. */
export function describeSlice(ds: dicomParser.DataSet, file: string): DicomSlice | DicomSkip {
  const skip = (reason: string): DicomSkip => ({ file, reason });
  const sop = ds.string('x00080016') ?? ds.string('x00020002') ?? '';
  if (NON_IMAGE_SOP[sop]) return skip(`${NON_IMAGE_SOP[sop]} (SOP class ${sop})`);
  if (!ds.elements.x7fe00010) return skip(`no pixel data${sop ? ` (SOP class ${sop})` : ''}`);
  const frames = numbers(ds, 'x00280008', 1);
  if (frames !== null && frames[0] > 1)
    return skip(`a multi-frame image (${frames[0]} frames); nodulab reads one slice per file`);
  const samples = us(ds, 'x00280002') ?? 1;
  if (samples !== 1) return skip(`${samples} samples per pixel (colour); a CT slice has 1`);
  const rows = us(ds, 'x00280010');
  const columns = us(ds, 'x00280011');
  const bitsAllocated = us(ds, 'x00280100');
  if (!rows || !columns || !bitsAllocated) return skip('no Rows, Columns or BitsAllocated');
  if (bitsAllocated === 1) return skip('1-bit pixels (a binary mask)');
  const position = numbers(ds, 'x00200032', 3);
  const orientation = numbers(ds, 'x00200037', 6);
  const pixelSpacing = numbers(ds, 'x00280030', 2);
  if (!position || !orientation)
    return skip('no ImagePositionPatient / ImageOrientationPatient (not a slice of a volume)');
  if (!pixelSpacing || !(pixelSpacing[0] > 0 && pixelSpacing[1] > 0))
    return skip('no positive PixelSpacing (not a slice of a volume)');
  const bitsStored = us(ds, 'x00280101') ?? bitsAllocated;
  const highBit = us(ds, 'x00280102') ?? bitsStored - 1;
  const slope = optionalNumber(ds, 'x00281053');
  const pixel = ds.elements.x7fe00010;
  const left = Math.max(0, ds.byteArray.length - pixel.dataOffset);
  return {
    file,
    seriesUid: ds.string('x0020000e') ?? '',
    seriesDescription: ds.string('x0008103e') ?? '',
    seriesNumber: optionalNumber(ds, 'x00200011'),
    modality: ds.string('x00080060') ?? '',
    transferSyntax: ds.string('x00020010') ?? '1.2.840.10008.1.2',
    rows,
    columns,
    bitsAllocated,
    bitsStored,
    highBit,
    signed: us(ds, 'x00280103') === 1,
    position: position as DicomSlice['position'],
    orientation: orientation as DicomSlice['orientation'],
    pixelSpacing: pixelSpacing as DicomSlice['pixelSpacing'],
    sliceThickness: optionalNumber(ds, 'x00180050'),
    rescaleSlope: slope === null || slope === 0 ? 1 : slope,
    rescaleIntercept: optionalNumber(ds, 'x00281052') ?? 0,
    instanceNumber: optionalNumber(ds, 'x00200013'),
    pixelBytes: pixel.hadUndefinedLength || pixel.encapsulatedPixelData ? left : Math.min(pixel.length, left),
  };
}

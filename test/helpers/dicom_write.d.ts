// Types of test/helpers/dicom_write.js: a small DICOM Part 10 writer for tests and the readers' fuzz.
export interface CtSliceOptions {
  pixels?: number[];
  rows: number;
  columns: number;
  position?: number[];
  orientation?: number[];
  pixelSpacing?: number[];
  bitsAllocated?: number;
  bitsStored?: number;
  highBit?: number;
  signed?: boolean;
  slope?: number;
  intercept?: number;
  modality?: string;
  seriesUid?: string;
  seriesDescription?: string;
  seriesNumber?: number;
  instanceNumber?: number;
  sliceThickness?: number;
  syntax?: 'explicit' | 'implicit' | 'big' | 'rle' | 'jpegLossless';
  omit?: string[];
  lengths?: Record<string, number>;
  pixelLength?: number;
}
export interface CtSeriesOptions extends CtSliceOptions {
  origin?: number[];
  sliceStep?: number[];
}
export function ctSlice(o: CtSliceOptions & { pixels: number[]; position: number[] }): Buffer;
export function ctSeries(n: number, value: (i: number, j: number, k: number) => number, o: CtSeriesOptions): Buffer[];
/** The slice normal of ImageOrientationPatient (row cosine × column cosine). */
export function sliceNormal(ori: number[]): number[];
export function nonImage(kind: 'dicomdir' | 'sr'): Buffer;
export const UIDS: Record<string, string>;

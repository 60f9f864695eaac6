// DICOM series in: one folder of CT slices read as a volume (readDicomSeries), with its parts — one file's
// slice header, the pixel decoding (native and RLE), the series geometry and the transfer syntax table.
export * from './read_dicom_series';
export * from './dicom_file';
export * from './pixel_data';
export * from './rle';
export * from './series_geometry';
export * from './transfer_syntax';

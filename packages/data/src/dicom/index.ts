// DICOM series in: one folder of CT slices read as a RAS volume (readDicomSeries), with its parts — one file's
// slice header, the pixel decoding (native and RLE), the series geometry, the transfer syntax table — and
// readVolume, which reads a NIfTI file or a DICOM folder alike.
export * from './read_dicom_series';
export * from './read_volume';
export * from './dicom_file';
export * from './pixel_data';
export * from './rle';
export * from './series_geometry';
export * from './transfer_syntax';

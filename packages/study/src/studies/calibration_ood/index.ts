// The calibration-ood study: the Study object (run it with runStudy), its spec, units, results and the pieces
// its tests and other tools read.
export { calibrationOod } from './study';
export * from './results';
export {
  CalibrationOodSpecSchema,
  defaultCalibrationOodInput,
  quickCalibrationOodInput,
  resolveCalibrationOod,
} from './spec';
export { planCalibrationOod, trainUnitId, dedicatedName, transferName, transferTargets } from './plan';
export { optimizerSteps, studyRunConfig, transferEpochs, transferVolumes } from './configs';
export { datasetSpec, dataSeed, oodSets, presetSet } from './data';
export { nearestNeighbourAccuracy, poolBins } from './measure';
export { chooseDetector, setLayerSignatures, setSignatures, voxelShuffledSet } from './detector';
export { summarizeCalibrationOod, aurocGap } from './summary';
export { SEGMENTS_CONTROL, SESOI, calibrationOodClaims, segmentsControl } from './claims';
export { calibrationOodHtml } from './report';
export type { CalibrationOodOutput } from './report';
export { calibrationOodText } from './text';
export { OOD_SCORES_HEADER, PREDICTIONS_HEADER, calibrationOodFiles } from './files';

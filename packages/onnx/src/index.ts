// @nodulab/onnx: export nodulab models to ONNX (opset 17, BatchNorm folded by default, nodulab
// metadata) and run them through onnxruntime-node with typed, async predictions, also as an
// @nodulab/eval Predictor (OnnxPredictor, openPredictor).
export * from './export/export';
export * from './export/metadata';
export { OnnxGraph } from './export/graph';
export { foldBatchNorm } from './export/fold_batchnorm';
export * from './runtime/onnx_model';
export * from './runtime/onnx_predictor';
export type { InputUnits, VolumeInput } from '@nodulab/eval';

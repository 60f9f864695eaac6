// @nodulab/onnx: ONNX export and onnxruntime-node inference for nodulab models.
export {};

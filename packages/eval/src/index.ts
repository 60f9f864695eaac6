// @nodulab/eval: one prediction -> probability -> metrics path. A Predictor (a model in-process or an
// exported ONNX model) gives logits; softmax gives P(malignant); classification metrics (accuracy,
// sensitivity, specificity, balanced accuracy, AUROC), Dice and HD95, 3D box IoU and localization metrics,
// ordinal metrics (quadratic weighted kappa), representation analysis (CKA, PCA spectrum), calibration (ECE, MCE,
// NLL, Brier, reliability diagrams, temperature scaling), OOD detection (FPR at 95% TPR, k-NN distance, spectral
// signatures) and summaries over seeds (mean, 95% CI).
export * from './confusion';
export * from './metrics';
export * from './student_t';
export * from './summary';
export * from './proportion';
export * from './segmentation';
export * from './hausdorff';
export * from './calibration';
export * from './temperature';
export * from './morphology';
export * from './ood';
export * from './spectral';
export * from './boxes';
export * from './probabilities';
export * from './model_info';
export * from './input';
export * from './predictor';
export * from './module_predictor';
export * from './checkpoint';
export * from './evaluate';
export { datasetBatches, datasetBox } from './dataset_batches';
export * from './sliding_window';
export * from './volume_grid';
export * from './predict_volume';
export * from './ordinal';
export * from './representation';
export * from './ensemble';
export * from './mc_dropout';

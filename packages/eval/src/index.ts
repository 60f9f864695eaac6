// @nodulab/eval: classification metrics (accuracy, sensitivity, specificity, balanced accuracy, AUROC,
// confusion matrix) and summaries over seeds (mean with a Student-t 95% confidence interval).
export * from './confusion';
export * from './metrics';
export * from './student_t';
export * from './summary';

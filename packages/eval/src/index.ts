// @nodulab/eval: metrics and statistics for evaluating nodulab models.
export {};

// @nodulab/nn: modules, initializers, optimizers, schedules, checkpoints and models.
export {};

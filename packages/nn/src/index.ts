// @nodulab/nn: modules with forward hooks, initializers, optimizers, schedules, gradient clipping,
// safetensors checkpoints and models (NoduleNet3D, ResNet3D, UNet3D: one Model interface) on @nodulab/tensor.
export { Module } from './module';
export type { StateDict, LoadStateDictOptions, LoadStateDictResult, ForwardHook, RemovableHandle } from './module';
export * from './hooks';
export * from './graph/ops';
export * from './init';
export * from './layers/conv';
export * from './layers/batchnorm';
export * from './layers/linear';
export * from './layers/activation';
export * from './layers/pooling';
export * from './layers/dropout';
export * from './layers/container';
export * from './optim/optimizer';
export * from './optim/sgd';
export * from './optim/adam';
export * from './lr_scheduler';
export * from './clip';
export * from './checkpoint/safetensors';
export * from './checkpoint/checkpoint';
export type { ModelInitOptions } from './models/common';
export * from './models/model';
export * from './models/projection_head';
export * from './models/nodule_net3d';
export * from './models/resnet3d';
export * from './models/unet3d';
export * from './models/factory';
export * from './export/trace';

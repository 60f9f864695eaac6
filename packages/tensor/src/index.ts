// @nodulab/tensor: float32 NCDHW tensors, autograd and the functional ops nodulab models are built from.
export { Tensor } from './tensor';
export type { TensorOptions } from './tensor';
export { noGrad, isGradEnabled } from './autograd';
export type { GradNode, BackwardFn } from './autograd';
export { native, setNumThreads, getNumThreads } from './binding';
export type { Backend, NativeBinding, Shape5, Triple } from './binding';
export * from './ops/arithmetic';
export * from './ops/activation';
export * from './ops/conv';
export * from './ops/linear';
export * from './ops/pool';
export * from './ops/batchnorm';
export * from './ops/concat';
export * from './ops/softmax';
export * from './ops/losses';
export * from './ops/dropout';
export { Generator, rand, randn } from './random';
export { writeFileAtomic } from './io/atomic_write';

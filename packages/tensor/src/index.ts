// @nodulab/tensor: float32 NCDHW tensors, autograd and the functional ops nodulab models are built from.
export { Tensor, TensorOptions } from './tensor';
export { noGrad, isGradEnabled, GradNode, BackwardFn } from './autograd';
export { native, Backend, NativeBinding, setNumThreads, getNumThreads } from './binding';
export * from './ops/arithmetic';
export * from './ops/activation';
export { Generator, rand, randn } from './random';

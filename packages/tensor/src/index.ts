// @nodulab/tensor: float32 NCDHW tensors, autograd and the functional ops nodulab models are built from.
export { Tensor, DeviceElements } from './tensor';
export {
  cudaAvailable,
  deviceCount,
  cudaStatus,
  parseDevice,
  requireDevice,
  commonDevice,
  dispatchDevice,
  deviceMemory,
  setDeviceMemoryForTesting,
} from './device';
export type { Device, DeviceLike, DeviceHandle, DeviceMemory } from './device';
export type { TensorOptions } from './tensor';
export { noGrad, isGradEnabled } from './autograd';
export type { GradNode, BackwardFn } from './autograd';
export { native, setNumThreads, getNumThreads } from './binding';
export type { Backend, NativeBinding, Shape5, Triple } from './binding';
export * from './ops/arithmetic';
export * from './ops/activation';
export * from './ops/conv';
export * from './ops/conv_block';
export * from './ops/linear';
export * from './ops/pool';
export * from './ops/batchnorm';
export * from './ops/concat';
export * from './ops/softmax';
export * from './ops/losses';
export * from './ops/info_nce';
export * from './ops/box3d';
export * from './ops/box_loss';
export * from './ops/dropout';
export * from './linalg';
export { Generator, rand, randn } from './random';
export { combine, deriveSeed, hashString, mix32 } from './seed_hash';

// Registers the batch-normalization kernels for the reference and CPU backends.
#include "core/registry.h"
#include "ops/batchnorm/batchnorm.h"
#include "ops/kernel_names.h"

namespace nodulab {
using namespace kernels;

void register_batchnorm_ref() {
  register_kernel<BatchNormTrainFn>(kBatchNormTrain, Backend::Ref, &batch_norm_train_ref<float>);
  register_kernel<BatchNormInferFn>(kBatchNormInfer, Backend::Ref, &batch_norm_infer_ref<float>);
  register_kernel<BatchNormGradFn>(kBatchNormGrad, Backend::Ref, &batch_norm_grad_ref<float>);
  register_kernel<BatchNormTrainFn>(kBatchNormReluTrain, Backend::Ref, &batch_norm_relu_train_ref<float>);
  register_kernel<BatchNormInferFn>(kBatchNormReluInfer, Backend::Ref, &batch_norm_relu_infer_ref<float>);
  register_kernel<BatchNormReluGradFn>(kBatchNormReluGrad, Backend::Ref, &batch_norm_relu_grad_ref<float>);
  register_kernel<BatchNormReluMaxPoolTrainFn>(kBatchNormReluMaxPoolTrain, Backend::Ref,
                                               &batch_norm_relu_max_pool_train_ref<float>);
  register_kernel<BatchNormReluMaxPoolInferFn>(kBatchNormReluMaxPoolInfer, Backend::Ref,
                                               &batch_norm_relu_max_pool_infer_ref<float>);
  register_kernel<BatchNormReluMaxPoolGradFn>(kBatchNormReluMaxPoolGrad, Backend::Ref,
                                              &batch_norm_relu_max_pool_grad_ref<float>);
}

void register_batchnorm_cpu() {
  register_kernel<BatchNormTrainFn>(kBatchNormTrain, Backend::Cpu, &batch_norm_train_cpu);
  register_kernel<BatchNormInferFn>(kBatchNormInfer, Backend::Cpu, &batch_norm_infer_cpu);
  register_kernel<BatchNormGradFn>(kBatchNormGrad, Backend::Cpu, &batch_norm_grad_cpu);
  register_kernel<BatchNormTrainFn>(kBatchNormReluTrain, Backend::Cpu, &batch_norm_relu_train_cpu);
  register_kernel<BatchNormInferFn>(kBatchNormReluInfer, Backend::Cpu, &batch_norm_relu_infer_cpu);
  register_kernel<BatchNormReluGradFn>(kBatchNormReluGrad, Backend::Cpu, &batch_norm_relu_grad_cpu);
  register_kernel<BatchNormReluMaxPoolTrainFn>(kBatchNormReluMaxPoolTrain, Backend::Cpu,
                                               &batch_norm_relu_max_pool_train_cpu);
  register_kernel<BatchNormReluMaxPoolInferFn>(kBatchNormReluMaxPoolInfer, Backend::Cpu,
                                               &batch_norm_relu_max_pool_infer_cpu);
  register_kernel<BatchNormReluMaxPoolGradFn>(kBatchNormReluMaxPoolGrad, Backend::Cpu,
                                              &batch_norm_relu_max_pool_grad_cpu);
}

}  // namespace nodulab

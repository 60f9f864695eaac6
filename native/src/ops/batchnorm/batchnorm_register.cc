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
}

void register_batchnorm_cpu() {
  register_kernel<BatchNormTrainFn>(kBatchNormTrain, Backend::Cpu, &batch_norm_train_cpu);
  register_kernel<BatchNormInferFn>(kBatchNormInfer, Backend::Cpu, &batch_norm_infer_cpu);
  register_kernel<BatchNormGradFn>(kBatchNormGrad, Backend::Cpu, &batch_norm_grad_cpu);
}

}  // namespace nodulab

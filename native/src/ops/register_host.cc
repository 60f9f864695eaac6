// Fills the registry with every kernel's host implementations, one line per kernel: the slow
// reference (Backend::Ref, float instantiation) and the fast CPU kernel (Backend::Cpu).
#include "core/registry.h"
#include "ops/activation/activation.h"
#include "ops/batchnorm/batchnorm.h"
#include "ops/contrastive/contrastive.h"
#include "ops/conv3d/conv3d.h"
#include "ops/conv3d/conv3d_fused.h"
#include "ops/elementwise/elementwise.h"
#include "ops/kernel_names.h"
#include "ops/matmul/matmul.h"
#include "ops/noise/noise.h"
#include "ops/pool3d/pool3d.h"
#include "ops/softmax/softmax.h"
#include "ops/svd/svd.h"

namespace nodulab {
namespace {

// Registers `ref` for (kernel, Ref) and `cpu` for (kernel, Cpu); Fn is the kernel's signature.
template <class Fn>
void host(const char* kernel, Fn ref, Fn cpu) {
  register_kernel<Fn>(kernel, Backend::Ref, ref);
  register_kernel<Fn>(kernel, Backend::Cpu, cpu);
}

}  // namespace

void register_host_kernels() {
  using namespace kernels;
  // ops/conv3d
  host<Conv3DFn>(kConv3D, &conv3d_ref<float>, &conv3d_cpu);
  host<Conv3DBackpropInputFn>(kConv3DBackpropInput, &conv3d_backprop_input_ref<float>, &conv3d_backprop_input_cpu);
  host<Conv3DBackpropFilterFn>(kConv3DBackpropFilter, &conv3d_backprop_filter_ref<float>, &conv3d_backprop_filter_cpu);
  host<Conv3DReluMaxPoolFn>(kConv3DReluMaxPool, &conv3d_relu_max_pool_ref, &conv3d_relu_max_pool_cpu);
  // ops/matmul
  host<MatMulFn>(kMatMul, &matmul_ref<float>, &matmul_cpu);
  // ops/pool3d
  host<MaxPool3dFn>(kMaxPool3D, &max_pool3d_ref<float>, &max_pool3d_cpu);
  host<MaxPool3dGradFn>(kMaxPool3DGrad, &max_pool3d_grad_ref<float>, &max_pool3d_grad_cpu);
  host<AvgPool3dFn>(kAvgPool3D, &avg_pool3d_ref<float>, &avg_pool3d_cpu);
  host<AvgPool3dGradFn>(kAvgPool3DGrad, &avg_pool3d_grad_ref<float>, &avg_pool3d_grad_cpu);
  host<GlobalAvgPool3dFn>(kGlobalAvgPool3D, &global_avg_pool3d_ref<float>, &global_avg_pool3d_cpu);
  host<GlobalAvgPool3dGradFn>(kGlobalAvgPool3DGrad, &global_avg_pool3d_grad_ref<float>, &global_avg_pool3d_grad_cpu);
  // ops/batchnorm
  host<BatchNormTrainFn>(kBatchNormTrain, &batch_norm_train_ref<float>, &batch_norm_train_cpu);
  host<BatchNormInferFn>(kBatchNormInfer, &batch_norm_infer_ref<float>, &batch_norm_infer_cpu);
  host<BatchNormGradFn>(kBatchNormGrad, &batch_norm_grad_ref<float>, &batch_norm_grad_cpu);
  host<BatchNormTrainFn>(kBatchNormReluTrain, &batch_norm_relu_train_ref<float>, &batch_norm_relu_train_cpu);
  host<BatchNormInferFn>(kBatchNormReluInfer, &batch_norm_relu_infer_ref<float>, &batch_norm_relu_infer_cpu);
  host<BatchNormReluGradFn>(kBatchNormReluGrad, &batch_norm_relu_grad_ref<float>, &batch_norm_relu_grad_cpu);
  host<BatchNormReluMaxPoolTrainFn>(kBatchNormReluMaxPoolTrain, &batch_norm_relu_max_pool_train_ref<float>,
                                   &batch_norm_relu_max_pool_train_cpu);
  host<BatchNormReluMaxPoolInferFn>(kBatchNormReluMaxPoolInfer, &batch_norm_relu_max_pool_infer_ref<float>,
                                   &batch_norm_relu_max_pool_infer_cpu);
  host<BatchNormReluMaxPoolGradFn>(kBatchNormReluMaxPoolGrad, &batch_norm_relu_max_pool_grad_ref<float>,
                                  &batch_norm_relu_max_pool_grad_cpu);
  // ops/activation
  host<UnaryFn>(kRelu, &relu_ref<float>, &relu_cpu);
  host<UnaryGradFn>(kReluGrad, &relu_grad_ref<float>, &relu_grad_cpu);
  host<UnaryAlphaFn>(kLeakyRelu, &leaky_relu_ref<float>, &leaky_relu_cpu);
  host<UnaryAlphaGradFn>(kLeakyReluGrad, &leaky_relu_grad_ref<float>, &leaky_relu_grad_cpu);
  host<UnaryFn>(kSigmoid, &sigmoid_ref<float>, &sigmoid_cpu);
  host<UnaryGradFn>(kSigmoidGrad, &sigmoid_grad_ref<float>, &sigmoid_grad_cpu);
  // ops/elementwise
  host<AxpbyFn>(kAxpby, &axpby_ref<float>, &axpby_cpu);
  host<MulFn>(kMul, &mul_ref<float>, &mul_cpu);
  // ops/softmax
  host<SoftmaxFn>(kSoftmax, &softmax_ref<float>, &softmax_cpu);
  host<SoftmaxFn>(kLogSoftmax, &log_softmax_ref<float>, &log_softmax_cpu);
  host<SoftmaxGradFn>(kSoftmaxGrad, &softmax_grad_ref<float>, &softmax_grad_cpu);
  host<SoftmaxGradFn>(kLogSoftmaxGrad, &log_softmax_grad_ref<float>, &log_softmax_grad_cpu);
  // ops/contrastive
  host<SupConFn>(kSupConLoss, &supcon_ref<float>, &supcon_cpu);
  // ops/noise
  host<FillNormalFn>(kFillNormal, &fill_normal_ref<float>, &fill_normal_cpu);
  host<AddCorrelatedNoiseFn>(kAddCorrelatedNoise, &add_correlated_noise_ref<float>, &add_correlated_noise_cpu);
  host<AddValueNoiseFn>(kAddValueNoise, &add_value_noise_ref<float>, &add_value_noise_cpu);
  // ops/svd
  host<SvdValsFn>(kSvdVals, &svdvals_ref<float>, &svdvals_cpu);
}

}  // namespace nodulab

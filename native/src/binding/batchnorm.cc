// Binding for batch normalization: batchNormTrain, batchNormInfer, batchNormGrad and the fused
// BN+ReLU batchNormReluTrain, batchNormReluInfer, batchNormReluGrad. Validates the (N, C, D, H, W)
// shape, every per-channel vector's length (C) and eps > 0.
#include <cstdint>

#include "binding/batchnorm_args.h"
#include "binding/common.h"
#include "ops/batchnorm/batchnorm.h"
#include "ops/kernel_names.h"

namespace nodulab::binding {
namespace {

// x: (N, C, D, H, W) and xShape at info[0], info[1] (every dimension >= 1).
TensorArg get_x(const Napi::CallbackInfo& info, const char* op) { return get_ncdhw_x(info, op, false); }

// The kernels' (n, c, spatial) view of x's shape.
struct Planes {
  int64_t n, c, s;
};
Planes planes(const Shape& xs) { return {xs[0], xs[1], xs[2] * xs[3] * xs[4]}; }

// JS: (x, xShape, gamma | null, beta | null, eps, backend?) -> { y, mean, invstd }
// Kernel: BatchNormTrain or the fused BatchNormReluTrain (same signature).
template <const char* const& Kernel>
Napi::Value batch_norm_train(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const TensorArg x = get_x(info, Kernel);
  const BnTrainArgs a = get_bn_train_args(info, 2, Kernel, x.shape);
  auto fn = kernel_at<BatchNormTrainFn>(info, 5, Kernel);
  const Planes p = planes(x.shape);
  float *y, *mean, *invstd;
  auto y_arr = new_f32(env, numel(x.shape), &y);
  auto mean_arr = new_f32(env, p.c, &mean);
  auto invstd_arr = new_f32(env, p.c, &invstd);
  fn(p.n, p.c, p.s, x.data.Data(), ptr(a.gamma), ptr(a.beta), a.eps, y, mean, invstd);
  return new_object(env, {{"y", y_arr}, {"mean", mean_arr}, {"invstd", invstd_arr}});
}

// JS: (x, xShape, gamma | null, beta | null, runningMean, runningVar, eps, backend?) -> y
// Kernel: BatchNormInfer or the fused BatchNormReluInfer (same signature).
template <const char* const& Kernel>
Napi::Value batch_norm_infer(const Napi::CallbackInfo& info) {
  const TensorArg x = get_x(info, Kernel);
  const BnInferArgs a = get_bn_infer_args(info, 2, Kernel, x.shape);
  auto fn = kernel_at<BatchNormInferFn>(info, 7, Kernel);
  const Planes p = planes(x.shape);
  return filled_f32(info.Env(), numel(x.shape), [&](float* y) {
    fn(p.n, p.c, p.s, x.data.Data(), ptr(a.gamma), ptr(a.beta), a.running_mean.Data(), a.running_var.Data(), a.eps, y);
  });
}

// JS: (x, xShape, dy, gamma | null, mean, invstd, backend?) -> { dx, dgamma, dbeta }
Napi::Value batch_norm_grad(const Napi::CallbackInfo& info) {
  const char* op = kernels::kBatchNormGrad;
  const TensorArg x = get_x(info, op);
  auto dy = get_f32_of_shape(info, 2, op, "dy", x.shape);
  const BnGradArgs a = get_bn_grad_args(info, 3, op, x.shape);
  auto fn = kernel_at<BatchNormGradFn>(info, 6, op);
  const Planes p = planes(x.shape);
  BnGradOutputs o = new_bn_grad_outputs(info.Env(), x.shape);
  fn(p.n, p.c, p.s, x.data.Data(), dy.Data(), ptr(a.gamma), a.mean.Data(), a.invstd.Data(), o.dx, o.dgamma, o.dbeta);
  return o.result;
}

// JS: (x, xShape, y, dy, gamma | null, mean, invstd, backend?) -> { dx, dgamma, dbeta }, where y is
// batchNormReluTrain's output (its mask y > 0 gates dy).
Napi::Value batch_norm_relu_grad(const Napi::CallbackInfo& info) {
  const char* op = kernels::kBatchNormReluGrad;
  const TensorArg x = get_x(info, op);
  auto y = get_f32_of_shape(info, 2, op, "y", x.shape);
  auto dy = get_f32_of_shape(info, 3, op, "dy", x.shape);
  const BnGradArgs a = get_bn_grad_args(info, 4, op, x.shape);
  auto fn = kernel_at<BatchNormReluGradFn>(info, 7, op);
  const Planes p = planes(x.shape);
  BnGradOutputs o = new_bn_grad_outputs(info.Env(), x.shape);
  fn(p.n, p.c, p.s, x.data.Data(), y.Data(), dy.Data(), ptr(a.gamma), a.mean.Data(), a.invstd.Data(), o.dx, o.dgamma,
     o.dbeta);
  return o.result;
}

}  // namespace

void init_batchnorm(Napi::Env env, Napi::Object exports) {
  using namespace kernels;
  export_bindings(env, exports,
                  {{"batchNormTrain", batch_norm_train<kBatchNormTrain>},
                   {"batchNormInfer", batch_norm_infer<kBatchNormInfer>}, {"batchNormGrad", batch_norm_grad},
                   {"batchNormReluTrain", batch_norm_train<kBatchNormReluTrain>},
                   {"batchNormReluInfer", batch_norm_infer<kBatchNormReluInfer>},
                   {"batchNormReluGrad", batch_norm_relu_grad}});
}

}  // namespace nodulab::binding

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

// Reads x's 5-D shape (every dimension >= 1) and checks x's length against it.
Shape get_x(const Napi::CallbackInfo& info, const Napi::Float32Array& x, size_t i, const char* op) {
  Napi::Env env = info.Env();
  Shape s = get_shape(info, i, op, "xShape");
  THROW_IF(s.size() != 5, "xShape must have 5 dimensions (N, C, D, H, W), got " << shape_str(s));
  int64_t total = 1;
  for (int64_t d : s) {
    THROW_IF(d < 1, "xShape " << shape_str(s) << " has a zero dimension");
    THROW_IF(__builtin_mul_overflow(total, d, &total) || total > (int64_t(1) << 34),
             "xShape " << shape_str(s) << " is too large");
  }
  check_tensor(env, op, "x", x, s, 5);
  return s;
}

// JS: (x, xShape, gamma | null, beta | null, eps, backend?) -> { y, mean, invstd }
// Kernel: BatchNormTrain or the fused BatchNormReluTrain (same signature).
template <const char* const* Kernel>
Napi::Value batch_norm_train(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const char* op = *Kernel;
  auto x = get_f32(info, 0, op, "x");
  Shape xs = get_x(info, x, 1, op);
  BnTrainArgs a = get_bn_train_args(info, 2, op, xs);
  auto fn = require_kernel<BatchNormTrainFn>(env, op, op, get_backend(info, 5, op));
  float *y, *mean, *invstd;
  auto y_arr = new_f32(env, numel(xs), &y);
  auto mean_arr = new_f32(env, xs[1], &mean);
  auto invstd_arr = new_f32(env, xs[1], &invstd);
  fn(xs[0], xs[1], xs[2] * xs[3] * xs[4], x.Data(), ptr(a.gamma), ptr(a.beta), a.eps, y, mean, invstd);
  return new_object(env, {{"y", y_arr}, {"mean", mean_arr}, {"invstd", invstd_arr}});
}

// JS: (x, xShape, gamma | null, beta | null, runningMean, runningVar, eps, backend?) -> y
// Kernel: BatchNormInfer or the fused BatchNormReluInfer (same signature).
template <const char* const* Kernel>
Napi::Value batch_norm_infer(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const char* op = *Kernel;
  auto x = get_f32(info, 0, op, "x");
  Shape xs = get_x(info, x, 1, op);
  BnInferArgs a = get_bn_infer_args(info, 2, op, xs);
  auto fn = require_kernel<BatchNormInferFn>(env, op, op, get_backend(info, 7, op));
  float* y;
  auto out = new_f32(env, numel(xs), &y);
  fn(xs[0], xs[1], xs[2] * xs[3] * xs[4], x.Data(), ptr(a.gamma), ptr(a.beta), a.running_mean.Data(),
     a.running_var.Data(), a.eps, y);
  return out;
}

// JS: (x, xShape, dy, gamma | null, mean, invstd, backend?) -> { dx, dgamma, dbeta }
Napi::Value batch_norm_grad(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const char* op = kernels::kBatchNormGrad;
  auto x = get_f32(info, 0, op, "x");
  Shape xs = get_x(info, x, 1, op);
  auto dy = get_f32(info, 2, op, "dy");
  check_tensor(env, op, "dy", dy, xs, 5);
  BnGradArgs a = get_bn_grad_args(info, 3, op, xs);
  auto fn = require_kernel<BatchNormGradFn>(env, op, op, get_backend(info, 6, op));
  BnGradOutputs o = new_bn_grad_outputs(env, xs);
  fn(xs[0], xs[1], xs[2] * xs[3] * xs[4], x.Data(), dy.Data(), ptr(a.gamma), a.mean.Data(), a.invstd.Data(), o.dx,
     o.dgamma, o.dbeta);
  return o.result;
}

// JS: (x, xShape, y, dy, gamma | null, mean, invstd, backend?) -> { dx, dgamma, dbeta }, where y is
// batchNormReluTrain's output (its mask y > 0 gates dy).
Napi::Value batch_norm_relu_grad(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const char* op = kernels::kBatchNormReluGrad;
  auto x = get_f32(info, 0, op, "x");
  Shape xs = get_x(info, x, 1, op);
  auto y = get_f32(info, 2, op, "y");
  check_tensor(env, op, "y", y, xs, 5);
  auto dy = get_f32(info, 3, op, "dy");
  check_tensor(env, op, "dy", dy, xs, 5);
  BnGradArgs a = get_bn_grad_args(info, 4, op, xs);
  auto fn = require_kernel<BatchNormReluGradFn>(env, op, op, get_backend(info, 7, op));
  BnGradOutputs o = new_bn_grad_outputs(env, xs);
  fn(xs[0], xs[1], xs[2] * xs[3] * xs[4], x.Data(), y.Data(), dy.Data(), ptr(a.gamma), a.mean.Data(),
     a.invstd.Data(), o.dx, o.dgamma, o.dbeta);
  return o.result;
}

constexpr const char* const* kTrain = &kernels::kBatchNormTrain;
constexpr const char* const* kInfer = &kernels::kBatchNormInfer;
constexpr const char* const* kReluTrain = &kernels::kBatchNormReluTrain;
constexpr const char* const* kReluInfer = &kernels::kBatchNormReluInfer;

}  // namespace

void init_batchnorm(Napi::Env env, Napi::Object exports) {
  exports.Set("batchNormTrain", Napi::Function::New(env, batch_norm_train<kTrain>, "batchNormTrain"));
  exports.Set("batchNormInfer", Napi::Function::New(env, batch_norm_infer<kInfer>, "batchNormInfer"));
  exports.Set("batchNormGrad", Napi::Function::New(env, batch_norm_grad, "batchNormGrad"));
  exports.Set("batchNormReluTrain", Napi::Function::New(env, batch_norm_train<kReluTrain>, "batchNormReluTrain"));
  exports.Set("batchNormReluInfer", Napi::Function::New(env, batch_norm_infer<kReluInfer>, "batchNormReluInfer"));
  exports.Set("batchNormReluGrad", Napi::Function::New(env, batch_norm_relu_grad, "batchNormReluGrad"));
}

}  // namespace nodulab::binding

// Binding for batch normalization: batchNormTrain, batchNormInfer, batchNormGrad and the fused
// BN+ReLU batchNormReluTrain, batchNormReluInfer, batchNormReluGrad. Validates the (N, C, D, H, W)
// shape, every per-channel vector's length (C) and eps > 0.
#include <cstdint>

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

// Checks that a per-channel vector (possibly absent when optional) holds C values.
void check_channels(Napi::Env env, const char* op, const char* name, const Napi::Float32Array& v, const Shape& xs) {
  if (v.IsEmpty()) return;
  THROW_IF(static_cast<int64_t>(v.ElementLength()) != xs[1],
           name << " has " << v.ElementLength() << " elements but x " << shape_str(xs) << " has " << xs[1]
                << " channels");
}

double get_eps(const Napi::CallbackInfo& info, size_t i, const char* op) {
  Napi::Env env = info.Env();
  double eps = get_number(info, i, op, "eps");
  THROW_IF(!(eps > 0), "eps must be > 0, got " << eps);
  return eps;
}

// JS: (x, xShape, gamma | null, beta | null, eps, backend?) -> { y, mean, invstd }
// Kernel: BatchNormTrain or the fused BatchNormReluTrain (same signature).
template <const char* const* Kernel>
Napi::Value batch_norm_train(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const char* op = *Kernel;
  auto x = get_f32(info, 0, op, "x");
  Shape xs = get_x(info, x, 1, op);
  auto gamma = get_optional_f32(info, 2, op, "gamma");
  auto beta = get_optional_f32(info, 3, op, "beta");
  check_channels(env, op, "gamma", gamma, xs);
  check_channels(env, op, "beta", beta, xs);
  double eps = get_eps(info, 4, op);
  auto fn = require_kernel<BatchNormTrainFn>(env, op, op, get_backend(info, 5, op));
  float *y, *mean, *invstd;
  auto y_arr = new_f32(env, numel(xs), &y);
  auto mean_arr = new_f32(env, xs[1], &mean);
  auto invstd_arr = new_f32(env, xs[1], &invstd);
  fn(xs[0], xs[1], xs[2] * xs[3] * xs[4], x.Data(), ptr(gamma), ptr(beta), eps, y, mean, invstd);
  Napi::Object result = Napi::Object::New(env);
  result.Set("y", y_arr);
  result.Set("mean", mean_arr);
  result.Set("invstd", invstd_arr);
  return result;
}

// JS: (x, xShape, gamma | null, beta | null, runningMean, runningVar, eps, backend?) -> y
// Kernel: BatchNormInfer or the fused BatchNormReluInfer (same signature).
template <const char* const* Kernel>
Napi::Value batch_norm_infer(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const char* op = *Kernel;
  auto x = get_f32(info, 0, op, "x");
  Shape xs = get_x(info, x, 1, op);
  auto gamma = get_optional_f32(info, 2, op, "gamma");
  auto beta = get_optional_f32(info, 3, op, "beta");
  auto running_mean = get_f32(info, 4, op, "runningMean");
  auto running_var = get_f32(info, 5, op, "runningVar");
  check_channels(env, op, "gamma", gamma, xs);
  check_channels(env, op, "beta", beta, xs);
  check_channels(env, op, "runningMean", running_mean, xs);
  check_channels(env, op, "runningVar", running_var, xs);
  double eps = get_eps(info, 6, op);
  auto fn = require_kernel<BatchNormInferFn>(env, op, op, get_backend(info, 7, op));
  float* y;
  auto out = new_f32(env, numel(xs), &y);
  fn(xs[0], xs[1], xs[2] * xs[3] * xs[4], x.Data(), ptr(gamma), ptr(beta), running_mean.Data(), running_var.Data(),
     eps, y);
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
  auto gamma = get_optional_f32(info, 3, op, "gamma");
  auto mean = get_f32(info, 4, op, "mean");
  auto invstd = get_f32(info, 5, op, "invstd");
  check_channels(env, op, "gamma", gamma, xs);
  check_channels(env, op, "mean", mean, xs);
  check_channels(env, op, "invstd", invstd, xs);
  auto fn = require_kernel<BatchNormGradFn>(env, op, op, get_backend(info, 6, op));
  float *dx, *dgamma, *dbeta;
  auto dx_arr = new_f32(env, numel(xs), &dx);
  auto dgamma_arr = new_f32(env, xs[1], &dgamma);
  auto dbeta_arr = new_f32(env, xs[1], &dbeta);
  fn(xs[0], xs[1], xs[2] * xs[3] * xs[4], x.Data(), dy.Data(), ptr(gamma), mean.Data(), invstd.Data(), dx, dgamma,
     dbeta);
  Napi::Object result = Napi::Object::New(env);
  result.Set("dx", dx_arr);
  result.Set("dgamma", dgamma_arr);
  result.Set("dbeta", dbeta_arr);
  return result;
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
  auto gamma = get_optional_f32(info, 4, op, "gamma");
  auto mean = get_f32(info, 5, op, "mean");
  auto invstd = get_f32(info, 6, op, "invstd");
  check_channels(env, op, "gamma", gamma, xs);
  check_channels(env, op, "mean", mean, xs);
  check_channels(env, op, "invstd", invstd, xs);
  auto fn = require_kernel<BatchNormReluGradFn>(env, op, op, get_backend(info, 7, op));
  float *dx, *dgamma, *dbeta;
  auto dx_arr = new_f32(env, numel(xs), &dx);
  auto dgamma_arr = new_f32(env, xs[1], &dgamma);
  auto dbeta_arr = new_f32(env, xs[1], &dbeta);
  fn(xs[0], xs[1], xs[2] * xs[3] * xs[4], x.Data(), y.Data(), dy.Data(), ptr(gamma), mean.Data(), invstd.Data(), dx,
     dgamma, dbeta);
  Napi::Object result = Napi::Object::New(env);
  result.Set("dx", dx_arr);
  result.Set("dgamma", dgamma_arr);
  result.Set("dbeta", dbeta_arr);
  return result;
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

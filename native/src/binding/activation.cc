// Binding for elementwise activations: relu/leakyRelu/sigmoid forward and gradient.
#include "binding/common.h"
#include "ops/activation/activation.h"
#include "ops/kernel_names.h"

namespace nodulab::binding {
namespace {

// y = f(x). JS: (x: Float32Array, backend?) -> Float32Array
template <const char* const* Kernel>
Napi::Value unary(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const char* op = *Kernel;
  auto x = get_f32(info, 0, op, "x");
  auto fn = require_kernel<UnaryFn>(env, op, *Kernel, get_backend(info, 1, op));
  float* y;
  auto out = new_f32(env, x.ElementLength(), &y);
  fn(x.ElementLength(), x.Data(), y);
  return out;
}

// dx = dy * f'(saved). JS: (saved: Float32Array, dy: Float32Array, backend?) -> Float32Array
template <const char* const* Kernel>
Napi::Value unary_grad(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const char* op = *Kernel;
  auto saved = get_f32(info, 0, op, "saved");
  auto dy = get_f32(info, 1, op, "dy");
  THROW_IF(saved.ElementLength() != dy.ElementLength(),
           "saved has " << saved.ElementLength() << " elements but dy has " << dy.ElementLength());
  auto fn = require_kernel<UnaryGradFn>(env, op, *Kernel, get_backend(info, 2, op));
  float* dx;
  auto out = new_f32(env, dy.ElementLength(), &dx);
  fn(dy.ElementLength(), saved.Data(), dy.Data(), dx);
  return out;
}

// JS: (x, alpha, backend?) -> y
Napi::Value leaky_relu(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const char* op = kernels::kLeakyRelu;
  auto x = get_f32(info, 0, op, "x");
  float alpha = static_cast<float>(get_number(info, 1, op, "negativeSlope"));
  auto fn = require_kernel<UnaryAlphaFn>(env, op, op, get_backend(info, 2, op));
  float* y;
  auto out = new_f32(env, x.ElementLength(), &y);
  fn(x.ElementLength(), alpha, x.Data(), y);
  return out;
}

// JS: (x, dy, alpha, backend?) -> dx
Napi::Value leaky_relu_grad(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const char* op = kernels::kLeakyReluGrad;
  auto x = get_f32(info, 0, op, "x");
  auto dy = get_f32(info, 1, op, "dy");
  THROW_IF(x.ElementLength() != dy.ElementLength(),
           "x has " << x.ElementLength() << " elements but dy has " << dy.ElementLength());
  float alpha = static_cast<float>(get_number(info, 2, op, "negativeSlope"));
  auto fn = require_kernel<UnaryAlphaGradFn>(env, op, op, get_backend(info, 3, op));
  float* dx;
  auto out = new_f32(env, dy.ElementLength(), &dx);
  fn(dy.ElementLength(), alpha, x.Data(), dy.Data(), dx);
  return out;
}

constexpr const char* const* kRelu = &kernels::kRelu;
constexpr const char* const* kReluGrad = &kernels::kReluGrad;
constexpr const char* const* kSigmoid = &kernels::kSigmoid;
constexpr const char* const* kSigmoidGrad = &kernels::kSigmoidGrad;

}  // namespace

void init_activation(Napi::Env env, Napi::Object exports) {
  exports.Set("relu", Napi::Function::New(env, unary<kRelu>, "relu"));
  exports.Set("reluGrad", Napi::Function::New(env, unary_grad<kReluGrad>, "reluGrad"));
  exports.Set("sigmoid", Napi::Function::New(env, unary<kSigmoid>, "sigmoid"));
  exports.Set("sigmoidGrad", Napi::Function::New(env, unary_grad<kSigmoidGrad>, "sigmoidGrad"));
  exports.Set("leakyRelu", Napi::Function::New(env, leaky_relu, "leakyRelu"));
  exports.Set("leakyReluGrad", Napi::Function::New(env, leaky_relu_grad, "leakyReluGrad"));
}

}  // namespace nodulab::binding

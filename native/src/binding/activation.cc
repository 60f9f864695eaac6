// Binding for elementwise activations: relu/leakyRelu/sigmoid forward and gradient.
#include "binding/common.h"
#include "ops/activation/activation.h"
#include "ops/kernel_names.h"

namespace nodulab::binding {
namespace {

// y = f(x). JS: (x: Float32Array, backend?) -> Float32Array
template <const char* const& Kernel>
Napi::Value unary(const Napi::CallbackInfo& info) {
  auto x = get_f32(info, 0, Kernel, "x");
  auto fn = kernel_at<UnaryFn>(info, 1, Kernel);
  return filled_f32(info.Env(), x.ElementLength(), [&](float* y) { fn(x.ElementLength(), x.Data(), y); });
}

// dx = dy * f'(saved). JS: (saved: Float32Array, dy: Float32Array, backend?) -> Float32Array
template <const char* const& Kernel>
Napi::Value unary_grad(const Napi::CallbackInfo& info) {
  auto saved = get_f32(info, 0, Kernel, "saved");
  auto dy = get_f32(info, 1, Kernel, "dy");
  check_same_length(info.Env(), Kernel, "saved", saved, "dy", dy);
  auto fn = kernel_at<UnaryGradFn>(info, 2, Kernel);
  return filled_f32(info.Env(), dy.ElementLength(),
                    [&](float* dx) { fn(dy.ElementLength(), saved.Data(), dy.Data(), dx); });
}

// JS: (x, alpha, backend?) -> y
Napi::Value leaky_relu(const Napi::CallbackInfo& info) {
  const char* op = kernels::kLeakyRelu;
  auto x = get_f32(info, 0, op, "x");
  float alpha = static_cast<float>(get_number(info, 1, op, "negativeSlope"));
  auto fn = kernel_at<UnaryAlphaFn>(info, 2, op);
  return filled_f32(info.Env(), x.ElementLength(), [&](float* y) { fn(x.ElementLength(), alpha, x.Data(), y); });
}

// JS: (x, dy, alpha, backend?) -> dx
Napi::Value leaky_relu_grad(const Napi::CallbackInfo& info) {
  const char* op = kernels::kLeakyReluGrad;
  auto x = get_f32(info, 0, op, "x");
  auto dy = get_f32(info, 1, op, "dy");
  check_same_length(info.Env(), op, "x", x, "dy", dy);
  float alpha = static_cast<float>(get_number(info, 2, op, "negativeSlope"));
  auto fn = kernel_at<UnaryAlphaGradFn>(info, 3, op);
  return filled_f32(info.Env(), dy.ElementLength(),
                    [&](float* dx) { fn(dy.ElementLength(), alpha, x.Data(), dy.Data(), dx); });
}

}  // namespace

void init_activation(Napi::Env env, Napi::Object exports) {
  using namespace kernels;
  export_bindings(env, exports,
                  {{"relu", unary<kRelu>}, {"reluGrad", unary_grad<kReluGrad>}, {"sigmoid", unary<kSigmoid>},
                   {"sigmoidGrad", unary_grad<kSigmoidGrad>}, {"leakyRelu", leaky_relu},
                   {"leakyReluGrad", leaky_relu_grad}});
}

}  // namespace nodulab::binding

// Binding for elementwise arithmetic: axpby (alpha*x + beta*y) and mul.
#include "binding/common.h"
#include "ops/elementwise/elementwise.h"
#include "ops/kernel_names.h"

namespace nodulab::binding {
namespace {

// JS: (alpha, x, beta, y, backend?) -> Float32Array
Napi::Value axpby(const Napi::CallbackInfo& info) {
  const char* op = kernels::kAxpby;
  float alpha = static_cast<float>(get_number(info, 0, op, "alpha"));
  auto x = get_f32(info, 1, op, "x");
  float beta = static_cast<float>(get_number(info, 2, op, "beta"));
  auto y = get_f32(info, 3, op, "y");
  check_same_length(info.Env(), op, "x", x, "y", y);
  auto fn = kernel_at<AxpbyFn>(info, 4, op);
  return filled_f32(info.Env(), x.ElementLength(),
                    [&](float* out) { fn(x.ElementLength(), alpha, x.Data(), beta, y.Data(), out); });
}

// JS: (a, b, backend?) -> Float32Array
Napi::Value mul(const Napi::CallbackInfo& info) {
  const char* op = kernels::kMul;
  auto a = get_f32(info, 0, op, "a");
  auto b = get_f32(info, 1, op, "b");
  check_same_length(info.Env(), op, "a", a, "b", b);
  auto fn = kernel_at<MulFn>(info, 2, op);
  return filled_f32(info.Env(), a.ElementLength(), [&](float* out) { fn(a.ElementLength(), a.Data(), b.Data(), out); });
}

}  // namespace

void init_elementwise(Napi::Env env, Napi::Object exports) {
  export_bindings(env, exports, {{"axpby", axpby}, {"mul", mul}});
}

}  // namespace nodulab::binding

// Binding for elementwise arithmetic: axpby (alpha*x + beta*y) and mul.
#include "binding/common.h"
#include "ops/elementwise/elementwise.h"
#include "ops/kernel_names.h"

namespace nodulab::binding {
namespace {

// JS: (alpha, x, beta, y, backend?) -> Float32Array
Napi::Value axpby(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const char* op = kernels::kAxpby;
  float alpha = static_cast<float>(get_number(info, 0, op, "alpha"));
  auto x = get_f32(info, 1, op, "x");
  float beta = static_cast<float>(get_number(info, 2, op, "beta"));
  auto y = get_f32(info, 3, op, "y");
  THROW_IF(x.ElementLength() != y.ElementLength(),
           "x has " << x.ElementLength() << " elements but y has " << y.ElementLength());
  auto fn = require_kernel<AxpbyFn>(env, op, op, get_backend(info, 4, op));
  float* out;
  auto result = new_f32(env, x.ElementLength(), &out);
  fn(x.ElementLength(), alpha, x.Data(), beta, y.Data(), out);
  return result;
}

// JS: (a, b, backend?) -> Float32Array
Napi::Value mul(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const char* op = kernels::kMul;
  auto a = get_f32(info, 0, op, "a");
  auto b = get_f32(info, 1, op, "b");
  THROW_IF(a.ElementLength() != b.ElementLength(),
           "a has " << a.ElementLength() << " elements but b has " << b.ElementLength());
  auto fn = require_kernel<MulFn>(env, op, op, get_backend(info, 2, op));
  float* out;
  auto result = new_f32(env, a.ElementLength(), &out);
  fn(a.ElementLength(), a.Data(), b.Data(), out);
  return result;
}

}  // namespace

void init_elementwise(Napi::Env env, Napi::Object exports) {
  exports.Set("axpby", Napi::Function::New(env, axpby, "axpby"));
  exports.Set("mul", Napi::Function::New(env, mul, "mul"));
}

}  // namespace nodulab::binding

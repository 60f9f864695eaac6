// Binding for MatMul: row-major C (M,N) = op(A) op(B), shapes of the stored operands from JS.
#include "binding/common.h"
#include "ops/kernel_names.h"
#include "ops/matmul/matmul.h"

namespace nodulab::binding {
namespace {

// JS: (a, aShape, b, bShape, transA, transB, backend?) -> c
Napi::Value matmul(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const char* op = "matmul";
  auto a = get_f32(info, 0, op, "a");
  Shape as = get_shape(info, 1, op, "aShape");
  auto b = get_f32(info, 2, op, "b");
  Shape bs = get_shape(info, 3, op, "bShape");
  const bool ta = get_bool(info, 4, op, "transA"), tb = get_bool(info, 5, op, "transB");
  check_tensor(env, op, "a", a, as, 2);
  check_tensor(env, op, "b", b, bs, 2);
  const int64_t m = ta ? as[1] : as[0], k = ta ? as[0] : as[1];
  const int64_t kb = tb ? bs[1] : bs[0], n = tb ? bs[0] : bs[1];
  THROW_IF(k != kb, "inner dimensions differ: op(a) is (" << m << ", " << k << ") from a " << shape_str(as)
                                                          << (ta ? " transposed" : "") << ", op(b) is (" << kb << ", "
                                                          << n << ") from b " << shape_str(bs)
                                                          << (tb ? " transposed" : ""));
  THROW_IF(m * n > (int64_t(1) << 34), "output too large");
  auto fn = require_kernel<MatMulFn>(env, op, kernels::kMatMul, get_backend(info, 6, op));
  return filled_f32(env, m * n, [&](float* c) { fn(m, n, k, a.Data(), ta, b.Data(), tb, c); });
}

}  // namespace

void init_matmul(Napi::Env env, Napi::Object exports) {
  export_bindings(env, exports, {{"matmul", matmul}});
}

}  // namespace nodulab::binding

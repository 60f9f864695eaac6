// Binding for softmax / log-softmax over the last axis of a (rows, cols) matrix, and their gradients.
#include <cmath>

#include "binding/common.h"
#include "ops/kernel_names.h"
#include "ops/softmax/softmax.h"

namespace nodulab::binding {
namespace {

// Reads (rows, cols) at info[i], info[i+1]: positive integers whose product is `length`.
void get_matrix_shape(const Napi::CallbackInfo& info, size_t i, const char* op, const char* name, size_t length,
                      int64_t* rows, int64_t* cols) {
  Napi::Env env = info.Env();
  const double r = get_number(info, i, op, "rows"), c = get_number(info, i + 1, op, "cols");
  THROW_IF(r < 1 || r != std::floor(r) || r > 9.0e15, "rows must be a positive integer, got " << r);
  THROW_IF(c < 1 || c != std::floor(c) || c > 9.0e15, "cols must be a positive integer, got " << c);
  THROW_IF(r * c != static_cast<double>(length),
           name << " has " << length << " elements but shape [" << r << ", " << c << "] needs " << r * c);
  *rows = static_cast<int64_t>(r);
  *cols = static_cast<int64_t>(c);
}

// JS: (x, rows, cols, backend?) -> y
template <const char* const* Kernel>
Napi::Value forward(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const char* op = *Kernel;
  auto x = get_f32(info, 0, op, "x");
  int64_t rows, cols;
  get_matrix_shape(info, 1, op, "x", x.ElementLength(), &rows, &cols);
  auto fn = require_kernel<SoftmaxFn>(env, op, op, get_backend(info, 3, op));
  float* y;
  auto out = new_f32(env, rows * cols, &y);
  fn(rows, cols, x.Data(), y);
  return out;
}

// JS: (y, dy, rows, cols, backend?) -> dx, from the forward output y.
template <const char* const* Kernel>
Napi::Value backward(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const char* op = *Kernel;
  auto y = get_f32(info, 0, op, "y");
  auto dy = get_f32(info, 1, op, "dy");
  int64_t rows, cols;
  get_matrix_shape(info, 2, op, "y", y.ElementLength(), &rows, &cols);
  THROW_IF(dy.ElementLength() != y.ElementLength(),
           "dy has " << dy.ElementLength() << " elements but y has " << y.ElementLength());
  auto fn = require_kernel<SoftmaxGradFn>(env, op, op, get_backend(info, 4, op));
  float* dx;
  auto out = new_f32(env, rows * cols, &dx);
  fn(rows, cols, y.Data(), dy.Data(), dx);
  return out;
}

constexpr const char* const* kSoftmax = &kernels::kSoftmax;
constexpr const char* const* kLogSoftmax = &kernels::kLogSoftmax;
constexpr const char* const* kSoftmaxGrad = &kernels::kSoftmaxGrad;
constexpr const char* const* kLogSoftmaxGrad = &kernels::kLogSoftmaxGrad;

}  // namespace

void init_softmax(Napi::Env env, Napi::Object exports) {
  exports.Set("softmax", Napi::Function::New(env, forward<kSoftmax>, "softmax"));
  exports.Set("logSoftmax", Napi::Function::New(env, forward<kLogSoftmax>, "logSoftmax"));
  exports.Set("softmaxGrad", Napi::Function::New(env, backward<kSoftmaxGrad>, "softmaxGrad"));
  exports.Set("logSoftmaxGrad", Napi::Function::New(env, backward<kLogSoftmaxGrad>, "logSoftmaxGrad"));
}

}  // namespace nodulab::binding

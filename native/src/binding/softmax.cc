// Binding for softmax / log-softmax over the last axis of a (rows, cols) matrix, and their gradients.
#include "binding/common.h"
#include "ops/kernel_names.h"
#include "ops/softmax/softmax.h"

namespace nodulab::binding {
namespace {

// JS: (x, rows, cols, backend?) -> y
template <const char* const& Kernel>
Napi::Value forward(const Napi::CallbackInfo& info) {
  auto x = get_f32(info, 0, Kernel, "x");
  const MatrixShape m = get_matrix_shape(info, 1, Kernel, "x", x.ElementLength());
  auto fn = kernel_at<SoftmaxFn>(info, 3, Kernel);
  return filled_f32(info.Env(), m.rows * m.cols, [&](float* y) { fn(m.rows, m.cols, x.Data(), y); });
}

// JS: (y, dy, rows, cols, backend?) -> dx, from the forward output y.
template <const char* const& Kernel>
Napi::Value backward(const Napi::CallbackInfo& info) {
  auto y = get_f32(info, 0, Kernel, "y");
  auto dy = get_f32(info, 1, Kernel, "dy");
  const MatrixShape m = get_matrix_shape(info, 2, Kernel, "y", y.ElementLength());
  check_same_length(info.Env(), Kernel, "dy", dy, "y", y);
  auto fn = kernel_at<SoftmaxGradFn>(info, 4, Kernel);
  return filled_f32(info.Env(), m.rows * m.cols, [&](float* dx) { fn(m.rows, m.cols, y.Data(), dy.Data(), dx); });
}

}  // namespace

void init_softmax(Napi::Env env, Napi::Object exports) {
  using namespace kernels;
  export_bindings(env, exports,
                  {{"softmax", forward<kSoftmax>}, {"logSoftmax", forward<kLogSoftmax>},
                   {"softmaxGrad", backward<kSoftmaxGrad>}, {"logSoftmaxGrad", backward<kLogSoftmaxGrad>}});
}

}  // namespace nodulab::binding

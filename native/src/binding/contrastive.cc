// Binding for the fused SupCon / NT-Xent kernel: loss, anchor count and gradient w.r.t. z in one call.
#include "binding/common.h"
#include "ops/contrastive/contrastive.h"
#include "ops/kernel_names.h"

namespace nodulab::binding {
namespace {

// JS: (z: Float32Array (n*dim), n, dim, labels: Int32Array (n), temperature, backend?)
//     -> { loss: number, grad: Float32Array (n*dim), anchors: number }
Napi::Value sup_con_loss(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const char* op = kernels::kSupConLoss;
  auto z = get_f32(info, 0, op, "z");
  const MatrixShape m = get_matrix_shape(info, 1, op, "z", z.ElementLength(), "n", "dim");
  auto labels = get_i32(info, 3, op, "labels");
  THROW_IF(static_cast<int64_t>(labels.ElementLength()) != m.rows,
           "labels has " << labels.ElementLength() << " elements but z has " << static_cast<double>(m.rows) << " rows");
  const double temperature = get_number(info, 4, op, "temperature");
  THROW_IF(!(static_cast<float>(temperature) > 0), "temperature must be > 0, got " << temperature);
  auto fn = kernel_at<SupConFn>(info, 5, op);
  float loss = 0.f;
  int64_t anchors = 0;
  auto grad = filled_f32(env, m.rows * m.cols, [&](float* g) {
    fn(m.rows, m.cols, z.Data(), labels.Data(), static_cast<float>(temperature), &loss, g, &anchors);
  });
  return new_object(env, {{"loss", Napi::Number::New(env, loss)},
                          {"grad", grad},
                          {"anchors", Napi::Number::New(env, static_cast<double>(anchors))}});
}

}  // namespace

void init_contrastive(Napi::Env env, Napi::Object exports) { export_bindings(env, exports, {{"supConLoss", sup_con_loss}}); }

}  // namespace nodulab::binding

// Binding for the fused SupCon / NT-Xent kernel: loss, anchor count and gradient w.r.t. z in one call.
#include <cmath>

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
  const double n = get_number(info, 1, op, "n"), dim = get_number(info, 2, op, "dim");
  THROW_IF(n < 1 || n != std::floor(n) || n > 9.0e15, "n must be a positive integer, got " << n);
  THROW_IF(dim < 1 || dim != std::floor(dim) || dim > 9.0e15, "dim must be a positive integer, got " << dim);
  THROW_IF(n * dim != static_cast<double>(z.ElementLength()),
           "z has " << z.ElementLength() << " elements but shape [" << n << ", " << dim << "] needs " << n * dim);
  auto labels = get_i32(info, 3, op, "labels");
  THROW_IF(static_cast<double>(labels.ElementLength()) != n,
           "labels has " << labels.ElementLength() << " elements but z has " << n << " rows");
  const double temperature = get_number(info, 4, op, "temperature");
  THROW_IF(!(static_cast<float>(temperature) > 0), "temperature must be > 0, got " << temperature);
  auto fn = require_kernel<SupConFn>(env, op, op, get_backend(info, 5, op));
  const int64_t rows = static_cast<int64_t>(n), cols = static_cast<int64_t>(dim);
  float* grad;
  auto grad_out = new_f32(env, rows * cols, &grad);
  float loss = 0.f;
  int64_t anchors = 0;
  fn(rows, cols, z.Data(), labels.Data(), static_cast<float>(temperature), &loss, grad, &anchors);
  Napi::Object result = Napi::Object::New(env);
  result.Set("loss", Napi::Number::New(env, loss));
  result.Set("grad", grad_out);
  result.Set("anchors", Napi::Number::New(env, static_cast<double>(anchors)));
  return result;
}

}  // namespace

void init_contrastive(Napi::Env env, Napi::Object exports) {
  exports.Set("supConLoss", Napi::Function::New(env, sup_con_loss, "supConLoss"));
}

}  // namespace nodulab::binding

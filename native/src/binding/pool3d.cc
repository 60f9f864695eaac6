// Binding for 3-D pooling: maxPool3d (+ indices), avgPool3d, globalAvgPool3d and their gradients,
// and the fused batch norm + ReLU + max pool (batchNormReluMaxPool3dTrain / Infer / Grad).
// Validates shapes, window triples (kernel >= 1, stride >= 1, padding <= kernel / 2, output >= 1).
#include <cstdint>
#include <limits>
#include <vector>

#include "binding/batchnorm_args.h"
#include "binding/common.h"
#include "binding/pool3d_args.h"
#include "ops/batchnorm/batchnorm.h"
#include "ops/kernel_names.h"
#include "ops/pool3d/pool3d.h"

namespace nodulab::binding {
namespace {

// Reads a 5-D shape (N, C, D, H, W) with every dimension >= 1 and a flat (n, c) volume that int32
// indices can address.
Shape get_volume_shape(const Napi::CallbackInfo& info, size_t i, const char* op, const char* name) {
  return get_ncdhw_shape(info, i, op, name, true);
}

// x: (N, C, D, H, W) and xShape at info[0], info[1], as get_volume_shape.
TensorArg get_x(const Napi::CallbackInfo& info, const char* op) { return get_ncdhw_x(info, op, true); }

Shape get_triple(const Napi::CallbackInfo& info, size_t i, const char* op, const char* name, int64_t min) {
  Napi::Env env = info.Env();
  Shape t = get_shape(info, i, op, name);
  THROW_IF(t.size() != 3, name << " must hold 3 integers (depth, height, width), got " << shape_str(t));
  for (int64_t v : t) THROW_IF(v < min, name << " " << shape_str(t) << " must be >= " << min);
  return t;
}

// The pooling geometry from xShape and the kernel/stride/padding triples at info[ik..ik+2].
Pool3dGeom get_geom(const Napi::CallbackInfo& info, const Shape& xs, size_t ik, const char* op) {
  Napi::Env env = info.Env();
  Shape k = get_triple(info, ik, op, "kernel", 1);
  Shape s = get_triple(info, ik + 1, op, "stride", 1);
  Shape p = get_triple(info, ik + 2, op, "padding", 0);
  for (int a = 0; a < 3; ++a)
    THROW_IF(p[a] > k[a] / 2, "padding " << shape_str(p) << " must be at most half the kernel " << shape_str(k));
  int64_t window = 1;
  for (int a = 0; a < 3; ++a)
    THROW_IF(__builtin_mul_overflow(window, k[a], &window) || window > std::numeric_limits<int32_t>::max(),
             "kernel " << shape_str(k) << " is too large (more than 2^31 elements per window)");
  Pool3dGeom g{xs[0], xs[1], xs[2], xs[3], xs[4], 0, 0, 0, k[0], k[1], k[2], s[0], s[1], s[2], p[0], p[1], p[2]};
  pool3d_output_size(&g);
  THROW_IF(g.od < 1 || g.oh < 1 || g.ow < 1,
           "output size [" << g.od << ", " << g.oh << ", " << g.ow << "] is too small: input " << shape_str(xs)
                           << ", kernel " << shape_str(k) << ", stride " << shape_str(s) << ", padding "
                           << shape_str(p));
  return g;
}

Shape out_shape(const Pool3dGeom& g) { return {g.n, g.c, g.od, g.oh, g.ow}; }

}  // namespace

Pool3dGeom get_pool_geom(const Napi::CallbackInfo& info, const Shape& xs, size_t ik, const char* op) {
  return get_geom(info, xs, ik, op);
}

namespace {

// Checks that indices holds numel(ys) entries (ys_name names that shape in the error), each a flat
// offset into an input (n, c) volume of `volume` elements, and returns the indices the kernel must read:
// the array's own memory, or a private copy in `copy` when it lives in a SharedArrayBuffer (another
// thread could change it between this check and the kernel's writes at those offsets).
const int32_t* checked_indices(Napi::Env env, const char* op, const Napi::Int32Array& indices, const char* ys_name,
                               const Shape& ys, int64_t volume, std::vector<int32_t>& copy) {
  THROW_IF(static_cast<int64_t>(indices.ElementLength()) != numel(ys),
           "indices has " << indices.ElementLength() << " elements but " << ys_name << " " << shape_str(ys)
                          << " needs " << numel(ys));
  const int32_t* idx = indices.Data();
  if (!indices.ArrayBuffer().IsArrayBuffer()) {  // a SharedArrayBuffer
    copy.assign(idx, idx + indices.ElementLength());
    idx = copy.data();
  }
  for (size_t i = 0, count = indices.ElementLength(); i < count; ++i)
    THROW_IF(idx[i] < 0 || idx[i] >= volume,
             "indices[" << i << "] = " << idx[i] << " is outside the input volume of " << volume << " elements");
  return idx;
}

// A { y, indices } result of g's pooled shape and pointers to its arrays.
struct PooledOutputs {
  Napi::Object result;
  float* y;
  int32_t* indices;
};
PooledOutputs new_pooled_outputs(Napi::Env env, const Pool3dGeom& g) {
  PooledOutputs o;
  const int64_t n_out = numel(out_shape(g));
  auto y = new_f32(env, n_out, &o.y);
  auto indices = new_i32(env, n_out, &o.indices);
  o.result = new_object(env, {{"y", y}, {"indices", indices}});
  return o;
}

// JS: (x, xShape, kernel, stride, padding, backend?) -> { y, indices }
Napi::Value max_pool3d(const Napi::CallbackInfo& info) {
  const char* op = kernels::kMaxPool3D;
  const TensorArg x = get_x(info, op);
  const Pool3dGeom g = get_geom(info, x.shape, 2, op);
  auto fn = kernel_at<MaxPool3dFn>(info, 5, op);
  PooledOutputs o = new_pooled_outputs(info.Env(), g);
  fn(g, x.data.Data(), o.y, o.indices);
  return o.result;
}

// JS: (dy, indices, dyShape, xShape, backend?) -> dx
Napi::Value max_pool3d_grad(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const char* op = kernels::kMaxPool3DGrad;
  auto dy = get_f32(info, 0, op, "dy");
  auto indices = get_i32(info, 1, op, "indices");
  Shape ds = get_volume_shape(info, 2, op, "dyShape");
  Shape xs = get_volume_shape(info, 3, op, "xShape");
  check_tensor(env, op, "dy", dy, ds, 5);
  THROW_IF(ds[0] != xs[0] || ds[1] != xs[1],
           "dyShape " << shape_str(ds) << " and xShape " << shape_str(xs) << " differ in N or C");
  std::vector<int32_t> copy;
  const int32_t* idx = checked_indices(env, op, indices, "dyShape", ds, xs[2] * xs[3] * xs[4], copy);
  auto fn = kernel_at<MaxPool3dGradFn>(info, 4, op);
  const Pool3dGeom g{xs[0], xs[1], xs[2], xs[3], xs[4], ds[2], ds[3], ds[4], 1, 1, 1, 1, 1, 1, 0, 0, 0};
  return filled_f32(env, numel(xs), [&](float* dx) { fn(g, dy.Data(), idx, dx); });
}

// JS: (x, xShape, kernel, stride, padding, countIncludePad, backend?) -> y
Napi::Value avg_pool3d(const Napi::CallbackInfo& info) {
  const char* op = kernels::kAvgPool3D;
  const TensorArg x = get_x(info, op);
  const Pool3dGeom g = get_geom(info, x.shape, 2, op);
  const bool include_pad = get_bool(info, 5, op, "countIncludePad");
  auto fn = kernel_at<AvgPool3dFn>(info, 6, op);
  return filled_f32(info.Env(), numel(out_shape(g)), [&](float* y) { fn(g, include_pad, x.data.Data(), y); });
}

// JS: (dy, dyShape, xShape, kernel, stride, padding, countIncludePad, backend?) -> dx
Napi::Value avg_pool3d_grad(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const char* op = kernels::kAvgPool3DGrad;
  const TensorArg dy = get_tensor(info, 0, op, "dy", "dyShape", get_volume_shape);
  Shape xs = get_volume_shape(info, 2, op, "xShape");
  const Pool3dGeom g = get_geom(info, xs, 3, op);
  THROW_IF(dy.shape != out_shape(g), "dyShape " << shape_str(dy.shape) << " is not the pooled shape "
                                                << shape_str(out_shape(g)) << " of xShape " << shape_str(xs));
  const bool include_pad = get_bool(info, 6, op, "countIncludePad");
  auto fn = kernel_at<AvgPool3dGradFn>(info, 7, op);
  return filled_f32(env, numel(xs), [&](float* dx) { fn(g, include_pad, dy.data.Data(), dx); });
}

// JS: (x, xShape, backend?) -> y (N*C)
Napi::Value global_avg_pool3d(const Napi::CallbackInfo& info) {
  const char* op = kernels::kGlobalAvgPool3D;
  const TensorArg x = get_x(info, op);
  const Shape& xs = x.shape;
  auto fn = kernel_at<GlobalAvgPool3dFn>(info, 2, op);
  return filled_f32(info.Env(), xs[0] * xs[1], [&](float* y) { fn(xs[0] * xs[1], xs[2] * xs[3] * xs[4], x.data.Data(), y); });
}

// JS: (dy (N*C), xShape, backend?) -> dx
Napi::Value global_avg_pool3d_grad(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const char* op = kernels::kGlobalAvgPool3DGrad;
  auto dy = get_f32(info, 0, op, "dy");
  Shape xs = get_volume_shape(info, 1, op, "xShape");
  THROW_IF(static_cast<int64_t>(dy.ElementLength()) != xs[0] * xs[1],
           "dy has " << dy.ElementLength() << " elements but xShape " << shape_str(xs) << " needs N*C = "
                     << xs[0] * xs[1]);
  auto fn = kernel_at<GlobalAvgPool3dGradFn>(info, 2, op);
  return filled_f32(env, numel(xs), [&](float* dx) { fn(xs[0] * xs[1], xs[2] * xs[3] * xs[4], dy.Data(), dx); });
}

// ---- fused batch norm + ReLU + max pool ------------------------------------------------------------

// JS: (x, xShape, gamma | null, beta | null, eps, kernel, stride, padding, backend?)
//   -> { y, indices, mean, invstd }
Napi::Value batch_norm_relu_max_pool_train(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const char* op = kernels::kBatchNormReluMaxPoolTrain;
  const TensorArg x = get_x(info, op);
  const BnTrainArgs a = get_bn_train_args(info, 2, op, x.shape);
  const Pool3dGeom g = get_geom(info, x.shape, 5, op);
  auto fn = kernel_at<BatchNormReluMaxPoolTrainFn>(info, 8, op);
  PooledOutputs o = new_pooled_outputs(env, g);
  float *mean, *invstd;
  o.result.Set("mean", new_f32(env, g.c, &mean));
  o.result.Set("invstd", new_f32(env, g.c, &invstd));
  fn(g, x.data.Data(), ptr(a.gamma), ptr(a.beta), a.eps, o.y, o.indices, mean, invstd);
  return o.result;
}

// JS: (x, xShape, gamma | null, beta | null, runningMean, runningVar, eps, kernel, stride, padding, backend?)
//   -> { y, indices }
Napi::Value batch_norm_relu_max_pool_infer(const Napi::CallbackInfo& info) {
  const char* op = kernels::kBatchNormReluMaxPoolInfer;
  const TensorArg x = get_x(info, op);
  const BnInferArgs a = get_bn_infer_args(info, 2, op, x.shape);
  const Pool3dGeom g = get_geom(info, x.shape, 7, op);
  auto fn = kernel_at<BatchNormReluMaxPoolInferFn>(info, 10, op);
  PooledOutputs o = new_pooled_outputs(info.Env(), g);
  fn(g, x.data.Data(), ptr(a.gamma), ptr(a.beta), a.running_mean.Data(), a.running_var.Data(), a.eps, o.y, o.indices);
  return o.result;
}

// JS: (x, xShape, y, indices, dy, gamma | null, mean, invstd, kernel, stride, padding, backend?)
//   -> { dx, dgamma, dbeta }; y, indices from batchNormReluMaxPool3dTrain, dy of y's shape.
Napi::Value batch_norm_relu_max_pool_grad(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const char* op = kernels::kBatchNormReluMaxPoolGrad;
  const TensorArg x = get_x(info, op);
  auto y = get_f32(info, 2, op, "y");
  auto indices = get_i32(info, 3, op, "indices");
  auto dy = get_f32(info, 4, op, "dy");
  const BnGradArgs a = get_bn_grad_args(info, 5, op, x.shape);
  const Pool3dGeom g = get_geom(info, x.shape, 8, op);
  const Shape ys = out_shape(g);
  check_tensor(env, op, "y", y, ys, 5);
  check_tensor(env, op, "dy", dy, ys, 5);
  std::vector<int32_t> copy;
  const int32_t* idx = checked_indices(env, op, indices, "the pooled shape", ys, g.in_plane(), copy);
  auto fn = kernel_at<BatchNormReluMaxPoolGradFn>(info, 11, op);
  BnGradOutputs o = new_bn_grad_outputs(env, x.shape);
  fn(g, x.data.Data(), y.Data(), idx, dy.Data(), ptr(a.gamma), a.mean.Data(), a.invstd.Data(), o.dx,
     o.dgamma, o.dbeta);
  return o.result;
}

}  // namespace

void init_pool3d(Napi::Env env, Napi::Object exports) {
  export_bindings(env, exports,
                  {{"maxPool3d", max_pool3d}, {"maxPool3dGrad", max_pool3d_grad}, {"avgPool3d", avg_pool3d},
                   {"avgPool3dGrad", avg_pool3d_grad}, {"globalAvgPool3d", global_avg_pool3d},
                   {"globalAvgPool3dGrad", global_avg_pool3d_grad},
                   {"batchNormReluMaxPool3dTrain", batch_norm_relu_max_pool_train},
                   {"batchNormReluMaxPool3dInfer", batch_norm_relu_max_pool_infer},
                   {"batchNormReluMaxPool3dGrad", batch_norm_relu_max_pool_grad}});
}

}  // namespace nodulab::binding

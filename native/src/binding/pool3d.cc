// Binding for 3-D pooling: maxPool3d (+ indices), avgPool3d, globalAvgPool3d and their gradients,
// and the fused batch norm + ReLU + max pool (batchNormReluMaxPool3dTrain / Infer / Grad).
// Validates shapes, window triples (kernel >= 1, stride >= 1, padding <= kernel / 2, output >= 1).
#include <cstdint>
#include <limits>

#include "binding/batchnorm_args.h"
#include "binding/common.h"
#include "ops/batchnorm/batchnorm.h"
#include "ops/kernel_names.h"
#include "ops/pool3d/pool3d.h"

namespace nodulab::binding {
namespace {

// Reads a 5-D shape (N, C, D, H, W) with every dimension >= 1 and a flat (n, c) volume that int32
// indices can address.
Shape get_volume_shape(const Napi::CallbackInfo& info, size_t i, const char* op, const char* name) {
  Napi::Env env = info.Env();
  Shape s = get_shape(info, i, op, name);
  THROW_IF(s.size() != 5, name << " must have 5 dimensions (N, C, D, H, W), got " << shape_str(s));
  for (int64_t d : s) THROW_IF(d < 1, name << " " << shape_str(s) << " has a zero dimension");
  int64_t volume = 1, total = s[0] * 1;
  for (int a = 2; a < 5; ++a)
    THROW_IF(__builtin_mul_overflow(volume, s[a], &volume) || volume > std::numeric_limits<int32_t>::max(),
             name << " " << shape_str(s) << ": D*H*W must be below 2^31");
  THROW_IF(__builtin_mul_overflow(total, s[1], &total) || __builtin_mul_overflow(total, volume, &total) ||
               total > (int64_t(1) << 34),
           name << " " << shape_str(s) << " is too large");
  return s;
}

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

// Checks that indices holds numel(ys) entries (ys_name names that shape in the error), each a flat
// offset into an input (n, c) volume of `volume` elements.
void check_indices(Napi::Env env, const char* op, const Napi::Int32Array& indices, const char* ys_name,
                   const Shape& ys, int64_t volume) {
  THROW_IF(static_cast<int64_t>(indices.ElementLength()) != numel(ys),
           "indices has " << indices.ElementLength() << " elements but " << ys_name << " " << shape_str(ys)
                          << " needs " << numel(ys));
  const int32_t* idx = indices.Data();
  for (size_t i = 0, count = indices.ElementLength(); i < count; ++i)
    THROW_IF(idx[i] < 0 || idx[i] >= volume,
             "indices[" << i << "] = " << idx[i] << " is outside the input volume of " << volume << " elements");
}

// A { y, indices } result of g's pooled shape; *y and *idx point at its arrays.
Napi::Object new_pooled_result(Napi::Env env, const Pool3dGeom& g, float** y, int32_t** idx) {
  const int64_t n_out = numel(out_shape(g));
  auto y_arr = new_f32(env, n_out, y);
  auto indices = new_i32(env, n_out, idx);
  return new_object(env, {{"y", y_arr}, {"indices", indices}});
}

// JS: (x, xShape, kernel, stride, padding, backend?) -> { y, indices }
Napi::Value max_pool3d(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const char* op = kernels::kMaxPool3D;
  auto x = get_f32(info, 0, op, "x");
  Shape xs = get_volume_shape(info, 1, op, "xShape");
  check_tensor(env, op, "x", x, xs, 5);
  Pool3dGeom g = get_geom(info, xs, 2, op);
  auto fn = require_kernel<MaxPool3dFn>(env, op, op, get_backend(info, 5, op));
  float* y;
  int32_t* idx;
  Napi::Object result = new_pooled_result(env, g, &y, &idx);
  fn(g, x.Data(), y, idx);
  return result;
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
  check_indices(env, op, indices, "dyShape", ds, xs[2] * xs[3] * xs[4]);
  auto fn = require_kernel<MaxPool3dGradFn>(env, op, op, get_backend(info, 4, op));
  Pool3dGeom g{xs[0], xs[1], xs[2], xs[3], xs[4], ds[2], ds[3], ds[4], 1, 1, 1, 1, 1, 1, 0, 0, 0};
  float* dx;
  auto out = new_f32(env, numel(xs), &dx);
  fn(g, dy.Data(), indices.Data(), dx);
  return out;
}

// JS: (x, xShape, kernel, stride, padding, countIncludePad, backend?) -> y
Napi::Value avg_pool3d(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const char* op = kernels::kAvgPool3D;
  auto x = get_f32(info, 0, op, "x");
  Shape xs = get_volume_shape(info, 1, op, "xShape");
  check_tensor(env, op, "x", x, xs, 5);
  Pool3dGeom g = get_geom(info, xs, 2, op);
  bool include_pad = get_bool(info, 5, op, "countIncludePad");
  auto fn = require_kernel<AvgPool3dFn>(env, op, op, get_backend(info, 6, op));
  float* y;
  auto out = new_f32(env, numel(out_shape(g)), &y);
  fn(g, include_pad, x.Data(), y);
  return out;
}

// JS: (dy, dyShape, xShape, kernel, stride, padding, countIncludePad, backend?) -> dx
Napi::Value avg_pool3d_grad(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const char* op = kernels::kAvgPool3DGrad;
  auto dy = get_f32(info, 0, op, "dy");
  Shape ds = get_volume_shape(info, 1, op, "dyShape");
  Shape xs = get_volume_shape(info, 2, op, "xShape");
  check_tensor(env, op, "dy", dy, ds, 5);
  Pool3dGeom g = get_geom(info, xs, 3, op);
  THROW_IF(ds != out_shape(g), "dyShape " << shape_str(ds) << " is not the pooled shape " << shape_str(out_shape(g))
                                          << " of xShape " << shape_str(xs));
  bool include_pad = get_bool(info, 6, op, "countIncludePad");
  auto fn = require_kernel<AvgPool3dGradFn>(env, op, op, get_backend(info, 7, op));
  float* dx;
  auto out = new_f32(env, numel(xs), &dx);
  fn(g, include_pad, dy.Data(), dx);
  return out;
}

// JS: (x, xShape, backend?) -> y (N*C)
Napi::Value global_avg_pool3d(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const char* op = kernels::kGlobalAvgPool3D;
  auto x = get_f32(info, 0, op, "x");
  Shape xs = get_volume_shape(info, 1, op, "xShape");
  check_tensor(env, op, "x", x, xs, 5);
  auto fn = require_kernel<GlobalAvgPool3dFn>(env, op, op, get_backend(info, 2, op));
  float* y;
  auto out = new_f32(env, xs[0] * xs[1], &y);
  fn(xs[0] * xs[1], xs[2] * xs[3] * xs[4], x.Data(), y);
  return out;
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
  auto fn = require_kernel<GlobalAvgPool3dGradFn>(env, op, op, get_backend(info, 2, op));
  float* dx;
  auto out = new_f32(env, numel(xs), &dx);
  fn(xs[0] * xs[1], xs[2] * xs[3] * xs[4], dy.Data(), dx);
  return out;
}

// ---- fused batch norm + ReLU + max pool ------------------------------------------------------------

// JS: (x, xShape, gamma | null, beta | null, eps, kernel, stride, padding, backend?)
//   -> { y, indices, mean, invstd }
Napi::Value batch_norm_relu_max_pool_train(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const char* op = kernels::kBatchNormReluMaxPoolTrain;
  auto x = get_f32(info, 0, op, "x");
  Shape xs = get_volume_shape(info, 1, op, "xShape");
  check_tensor(env, op, "x", x, xs, 5);
  BnTrainArgs a = get_bn_train_args(info, 2, op, xs);
  Pool3dGeom g = get_geom(info, xs, 5, op);
  auto fn = require_kernel<BatchNormReluMaxPoolTrainFn>(env, op, op, get_backend(info, 8, op));
  float *y, *mean, *invstd;
  int32_t* idx;
  Napi::Object result = new_pooled_result(env, g, &y, &idx);
  result.Set("mean", new_f32(env, xs[1], &mean));
  result.Set("invstd", new_f32(env, xs[1], &invstd));
  fn(g, x.Data(), ptr(a.gamma), ptr(a.beta), a.eps, y, idx, mean, invstd);
  return result;
}

// JS: (x, xShape, gamma | null, beta | null, runningMean, runningVar, eps, kernel, stride, padding, backend?)
//   -> { y, indices }
Napi::Value batch_norm_relu_max_pool_infer(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const char* op = kernels::kBatchNormReluMaxPoolInfer;
  auto x = get_f32(info, 0, op, "x");
  Shape xs = get_volume_shape(info, 1, op, "xShape");
  check_tensor(env, op, "x", x, xs, 5);
  BnInferArgs a = get_bn_infer_args(info, 2, op, xs);
  Pool3dGeom g = get_geom(info, xs, 7, op);
  auto fn = require_kernel<BatchNormReluMaxPoolInferFn>(env, op, op, get_backend(info, 10, op));
  float* y;
  int32_t* idx;
  Napi::Object result = new_pooled_result(env, g, &y, &idx);
  fn(g, x.Data(), ptr(a.gamma), ptr(a.beta), a.running_mean.Data(), a.running_var.Data(), a.eps, y, idx);
  return result;
}

// JS: (x, xShape, y, indices, dy, gamma | null, mean, invstd, kernel, stride, padding, backend?)
//   -> { dx, dgamma, dbeta }; y, indices from batchNormReluMaxPool3dTrain, dy of y's shape.
Napi::Value batch_norm_relu_max_pool_grad(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const char* op = kernels::kBatchNormReluMaxPoolGrad;
  auto x = get_f32(info, 0, op, "x");
  Shape xs = get_volume_shape(info, 1, op, "xShape");
  check_tensor(env, op, "x", x, xs, 5);
  auto y = get_f32(info, 2, op, "y");
  auto indices = get_i32(info, 3, op, "indices");
  auto dy = get_f32(info, 4, op, "dy");
  BnGradArgs a = get_bn_grad_args(info, 5, op, xs);
  Pool3dGeom g = get_geom(info, xs, 8, op);
  const Shape ys = out_shape(g);
  check_tensor(env, op, "y", y, ys, 5);
  check_tensor(env, op, "dy", dy, ys, 5);
  check_indices(env, op, indices, "the pooled shape", ys, g.in_plane());
  auto fn = require_kernel<BatchNormReluMaxPoolGradFn>(env, op, op, get_backend(info, 11, op));
  BnGradOutputs o = new_bn_grad_outputs(env, xs);
  fn(g, x.Data(), y.Data(), indices.Data(), dy.Data(), ptr(a.gamma), a.mean.Data(), a.invstd.Data(), o.dx, o.dgamma,
     o.dbeta);
  return o.result;
}

}  // namespace

void init_pool3d(Napi::Env env, Napi::Object exports) {
  exports.Set("maxPool3d", Napi::Function::New(env, max_pool3d, "maxPool3d"));
  exports.Set("maxPool3dGrad", Napi::Function::New(env, max_pool3d_grad, "maxPool3dGrad"));
  exports.Set("avgPool3d", Napi::Function::New(env, avg_pool3d, "avgPool3d"));
  exports.Set("avgPool3dGrad", Napi::Function::New(env, avg_pool3d_grad, "avgPool3dGrad"));
  exports.Set("globalAvgPool3d", Napi::Function::New(env, global_avg_pool3d, "globalAvgPool3d"));
  exports.Set("globalAvgPool3dGrad", Napi::Function::New(env, global_avg_pool3d_grad, "globalAvgPool3dGrad"));
  exports.Set("batchNormReluMaxPool3dTrain",
              Napi::Function::New(env, batch_norm_relu_max_pool_train, "batchNormReluMaxPool3dTrain"));
  exports.Set("batchNormReluMaxPool3dInfer",
              Napi::Function::New(env, batch_norm_relu_max_pool_infer, "batchNormReluMaxPool3dInfer"));
  exports.Set("batchNormReluMaxPool3dGrad",
              Napi::Function::New(env, batch_norm_relu_max_pool_grad, "batchNormReluMaxPool3dGrad"));
}

}  // namespace nodulab::binding

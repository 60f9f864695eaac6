// Binding for Conv3D, Conv3DBackpropInput and Conv3DBackpropFilter: validates shapes, strides,
// paddings and dilations from JS, then calls the registered kernel on plain pointers.
#include <string>
#include <vector>

#include "binding/common.h"
#include "binding/pool3d_args.h"
#include "ops/conv3d/conv3d_fused.h"
#include "ops/conv3d/conv3d.h"
#include "ops/kernel_names.h"

namespace nodulab::binding {
namespace {

// Reads a (d, h, w) triple of integers >= min.
void get_triple(const Napi::CallbackInfo& info, size_t i, const char* op, const char* name, int64_t min,
                int64_t out[3]) {
  Napi::Env env = info.Env();
  Shape t = get_shape(info, i, op, name);
  THROW_IF(t.size() != 3, name << " must have 3 entries (d, h, w), got " << shape_str(t));
  for (int a = 0; a < 3; ++a) {
    THROW_IF(t[a] < min, name << " entries must be >= " << min << ", got " << shape_str(t));
    out[a] = t[a];
  }
}

// Builds and checks the convolution geometry from x (N,Ci,D,H,W) and w (Co,Ci,kD,kH,kW) shapes and
// the stride / padding / dilation arguments at info[first..first+2].
Conv3DParams conv_params(const Napi::CallbackInfo& info, const char* op, const Shape& xs, const Shape& ws,
                         size_t first) {
  Napi::Env env = info.Env();
  THROW_IF(xs.size() != 5, "input shape must be 5-D (N, C, D, H, W), got " << shape_str(xs));
  THROW_IF(ws.size() != 5, "weight shape must be 5-D (Co, Ci, kD, kH, kW), got " << shape_str(ws));
  for (int a = 0; a < 5; ++a) {
    THROW_IF(xs[a] < 1, "input shape " << shape_str(xs) << " has a zero dimension");
    THROW_IF(ws[a] < 1, "weight shape " << shape_str(ws) << " has a zero dimension");
  }
  THROW_IF(xs[1] != ws[1], "input has " << xs[1] << " channels but weight " << shape_str(ws) << " expects "
                                        << ws[1] << " (input shape " << shape_str(xs) << ")");
  Conv3DParams p;
  p.N = xs[0], p.Ci = xs[1], p.D = xs[2], p.H = xs[3], p.W = xs[4];
  p.Co = ws[0], p.kD = ws[2], p.kH = ws[3], p.kW = ws[4];
  get_triple(info, first, op, "stride", 1, p.stride);
  get_triple(info, first + 1, op, "padding", 0, p.padding);
  get_triple(info, first + 2, op, "dilation", 1, p.dilation);
  const int64_t in[3] = {p.D, p.H, p.W}, k[3] = {p.kD, p.kH, p.kW};
  for (int a = 0; a < 3; ++a) {
    THROW_IF(in[a] + 2 * p.padding[a] < p.dilation[a] * (k[a] - 1) + 1,
             "kernel " << shape_str(ws) << " (dilation " << p.dilation[a] << ") is larger than the padded input "
                       << shape_str(xs) << " with padding " << p.padding[a]);
  }
  set_conv3d_output(p);
  THROW_IF(p.N * p.Co * p.P() > (int64_t(1) << 34), "output too large");
  return p;
}

Shape out_shape(const Conv3DParams& p) { return {p.N, p.Co, p.oD, p.oH, p.oW}; }

// conv_params for a gradient, also checking that dyShape dys is the output shape of input xs by weight ws.
Conv3DParams conv_grad_params(const Napi::CallbackInfo& info, const char* op, const Shape& xs, const Shape& ws,
                              const Shape& dys) {
  Napi::Env env = info.Env();
  const Conv3DParams p = conv_params(info, op, xs, ws, 5);
  THROW_IF(dys != out_shape(p), "dy shape " << shape_str(dys) << " does not match the output shape "
                                             << shape_str(out_shape(p)) << " of input " << shape_str(xs)
                                             << " and weight " << shape_str(ws));
  return p;
}

// A gradient's leading arguments: arrays a, b with their shapes (<a>Shape, <b>Shape) at info[0..3] and the
// shape `shape` at info[4].
struct GradOperands {
  TensorArg a, b;
  Shape shape;
};
GradOperands get_grad_operands(const Napi::CallbackInfo& info, const char* op, const char* a, const char* b,
                               const char* shape) {
  GradOperands o;
  o.a = get_tensor(info, 0, op, a, (std::string(a) + "Shape").c_str(), get_shape);
  o.b = get_tensor(info, 2, op, b, (std::string(b) + "Shape").c_str(), get_shape);
  o.shape = get_shape(info, 4, op, shape);
  return o;
}

// JS: (x, xShape, w, wShape, b | null, stride, padding, dilation, backend?) -> y
Napi::Value conv3d(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const char* op = "conv3d";
  const TensorArg x = get_tensor(info, 0, op, "x", "xShape", get_shape);
  const TensorArg w = get_tensor(info, 2, op, "w", "wShape", get_shape);
  auto b = get_optional_f32(info, 4, op, "b");
  const Conv3DParams p = conv_params(info, op, x.shape, w.shape, 5);
  THROW_IF(!b.IsEmpty() && static_cast<int64_t>(b.ElementLength()) != p.Co,
           "bias has " << b.ElementLength() << " elements but weight " << shape_str(w.shape) << " has " << p.Co
                       << " output channels");
  auto fn = require_kernel<Conv3DFn>(env, op, kernels::kConv3D, get_backend(info, 8, op));
  return filled_f32(env, p.N * p.Co * p.P(), [&](float* y) { fn(p, x.data.Data(), w.data.Data(), ptr(b), y); });
}

// JS: (dy, dyShape, w, wShape, xShape, stride, padding, dilation, backend?) -> dx
Napi::Value conv3d_backprop_input(const Napi::CallbackInfo& info) {
  const char* op = "conv3dBackpropInput";
  const GradOperands dy_w_xs = get_grad_operands(info, op, "dy", "w", "xShape");
  const TensorArg &dy = dy_w_xs.a, &w = dy_w_xs.b;
  const Conv3DParams p = conv_grad_params(info, op, dy_w_xs.shape, w.shape, dy.shape);
  auto fn = require_kernel<Conv3DBackpropInputFn>(info.Env(), op, kernels::kConv3DBackpropInput, get_backend(info, 8, op));
  return filled_f32(info.Env(), numel(dy_w_xs.shape), [&](float* dx) { fn(p, dy.data.Data(), w.data.Data(), dx); });
}

// JS: (x, xShape, dy, dyShape, wShape, stride, padding, dilation, withBias, backend?) -> { dw, db }
Napi::Value conv3d_backprop_filter(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const char* op = "conv3dBackpropFilter";
  const GradOperands x_dy_ws = get_grad_operands(info, op, "x", "dy", "wShape");
  const TensorArg &x = x_dy_ws.a, &dy = x_dy_ws.b;
  const Shape& ws = x_dy_ws.shape;
  const Conv3DParams p = conv_grad_params(info, op, x.shape, ws, dy.shape);
  const bool with_bias = get_bool(info, 8, op, "withBias");
  auto fn = require_kernel<Conv3DBackpropFilterFn>(env, op, kernels::kConv3DBackpropFilter, get_backend(info, 9, op));
  float *dw, *db = nullptr;
  auto dw_arr = new_f32(env, numel(ws), &dw);
  Napi::Value db_arr = with_bias ? Napi::Value(new_f32(env, p.Co, &db)) : env.Null();
  fn(p, x.data.Data(), dy.data.Data(), dw, db);
  return new_object(env, {{"dw", dw_arr}, {"db", db_arr}});
}

// JS: (x, xShape, w, wShape, b | null, mean, var, gamma | null, beta | null, eps, stride, padding, dilation,
//      poolKernel | null, poolStride, poolPadding, backend?) -> y
// Inference only: maxpool(relu(batchNorm(conv(x, w) + b))) with the BatchNorm's running statistics
// folded into the conv; no pool when poolKernel is null.
Napi::Value conv3d_bn_relu_max_pool_infer(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const char* op = "conv3dBnReluMaxPoolInfer";
  const TensorArg x = get_tensor(info, 0, op, "x", "xShape", get_shape);
  const TensorArg w = get_tensor(info, 2, op, "w", "wShape", get_shape);
  const Conv3DParams p = conv_params(info, op, x.shape, w.shape, 10);
  auto b = get_optional_f32(info, 4, op, "b");
  auto mean = get_f32(info, 5, op, "mean"), var = get_f32(info, 6, op, "var");
  auto gamma = get_optional_f32(info, 7, op, "gamma"), beta = get_optional_f32(info, 8, op, "beta");
  const struct {
    const char* name;
    Napi::Float32Array a;
  } per_channel[] = {{"b", b}, {"mean", mean}, {"var", var}, {"gamma", gamma}, {"beta", beta}};
  for (const auto& c : per_channel)
    THROW_IF(!c.a.IsEmpty() && static_cast<int64_t>(c.a.ElementLength()) != p.Co,
             c.name << " has " << c.a.ElementLength() << " elements but weight " << shape_str(w.shape) << " has "
                    << p.Co << " output channels");
  const double eps = get_number(info, 9, op, "eps");
  THROW_IF(!(eps >= 0), "eps must be >= 0, got " << eps);
  Pool3dGeom g{};
  const bool pooled = !info[13].IsNull() && !info[13].IsUndefined();
  if (pooled) g = get_pool_geom(info, {p.N, p.Co, p.oD, p.oH, p.oW}, 13, op);
  auto fn = require_kernel<Conv3DReluMaxPoolFn>(env, op, kernels::kConv3DReluMaxPool, get_backend(info, 16, op));
  std::vector<float> wf(w.data.ElementLength()), bf(p.Co);
  fold_batchnorm(p.Co, p.K(), w.data.Data(), ptr(b), mean.Data(), var.Data(), ptr(gamma), ptr(beta), eps, wf.data(),
                 bf.data());
  const int64_t n = pooled ? g.n * g.c * g.out_plane() : p.N * p.Co * p.P();
  return filled_f32(env, n, [&](float* y) { fn(p, x.data.Data(), wf.data(), bf.data(), pooled ? &g : nullptr, y); });
}

}  // namespace

void init_conv3d(Napi::Env env, Napi::Object exports) {
  export_bindings(env, exports,
                  {{"conv3d", conv3d}, {"conv3dBackpropInput", conv3d_backprop_input},
                   {"conv3dBackpropFilter", conv3d_backprop_filter},
                   {"conv3dBnReluMaxPoolInfer", conv3d_bn_relu_max_pool_infer}});
}

}  // namespace nodulab::binding

// Binding for the generator's noise kernels: fillNormal, addCorrelatedNoise and addValueNoise. They
// write into arrays the caller owns (the generator reuses its buffers), so each returns undefined.
#include <cmath>

#include "binding/common.h"
#include "ops/kernel_names.h"
#include "ops/noise/noise.h"

namespace nodulab::binding {
namespace {

// A (d, h, w) volume shape with every dim >= 1.
Shape get_volume_shape(const Napi::CallbackInfo& info, size_t i, const char* op, const char* name) {
  Napi::Env env = info.Env();
  Shape s = get_shape(info, i, op, name);
  THROW_IF(s.size() != 3, name << " must be (D, H, W), got " << shape_str(s));
  THROW_IF(s[0] < 1 || s[1] < 1 || s[2] < 1 || numel(s) < 0, name << " must have sizes >= 1, got " << shape_str(s));
  return s;
}

// Throws when the two arrays share memory (the kernels read one while writing the other).
void check_disjoint(Napi::Env env, const char* op, const char* a_name, const Napi::Float32Array& a, const char* b_name,
                    const Napi::Float32Array& b) {
  const float *a0 = a.Data(), *b0 = b.Data();
  const bool overlap = a.ElementLength() > 0 && b.ElementLength() > 0 && a0 < b0 + b.ElementLength() && b0 < a0 + a.ElementLength();
  THROW_IF(overlap, a_name << " and " << b_name << " must not share memory");
}

// JS: (out, seed: [4 uint32], table: Float32Array(65536), scale, backend?) -> undefined; fills out.
Napi::Value fill_normal(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const char* op = kernels::kFillNormal;
  auto out = get_f32(info, 0, op, "out");
  Shape seed = get_shape(info, 1, op, "seed");
  THROW_IF(seed.size() != 4, "seed must hold 4 integers, got " << seed.size());
  uint32_t s[4];
  for (int k = 0; k < 4; ++k) {
    THROW_IF(seed[k] > 0xffffffffLL, "seed[" << k << "] must be below 2^32, got " << seed[k]);
    s[k] = static_cast<uint32_t>(seed[k]);
  }
  auto table = get_f32(info, 2, op, "table");
  THROW_IF(static_cast<int64_t>(table.ElementLength()) != kNormalTableSize,
           "table must hold " << kNormalTableSize << " values, got " << table.ElementLength());
  check_disjoint(env, op, "out", out, "table", table);
  const double scale = get_number(info, 3, op, "scale");
  auto fn = kernel_at<FillNormalFn>(info, 4, op);
  fn(out.ElementLength(), s, table.Data(), scale, out.Data());
  return env.Undefined();
}

// Reads a 1-D filter of 1..255 taps.
Napi::Float32Array get_taps(const Napi::CallbackInfo& info, size_t i, const char* op, const char* name) {
  Napi::Env env = info.Env();
  auto k = get_f32(info, i, op, name);
  THROW_IF(k.ElementLength() < 1 || k.ElementLength() > 255, name << " must hold 1 to 255 taps, got " << k.ElementLength());
  return k;
}

// JS: (hu, shape: [D, H, W], white, ky, kx, scale, backend?) -> undefined; adds into hu.
// white: (D, H + ky.length - 1, W + kx.length - 1).
Napi::Value add_correlated_noise(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const char* op = kernels::kAddCorrelatedNoise;
  TensorArg hu_arg = get_tensor(info, 0, op, "hu", "shape", get_volume_shape);
  Napi::Float32Array& hu = hu_arg.data;
  const Shape& s = hu_arg.shape;
  auto white = get_f32(info, 2, op, "white");
  auto ky = get_taps(info, 3, op, "ky");
  auto kx = get_taps(info, 4, op, "kx");
  const int64_t ky_len = ky.ElementLength(), kx_len = kx.ElementLength();
  check_tensor(env, op, "white", white, {s[0], s[1] + ky_len - 1, s[2] + kx_len - 1}, 3);
  const double scale = get_number(info, 5, op, "scale");
  check_disjoint(env, op, "hu", hu, "white", white);
  check_disjoint(env, op, "hu", hu, "ky", ky);
  check_disjoint(env, op, "hu", hu, "kx", kx);
  auto fn = kernel_at<AddCorrelatedNoiseFn>(info, 6, op);
  fn(s[0], s[1], s[2], white.Data(), ky_len, ky.Data(), kx_len, kx.Data(), static_cast<float>(scale), hu.Data());
  return env.Undefined();
}

// JS: (out, shape: [D, H, W], lattice, latticeShape: [gz, gy, gx], step: [sz, sy, sx], backend?) -> undefined;
// adds into out. Each axis needs floor((n - 1) * step) + 2 lattice points.
Napi::Value add_value_noise(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const char* op = kernels::kAddValueNoise;
  TensorArg out = get_tensor(info, 0, op, "out", "shape", get_volume_shape);
  const TensorArg lattice = get_tensor(info, 2, op, "lattice", "latticeShape", get_volume_shape);
  const Shape &s = out.shape, &g = lattice.shape;
  check_disjoint(env, op, "out", out.data, "lattice", lattice.data);
  const std::vector<Napi::Value>& step_arr = get_array(info, 4, op, "step", "an array of 3 numbers");
  THROW_IF(step_arr.size() != 3, "step must be an array of 3 numbers");
  double step[3];
  for (uint32_t k = 0; k < 3; ++k) {
    const Napi::Value& v = step_arr[k];
    THROW_IF(!v.IsNumber(), "step[" << k << "] must be a number");
    step[k] = v.As<Napi::Number>().DoubleValue();
    THROW_IF(!(step[k] >= 0) || !std::isfinite(step[k]), "step[" << k << "] must be finite and >= 0, got " << step[k]);
    // Compare in double first so a huge step cannot overflow the integer cell index.
    THROW_IF(static_cast<double>(s[k] - 1) * step[k] + 2 > static_cast<double>(g[k]) + 1 ||
                 value_noise_cells(s[k], step[k]) > g[k],
             "latticeShape " << shape_str(g) << " is too small for shape " << shape_str(s) << " at step[" << k
                             << "] = " << step[k] << " (axis " << k << " needs " << "floor((n - 1) * step) + 2 points)");
  }
  auto fn = kernel_at<AddValueNoiseFn>(info, 5, op);
  fn(s[0], s[1], s[2], lattice.data.Data(), g[0], g[1], g[2], step[0], step[1], step[2], out.data.Data());
  return env.Undefined();
}

}  // namespace

void init_noise(Napi::Env env, Napi::Object exports) {
  export_bindings(env, exports, {{"fillNormal", fill_normal}, {"addCorrelatedNoise", add_correlated_noise},
                                 {"addValueNoise", add_value_noise}});
}

}  // namespace nodulab::binding

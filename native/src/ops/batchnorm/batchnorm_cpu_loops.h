// The per-segment loops of the batch-norm CPU kernels, written once and compiled per ISA: included
// by batchnorm_cpu.cc (baseline), batchnorm_cpu_avx2.cc and batchnorm_cpu_avx512.cc. Internal
// linkage on purpose: each ISA's object keeps its own copy. Sums use independent double vector
// lanes (no reassociation by the compiler) added up in a fixed order.
#pragma once
#include <cstdint>

#include "ops/batchnorm/batchnorm.h"

namespace nodulab {
namespace {

// GCC/Clang vector types sized to the including ISA's registers (NODULAB_BN_VECTOR_BYTES: 16 for
// the baseline, 32 for AVX2, 64 for AVX-512), so each compile keeps its accumulators in registers.
#ifndef NODULAB_BN_VECTOR_BYTES
#define NODULAB_BN_VECTOR_BYTES 16
#endif
constexpr int kVd = NODULAB_BN_VECTOR_BYTES / 8;  // doubles per vector
typedef double Vd __attribute__((vector_size(NODULAB_BN_VECTOR_BYTES)));
typedef float Vf __attribute__((vector_size(NODULAB_BN_VECTOR_BYTES / 2)));

// Widens x[0..kVd) to doubles (by reference: no vector-ABI dependence between ISAs).
inline void load_vd(const float* p, Vd& out) {
  Vf v;
  __builtin_memcpy(&v, p, sizeof(v));
  out = __builtin_convertvector(v, Vd);
}

// Adds the lanes of v in a fixed order.
inline double lane_sum(const Vd& v) {
  double t = 0;
  for (int j = 0; j < kVd; ++j) t += v[j];
  return t;
}

inline void splat(double v, Vd& out) {
  for (int j = 0; j < kVd; ++j) out[j] = v;
}

void bn_moments(const float* x, int64_t len, double shift, double* s1, double* s2) {
  Vd sh;
  splat(shift, sh);
  Vd a1 = {}, b1 = {}, a2 = {}, b2 = {};  // two independent accumulators per sum
  int64_t i = 0;
  for (; i + 2 * kVd <= len; i += 2 * kVd) {
    Vd da, db;
    load_vd(x + i, da);
    load_vd(x + i + kVd, db);
    da -= sh;
    db -= sh;
    a1 += da;
    b1 += db;
    a2 += da * da;
    b2 += db * db;
  }
  double t1 = lane_sum(a1) + lane_sum(b1), t2 = lane_sum(a2) + lane_sum(b2);
  for (; i < len; ++i) {
    const double d = static_cast<double>(x[i]) - shift;
    t1 += d;
    t2 += d * d;
  }
  *s1 = t1;
  *s2 = t2;
}

// sdy = sum g, sdyx = sum g * (x - mean) with g = dy, or with Masked g = (y > 0 ? dy : 0) (the
// fused ReLU's mask; y is unused otherwise).
template <bool Masked>
void grad_sums(const float* x, const float* y, const float* dy, int64_t len, double mean, double* sdy, double* sdyx) {
  Vd mu, zero = {};
  splat(mean, mu);
  Vd a1 = {}, b1 = {}, a2 = {}, b2 = {};
  int64_t i = 0;
  for (; i + 2 * kVd <= len; i += 2 * kVd) {
    Vd ga, gb, xa, xb, ya, yb;
    load_vd(dy + i, ga);
    load_vd(dy + i + kVd, gb);
    if constexpr (Masked) {
      load_vd(y + i, ya);
      load_vd(y + i + kVd, yb);
    }
    load_vd(x + i, xa);
    load_vd(x + i + kVd, xb);
    if constexpr (Masked) {
      ga = ya > zero ? ga : zero;
      gb = yb > zero ? gb : zero;
    }
    a1 += ga;
    b1 += gb;
    a2 += ga * (xa - mu);
    b2 += gb * (xb - mu);
  }
  double t1 = lane_sum(a1) + lane_sum(b1), t2 = lane_sum(a2) + lane_sum(b2);
  for (; i < len; ++i) {
    double g;
    if constexpr (Masked)
      g = y[i] > 0.f ? dy[i] : 0.f;
    else
      g = dy[i];
    t1 += g;
    t2 += g * (static_cast<double>(x[i]) - mean);
  }
  *sdy = t1;
  *sdyx = t2;
}

void bn_grad_sums(const float* x, const float* dy, int64_t len, double mean, double* sdy, double* sdyx) {
  grad_sums<false>(x, nullptr, dy, len, mean, sdy, sdyx);
}

void bn_affine(const float* x, int64_t len, float center, float scale, float shift, float* y) {
  for (int64_t i = 0; i < len; ++i) y[i] = (x[i] - center) * scale + shift;
}

void bn_grad_map(const float* x, const float* dy, int64_t len, float center, float k, float kx, float k0, float* dx) {
  for (int64_t i = 0; i < len; ++i) dx[i] = k * dy[i] + kx * (x[i] - center) + k0;
}

void bn_affine_relu(const float* x, int64_t len, float center, float scale, float shift, float* y) {
  for (int64_t i = 0; i < len; ++i) {
    const float v = (x[i] - center) * scale + shift;
    y[i] = (v > 0.f || v != v) ? v : 0.f;  // the select form vectorizes; NaN kept
  }
}

void bn_masked_grad_sums(const float* x, const float* y, const float* dy, int64_t len, double mean, double* sdy,
                         double* sdyx) {
  grad_sums<true>(x, y, dy, len, mean, sdy, sdyx);
}

void bn_masked_grad_map(const float* x, const float* y, const float* dy, int64_t len, float center, float k, float kx,
                        float k0, float* dx) {
  for (int64_t i = 0; i < len; ++i) {
    const float g = dy[i];  // unconditional load: the select vectorizes
    dx[i] = k * (y[i] > 0.f ? g : 0.f) + kx * (x[i] - center) + k0;
  }
}

constexpr BatchNormLoops kBatchNormLoops = {&bn_moments,     &bn_grad_sums,        &bn_affine,         &bn_grad_map,
                                            &bn_affine_relu, &bn_masked_grad_sums, &bn_masked_grad_map};

}  // namespace
}  // namespace nodulab

// One z slice of the fast AddCorrelatedNoise, portable C++ (the baseline ISA; noise_cpu_simd.h
// vectorizes the same arithmetic for AVX2 and AVX-512): each output is a chain of std::fma in tap
// order (first tap a plain product), so every ISA gives the same bits.
#pragma once
#include <cmath>
#include <cstdint>

#include "ops/noise/noise.h"

namespace nodulab {
namespace {

// white: (h + ky_len - 1, w + kx_len - 1) of one slice, hu: (h, w) of the same slice;
// scratch: (w + kx_len - 1) floats.
void correlated_slice(int64_t h, int64_t w, const float* __restrict white, int64_t ky_len,
                      const float* __restrict ky, int64_t kx_len, const float* __restrict kx, float scale,
                      float* __restrict scratch, float* __restrict hu) {
  const int64_t wp = w + kx_len - 1;
  float* __restrict col = scratch;  // (wp): filtered along y
  for (int64_t y = 0; y < h; ++y) {
    const float* __restrict src = white + y * wp;
    for (int64_t x = 0; x < wp; ++x) {
      float acc = ky[0] * src[x];
      for (int64_t i = 1; i < ky_len; ++i) acc = std::fma(ky[i], src[i * wp + x], acc);
      col[x] = acc;
    }
    float* __restrict dst = hu + y * w;
    for (int64_t x = 0; x < w; ++x) {
      float acc = kx[0] * col[x];
      for (int64_t j = 1; j < kx_len; ++j) acc = std::fma(kx[j], col[x + j], acc);
      dst[x] = std::fma(scale, acc, dst[x]);
    }
  }
}

}  // namespace
}  // namespace nodulab

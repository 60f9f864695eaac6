// One z slice of AddCorrelatedNoise, vectorized, written once and compiled per ISA: included by
// noise_cpu_avx2.cc (NODULAB_VECTOR_BYTES 32) and noise_cpu_avx512.cc (64) over core/simd_x86.h and
// the masked loads below. Every tap is accumulated in the register by a vector FMA in tap order (masked
// loads/stores for the row tails), so the bits equal the scalar std::fma chain of noise_cpu_loops.h.
#pragma once
#include "core/simd_x86.h"
#include "ops/noise/noise.h"

namespace nodulab {
namespace {

#if NODULAB_VECTOR_BYTES == 64
using Mask = __mmask16;
// Lanes [0, left) on (none when left <= 0, all when left >= 16).
inline Mask tail_mask(int64_t left) {
  return left >= 16 ? Mask(0xffff) : left <= 0 ? Mask(0) : Mask((1u << left) - 1u);
}
inline Vf load(const float* p, Mask m) { return _mm512_maskz_loadu_ps(m, p); }
inline void store(float* p, Mask m, Vf v) { _mm512_mask_storeu_ps(p, m, v); }
#else
using Mask = __m256i;
// Lanes [0, left) on (none when left <= 0, all when left >= 8).
inline Mask tail_mask(int64_t left) {
  const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(left < 0 ? 0 : left < 8 ? left : 8)), lanes);
}
inline Vf load(const float* p, Mask m) { return _mm256_maskload_ps(p, m); }
inline void store(float* p, Mask m, Vf v) { _mm256_maskstore_ps(p, m, v); }
#endif

// dst[x] (x < n) = sum_t k[t] * src[t * stride + x] as a tap-ordered FMA chain, 4 * kLanes columns at
// a time in four independent accumulators (a single chain would be bound by the FMA latency); with
// `add`, dst[x] = fma(scale, sum, dst[x]) instead.
void filter_row(int64_t n, const float* src, int64_t stride, const float* k, int64_t taps, bool add, Vf scale,
                float* dst) {
  constexpr int64_t L = kLanes;
  for (int64_t x = 0; x < n; x += 4 * L) {
    const Mask m0 = tail_mask(n - x), m1 = tail_mask(n - x - L), m2 = tail_mask(n - x - 2 * L),
               m3 = tail_mask(n - x - 3 * L);
    const float* s = src + x;
    const Vf k0 = splat(k[0]);
    Vf a0 = mul(k0, load(s, m0)), a1 = mul(k0, load(s + L, m1));
    Vf a2 = mul(k0, load(s + 2 * L, m2)), a3 = mul(k0, load(s + 3 * L, m3));
    for (int64_t t = 1; t < taps; ++t) {
      const Vf kt = splat(k[t]);
      const float* st = s + t * stride;
      a0 = fmadd(kt, load(st, m0), a0);
      a1 = fmadd(kt, load(st + L, m1), a1);
      a2 = fmadd(kt, load(st + 2 * L, m2), a2);
      a3 = fmadd(kt, load(st + 3 * L, m3), a3);
    }
    float* d = dst + x;
    if (add) {
      a0 = fmadd(scale, a0, load(d, m0));
      a1 = fmadd(scale, a1, load(d + L, m1));
      a2 = fmadd(scale, a2, load(d + 2 * L, m2));
      a3 = fmadd(scale, a3, load(d + 3 * L, m3));
    }
    store(d, m0, a0);
    store(d + L, m1, a1);
    store(d + 2 * L, m2, a2);
    store(d + 3 * L, m3, a3);
  }
}

// white: (h + ky_len - 1, w + kx_len - 1) of one slice, hu: (h, w) of the same slice;
// scratch: (w + kx_len - 1) floats.
void correlated_slice_simd(int64_t h, int64_t w, const float* white, int64_t ky_len, const float* ky,
                           int64_t kx_len, const float* kx, float scale, float* scratch, float* hu) {
  const int64_t wp = w + kx_len - 1;
  const Vf vscale = splat(scale);
  for (int64_t y = 0; y < h; ++y) {
    filter_row(wp, white + y * wp, wp, ky, ky_len, false, vscale, scratch);  // along y: scratch (wp)
    filter_row(w, scratch, 1, kx, kx_len, true, vscale, hu + y * w);        // along x, into hu
  }
}

}  // namespace
}  // namespace nodulab

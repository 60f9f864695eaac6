// One z slice of AddCorrelatedNoise with AVX-512: 16 columns per register, every tap accumulated in
// the register by _mm512_fmadd_ps in tap order (masked loads for the row tails), so the bits equal the
// scalar std::fma chain of noise_cpu_loops.h.
#include <immintrin.h>

#include "ops/noise/noise.h"

namespace nodulab {
namespace {

// Lanes [0, left) on (none when left <= 0, all when left >= 16).
__mmask16 tail_mask(int64_t left) {
  return left >= 16 ? __mmask16(0xffff) : left <= 0 ? __mmask16(0) : __mmask16((1u << left) - 1u);
}

// dst[x] (x < n) = sum_t k[t] * src[t * stride + x] as a tap-ordered FMA chain, 64 columns at a time
// in four independent accumulators (a single chain would be bound by the FMA latency); with `add`,
// dst[x] = fma(scale, sum, dst[x]) instead.
void filter_row(int64_t n, const float* src, int64_t stride, const float* k, int64_t taps, bool add, __m512 scale,
                float* dst) {
  for (int64_t x = 0; x < n; x += 64) {
    const __mmask16 m0 = tail_mask(n - x), m1 = tail_mask(n - x - 16), m2 = tail_mask(n - x - 32), m3 = tail_mask(n - x - 48);
    const float* s = src + x;
    __m512 k0 = _mm512_set1_ps(k[0]);
    __m512 a0 = _mm512_mul_ps(k0, _mm512_maskz_loadu_ps(m0, s)), a1 = _mm512_mul_ps(k0, _mm512_maskz_loadu_ps(m1, s + 16));
    __m512 a2 = _mm512_mul_ps(k0, _mm512_maskz_loadu_ps(m2, s + 32)), a3 = _mm512_mul_ps(k0, _mm512_maskz_loadu_ps(m3, s + 48));
    for (int64_t t = 1; t < taps; ++t) {
      const __m512 kt = _mm512_set1_ps(k[t]);
      const float* st = s + t * stride;
      a0 = _mm512_fmadd_ps(kt, _mm512_maskz_loadu_ps(m0, st), a0);
      a1 = _mm512_fmadd_ps(kt, _mm512_maskz_loadu_ps(m1, st + 16), a1);
      a2 = _mm512_fmadd_ps(kt, _mm512_maskz_loadu_ps(m2, st + 32), a2);
      a3 = _mm512_fmadd_ps(kt, _mm512_maskz_loadu_ps(m3, st + 48), a3);
    }
    float* d = dst + x;
    if (add) {
      a0 = _mm512_fmadd_ps(scale, a0, _mm512_maskz_loadu_ps(m0, d));
      a1 = _mm512_fmadd_ps(scale, a1, _mm512_maskz_loadu_ps(m1, d + 16));
      a2 = _mm512_fmadd_ps(scale, a2, _mm512_maskz_loadu_ps(m2, d + 32));
      a3 = _mm512_fmadd_ps(scale, a3, _mm512_maskz_loadu_ps(m3, d + 48));
    }
    _mm512_mask_storeu_ps(d, m0, a0);
    _mm512_mask_storeu_ps(d + 16, m1, a1);
    _mm512_mask_storeu_ps(d + 32, m2, a2);
    _mm512_mask_storeu_ps(d + 48, m3, a3);
  }
}

void correlated_slice(int64_t h, int64_t w, const float* white, int64_t ky_len, const float* ky, int64_t kx_len,
                      const float* kx, float scale, float* scratch, float* hu) {
  const int64_t wp = w + kx_len - 1;
  const __m512 vscale = _mm512_set1_ps(scale);
  for (int64_t y = 0; y < h; ++y) {
    filter_row(wp, white + y * wp, wp, ky, ky_len, false, vscale, scratch);  // along y: scratch (wp)
    filter_row(w, scratch, 1, kx, kx_len, true, vscale, hu + y * w);        // along x, into hu
  }
}

}  // namespace

CorrelatedSliceFn correlated_slice_avx512() { return &correlated_slice; }

}  // namespace nodulab

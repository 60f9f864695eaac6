// One z slice of AddCorrelatedNoise with AVX2 + FMA: 8 columns per register, every tap accumulated in
// the register by _mm256_fmadd_ps in tap order (masked loads/stores for the row tails), so the bits
// equal the scalar std::fma chain of noise_cpu_loops.h.
#include <immintrin.h>

#include "ops/noise/noise.h"

namespace nodulab {
namespace {

// Lanes [0, left) on (none when left <= 0, all when left >= 8).
__m256i tail_mask(int64_t left) {
  const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(left < 0 ? 0 : left < 8 ? left : 8)), lanes);
}

// dst[x] (x < n) = sum_t k[t] * src[t * stride + x] as a tap-ordered FMA chain, 32 columns at a time
// in four independent accumulators (a single chain would be bound by the FMA latency); with `add`,
// dst[x] = fma(scale, sum, dst[x]) instead.
void filter_row(int64_t n, const float* src, int64_t stride, const float* k, int64_t taps, bool add, __m256 scale,
                float* dst) {
  for (int64_t x = 0; x < n; x += 32) {
    const __m256i m0 = tail_mask(n - x), m1 = tail_mask(n - x - 8), m2 = tail_mask(n - x - 16), m3 = tail_mask(n - x - 24);
    const float* s = src + x;
    __m256 k0 = _mm256_set1_ps(k[0]);
    __m256 a0 = _mm256_mul_ps(k0, _mm256_maskload_ps(s, m0)), a1 = _mm256_mul_ps(k0, _mm256_maskload_ps(s + 8, m1));
    __m256 a2 = _mm256_mul_ps(k0, _mm256_maskload_ps(s + 16, m2)), a3 = _mm256_mul_ps(k0, _mm256_maskload_ps(s + 24, m3));
    for (int64_t t = 1; t < taps; ++t) {
      const __m256 kt = _mm256_set1_ps(k[t]);
      const float* st = s + t * stride;
      a0 = _mm256_fmadd_ps(kt, _mm256_maskload_ps(st, m0), a0);
      a1 = _mm256_fmadd_ps(kt, _mm256_maskload_ps(st + 8, m1), a1);
      a2 = _mm256_fmadd_ps(kt, _mm256_maskload_ps(st + 16, m2), a2);
      a3 = _mm256_fmadd_ps(kt, _mm256_maskload_ps(st + 24, m3), a3);
    }
    float* d = dst + x;
    if (add) {
      a0 = _mm256_fmadd_ps(scale, a0, _mm256_maskload_ps(d, m0));
      a1 = _mm256_fmadd_ps(scale, a1, _mm256_maskload_ps(d + 8, m1));
      a2 = _mm256_fmadd_ps(scale, a2, _mm256_maskload_ps(d + 16, m2));
      a3 = _mm256_fmadd_ps(scale, a3, _mm256_maskload_ps(d + 24, m3));
    }
    _mm256_maskstore_ps(d, m0, a0);
    _mm256_maskstore_ps(d + 8, m1, a1);
    _mm256_maskstore_ps(d + 16, m2, a2);
    _mm256_maskstore_ps(d + 24, m3, a3);
  }
}

void correlated_slice(int64_t h, int64_t w, const float* white, int64_t ky_len, const float* ky, int64_t kx_len,
                      const float* kx, float scale, float* scratch, float* hu) {
  const int64_t wp = w + kx_len - 1;
  const __m256 vscale = _mm256_set1_ps(scale);
  for (int64_t y = 0; y < h; ++y) {
    filter_row(wp, white + y * wp, wp, ky, ky_len, false, vscale, scratch);  // along y: scratch (wp)
    filter_row(w, scratch, 1, kx, kx_len, true, vscale, hu + y * w);        // along x, into hu
  }
}

}  // namespace

CorrelatedSliceFn correlated_slice_avx2() { return &correlated_slice; }

}  // namespace nodulab

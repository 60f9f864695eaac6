// The GEMM microkernels compiled for AVX-512 (16-float zmm vectors): AB tile 8 x 48, AtB tile 12 x 32
// (narrow: 12 x 16), the AB tile over half-vector runs, and a register-shuffle 16 x 16 transpose.
#include <immintrin.h>

#include <cstdint>

#include "core/simd_traits.h"
#include "ops/matmul/gemm_microkernel.h"

namespace nodulab::gemm {
namespace {
NODULAB_X86_VEC(VecAvx512Base, __m512, 16, _mm512);
struct VecAvx512 : VecAvx512Base {
  // Lanes 0..7 from lo, 8..15 from hi: a merge-masked load from 8 floats before hi, whose masked-off
  // lanes are never read (the address is formed as an integer: it may precede the buffer).
  static reg loadu_halves(const float* lo, const float* hi) {
    const auto* base = reinterpret_cast<const float*>(reinterpret_cast<uintptr_t>(hi) - 8 * sizeof(float));
    return _mm512_mask_loadu_ps(_mm512_castps256_ps512(_mm256_loadu_ps(lo)), 0xFF00, base);
  }
};

// GCC 12's unpack intrinsics pass an "undefined" vector that -Wmaybe-uninitialized reports.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

// Transposes the 16 x 16 block held in r[0..16) (row i in r[i]) in registers.
inline void transpose16(__m512* r) {
  __m512 t[16], u[16];
  for (int i = 0; i < 8; ++i) {  // interleave row pairs: 2 x 2 blocks
    t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
  }
  for (int i = 0; i < 4; ++i) {  // 4 x 4 blocks
    const __m512d a = _mm512_castps_pd(t[4 * i]), b = _mm512_castps_pd(t[4 * i + 1]);
    const __m512d c = _mm512_castps_pd(t[4 * i + 2]), d = _mm512_castps_pd(t[4 * i + 3]);
    u[4 * i] = _mm512_castpd_ps(_mm512_unpacklo_pd(a, c));
    u[4 * i + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a, c));
    u[4 * i + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(b, d));
    u[4 * i + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(b, d));
  }
  for (int h = 0; h < 2; ++h)  // 8 x 8 blocks: 128-bit lanes
    for (int j = 0; j < 4; ++j) {
      t[8 * h + j] = _mm512_shuffle_f32x4(u[8 * h + j], u[8 * h + 4 + j], 0x88);
      t[8 * h + 4 + j] = _mm512_shuffle_f32x4(u[8 * h + j], u[8 * h + 4 + j], 0xdd);
    }
  for (int j = 0; j < 8; ++j) {  // 16 x 16
    r[j] = _mm512_shuffle_f32x4(t[j], t[8 + j], 0x88);
    r[8 + j] = _mm512_shuffle_f32x4(t[j], t[8 + j], 0xdd);
  }
}

// dst[c*ldd + r] = src[r*lds + c] in 16 x 16 register blocks; edges through masked loads and stores.
void transpose_avx512(const float* src, int64_t lds, int64_t rows, int64_t cols, float* dst, int64_t ldd) {
  for (int64_t r0 = 0; r0 < rows; r0 += 16) {
    const int nr = static_cast<int>(rows - r0 < 16 ? rows - r0 : 16);
    const __mmask16 row_mask = static_cast<__mmask16>((1u << nr) - 1);
    for (int64_t c0 = 0; c0 < cols; c0 += 16) {
      const int nc = static_cast<int>(cols - c0 < 16 ? cols - c0 : 16);
      const __mmask16 col_mask = static_cast<__mmask16>((1u << nc) - 1);
      __m512 v[16];
      for (int i = 0; i < 16; ++i)
        v[i] = i < nr ? _mm512_maskz_loadu_ps(col_mask, src + (r0 + i) * lds + c0) : _mm512_setzero_ps();
      transpose16(v);
      for (int j = 0; j < nc; ++j) _mm512_mask_storeu_ps(dst + (c0 + j) * ldd + r0, row_mask, v[j]);
    }
  }
}
#pragma GCC diagnostic pop
}  // namespace

const Kernels& kernels_avx512() {
  static constexpr Kernels k = make_kernels<VecAvx512, 8, 3, true, 12, 2, 1>("avx512", &transpose_avx512);
  return k;
}

}  // namespace nodulab::gemm

// The GEMM microkernels compiled for AVX2 + FMA (8-float ymm vectors): AB tile 4 x 24, AtB tile 6 x 16
// (narrow: 6 x 8), and a register-shuffle 8 x 8 transpose.
#include <immintrin.h>

#include "core/simd_traits.h"
#include "ops/matmul/gemm_microkernel.h"

namespace nodulab::gemm {
namespace {
NODULAB_X86_VEC(VecAvx2, __m256, 8, _mm256);

// Transposes the 8 x 8 block held in r[0..8) (row i in r[i]) in registers.
inline void transpose8(__m256* r) {
  __m256 t[8], u[8];
  for (int i = 0; i < 4; ++i) {  // interleave row pairs: 2 x 2 blocks
    t[2 * i] = _mm256_unpacklo_ps(r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm256_unpackhi_ps(r[2 * i], r[2 * i + 1]);
  }
  for (int i = 0; i < 2; ++i) {  // 4 x 4 blocks within each 128-bit lane
    const __m256d a = _mm256_castps_pd(t[4 * i]), b = _mm256_castps_pd(t[4 * i + 1]);
    const __m256d c = _mm256_castps_pd(t[4 * i + 2]), d = _mm256_castps_pd(t[4 * i + 3]);
    u[4 * i] = _mm256_castpd_ps(_mm256_unpacklo_pd(a, c));
    u[4 * i + 1] = _mm256_castpd_ps(_mm256_unpackhi_pd(a, c));
    u[4 * i + 2] = _mm256_castpd_ps(_mm256_unpacklo_pd(b, d));
    u[4 * i + 3] = _mm256_castpd_ps(_mm256_unpackhi_pd(b, d));
  }
  for (int j = 0; j < 4; ++j) {  // 8 x 8: swap the 128-bit lanes across the two halves
    r[j] = _mm256_permute2f128_ps(u[j], u[4 + j], 0x20);
    r[4 + j] = _mm256_permute2f128_ps(u[j], u[4 + j], 0x31);
  }
}

// Lanes [0, n) set: the mask of a partial row or column of an 8 x 8 block.
inline __m256i first_lanes(int n) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

// dst[c*ldd + r] = src[r*lds + c] in 8 x 8 register blocks; partial blocks at the edges through masked loads
// and stores (nothing outside the block is read or written).
void transpose_avx2(const float* src, int64_t lds, int64_t rows, int64_t cols, float* dst, int64_t ldd) {
  for (int64_t c0 = 0; c0 < cols; c0 += 8) {  // 8 destination rows at a time, each written front to back
    const int nc = static_cast<int>(cols - c0 < 8 ? cols - c0 : 8);
    const __m256i col_mask = first_lanes(nc);
    for (int64_t r0 = 0; r0 < rows; r0 += 8) {
      const int nr = static_cast<int>(rows - r0 < 8 ? rows - r0 : 8);
      __m256 v[8];
      for (int i = 0; i < 8; ++i) {
        const float* p = src + (r0 + i) * lds + c0;
        v[i] = i >= nr ? _mm256_setzero_ps() : nc == 8 ? _mm256_loadu_ps(p) : _mm256_maskload_ps(p, col_mask);
      }
      transpose8(v);
      if (nr == 8) {
        for (int j = 0; j < nc; ++j) _mm256_storeu_ps(dst + (c0 + j) * ldd + r0, v[j]);
      } else if (nr == 4) {
        for (int j = 0; j < nc; ++j) _mm_storeu_ps(dst + (c0 + j) * ldd + r0, _mm256_castps256_ps128(v[j]));
      } else {
        const __m256i row_mask = first_lanes(nr);
        for (int j = 0; j < nc; ++j) _mm256_maskstore_ps(dst + (c0 + j) * ldd + r0, row_mask, v[j]);
      }
    }
  }
}
}  // namespace

const Kernels& kernels_avx2() {
  static constexpr Kernels k = make_kernels<VecAvx2, 4, 3, false, 6, 2, 1>("avx2", &transpose_avx2);
  return k;
}

}  // namespace nodulab::gemm

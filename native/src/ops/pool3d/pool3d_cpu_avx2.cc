// 2x2x2 stride-2 max pool, one output row, AVX2: 8 outputs per step from 16-float loads of the four
// window rows, split into even/odd columns and folded in the reference's scan order.
#include <immintrin.h>

#include "ops/pool3d/pool3d.h"

namespace nodulab {

void max_pool222_row_avx2(const float* x0, int32_t base, int64_t w, int64_t hw, int64_t ow, float* y,
                          int32_t* indices) {
  const int64_t row_offset[4] = {0, w, hw, hw + w};
  const __m256i lane2 = _mm256_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14);
  int64_t o = 0;
  for (; o + 8 <= ow; o += 8) {
    __m256 best = _mm256_set1_ps(-__builtin_inff());
    const __m256i col = _mm256_add_epi32(_mm256_set1_epi32(base + static_cast<int32_t>(2 * o)), lane2);
    __m256i best_index = col;
    for (int r = 0; r < 4; ++r) {
      const float* src = x0 + row_offset[r] + 2 * o;
      const __m256 a = _mm256_loadu_ps(src), b = _mm256_loadu_ps(src + 8);
      // shuffle_ps works per 128-bit half: (a0 a2 b0 b2 | a4 a6 b4 b6); permute4x64 restores order.
      const __m256 even = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(a, b, 0x88)), 0xD8));
      const __m256 odd = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(a, b, 0xDD)), 0xD8));
      const __m256i row_index = _mm256_add_epi32(col, _mm256_set1_epi32(static_cast<int32_t>(row_offset[r])));
      for (int k = 0; k < 2; ++k) {
        const __m256 v = k ? odd : even;
        const __m256 take = _mm256_or_ps(_mm256_cmp_ps(v, best, _CMP_GT_OQ), _mm256_cmp_ps(v, v, _CMP_UNORD_Q));
        best = _mm256_blendv_ps(best, v, take);
        const __m256i index = _mm256_add_epi32(row_index, _mm256_set1_epi32(k));
        best_index = _mm256_castps_si256(
            _mm256_blendv_ps(_mm256_castsi256_ps(best_index), _mm256_castsi256_ps(index), take));
      }
    }
    _mm256_storeu_ps(y + o, best);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(indices + o), best_index);
  }
  for (; o < ow; ++o) {
    float best = -__builtin_inff();
    int32_t best_index = base + static_cast<int32_t>(2 * o);
    for (int r = 0; r < 4; ++r)
      for (int k = 0; k < 2; ++k) {
        const int64_t i = row_offset[r] + 2 * o + k;
        max_pool_take(x0[i], base + static_cast<int32_t>(i), best, best_index);
      }
    y[o] = best;
    indices[o] = best_index;
  }
}

}  // namespace nodulab

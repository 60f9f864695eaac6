// 2x2x2 stride-2 max pool, one output row, AVX-512: 16 outputs per step from 32-float loads of the
// four window rows, split into even/odd columns and folded in the reference's scan order.
#include <immintrin.h>

#include "ops/pool3d/pool3d.h"

namespace nodulab {

void max_pool222_row_avx512(const float* x0, int32_t base, int64_t w, int64_t hw, int64_t ow, float* y,
                            int32_t* indices) {
  const int64_t row_offset[4] = {0, w, hw, hw + w};
  const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
  const __m512i odd = _mm512_add_epi32(even, _mm512_set1_epi32(1));
  int64_t o = 0;
  for (; o + 16 <= ow; o += 16) {
    __m512 best = _mm512_set1_ps(-__builtin_inff());
    // Flat index of column 0 of each output's window in row 0: base + 2*(o + lane).
    const __m512i col = _mm512_add_epi32(_mm512_set1_epi32(base + static_cast<int32_t>(2 * o)), even);
    __m512i best_index = col;
    for (int r = 0; r < 4; ++r) {
      const float* src = x0 + row_offset[r] + 2 * o;
      const __m512 lo = _mm512_loadu_ps(src), hi = _mm512_loadu_ps(src + 16);
      const __m512i row_index = _mm512_add_epi32(col, _mm512_set1_epi32(static_cast<int32_t>(row_offset[r])));
      for (int k = 0; k < 2; ++k) {
        const __m512 v = _mm512_permutex2var_ps(lo, k ? odd : even, hi);
        const __mmask16 take = _mm512_cmp_ps_mask(v, best, _CMP_GT_OQ) | _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q);
        best = _mm512_mask_blend_ps(take, best, v);
        best_index = _mm512_mask_blend_epi32(take, best_index, _mm512_add_epi32(row_index, _mm512_set1_epi32(k)));
      }
    }
    _mm512_storeu_ps(y + o, best);
    _mm512_storeu_si512(indices + o, best_index);
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

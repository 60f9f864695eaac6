// The 2x2x2 stride-2 max-pool row, written once and compiled per ISA: included by pool3d_cpu_avx2.cc
// (NODULAB_VECTOR_BYTES 32) and pool3d_cpu_avx512.cc (64) over core/simd_x86.h and the lane ops below.
#pragma once
#include "core/simd_x86.h"
#include "ops/pool3d/pool3d.h"

namespace nodulab {
namespace {

#if NODULAB_VECTOR_BYTES == 64
using Take = __mmask16;
inline Vi even_lanes() { return _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30); }
// Lanes 0, 2, 4, ... and 1, 3, 5, ... of the 2 * kLanes values (lo, hi).
inline void split_even_odd(Vf lo, Vf hi, Vf& even, Vf& odd) {
  const Vi e = even_lanes();
  even = _mm512_permutex2var_ps(lo, e, hi);
  odd = _mm512_permutex2var_ps(lo, add_i(e, splat_i(1)), hi);
}
// Columns 0, 2, 4, ... and 1, 3, 5, ... of src[0 .. 2 * kLanes).
inline void load_even_odd(const float* src, Vf& even, Vf& odd) {
  split_even_odd(_mm512_loadu_ps(src), _mm512_loadu_ps(src + 16), even, odd);
}
// Lanes where v takes the window: v > best, or v is NaN (max_pool_take's rule).
inline Take take_mask(Vf v, Vf best) {
  return _mm512_cmp_ps_mask(v, best, _CMP_GT_OQ) | _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q);
}
inline Vf select(Take t, Vf a, Vf b) { return _mm512_mask_blend_ps(t, a, b); }
inline Vi select(Take t, Vi a, Vi b) { return _mm512_mask_blend_epi32(t, a, b); }
inline void store(int32_t* p, Vi v) { _mm512_storeu_si512(p, v); }
#else
using Take = __m256;
inline Vi even_lanes() { return _mm256_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14); }
inline void split_even_odd(Vf a, Vf b, Vf& even, Vf& odd) {
  // shuffle_ps works per 128-bit half: (a0 a2 b0 b2 | a4 a6 b4 b6); permute4x64 restores order.
  even = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(a, b, 0x88)), 0xD8));
  odd = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(a, b, 0xDD)), 0xD8));
}
inline void load_even_odd(const float* src, Vf& even, Vf& odd) {
  split_even_odd(_mm256_loadu_ps(src), _mm256_loadu_ps(src + 8), even, odd);
}
inline Take take_mask(Vf v, Vf best) {
  return _mm256_or_ps(_mm256_cmp_ps(v, best, _CMP_GT_OQ), _mm256_cmp_ps(v, v, _CMP_UNORD_Q));
}
inline Vf select(Take t, Vf a, Vf b) { return _mm256_blendv_ps(a, b, t); }
inline Vi select(Take t, Vi a, Vi b) {
  return _mm256_castps_si256(_mm256_blendv_ps(_mm256_castsi256_ps(a), _mm256_castsi256_ps(b), t));
}
inline void store(int32_t* p, Vi v) { _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), v); }
#endif

// kLanes outputs per step from 2 * kLanes-float loads of the four window rows, split into even/odd
// columns and folded in the reference's scan order; the last ow % kLanes outputs scalar.
void max_pool222_row_simd(const float* x0, int32_t base, int64_t w, int64_t hw, int64_t ow, float* y,
                          int32_t* indices) {
  const int64_t row_offset[4] = {0, w, hw, hw + w};
  int64_t o = 0;
  for (; o + kLanes <= ow; o += kLanes) {
    Vf best = splat(-__builtin_inff());
    // Flat index of column 0 of each output's window in row 0: base + 2*(o + lane).
    const Vi col = add_i(splat_i(base + static_cast<int32_t>(2 * o)), even_lanes());
    Vi best_index = col;
    for (int r = 0; r < 4; ++r) {
      Vf even, odd;
      load_even_odd(x0 + row_offset[r] + 2 * o, even, odd);
      const Vi row_index = add_i(col, splat_i(static_cast<int32_t>(row_offset[r])));
      for (int k = 0; k < 2; ++k) {
        const Vf v = k ? odd : even;
        const Take take = take_mask(v, best);
        best = select(take, best, v);
        best_index = select(take, best_index, add_i(row_index, splat_i(k)));
      }
    }
    store(y + o, best);
    store(indices + o, best_index);
  }
  max_pool222_row_tail(x0, base, w, hw, o, ow, y, indices);
}

// Inference: y[o] = max(0, window) (ReLU then max pool; a NaN counts as 0, as relu(NaN) does), no indices.
// The four window rows are folded first (max_ps(v, best) returns best when v is NaN, and best never is), then
// one even/odd split per kLanes outputs.
void max_pool222_relu_row_simd(const float* x0, int64_t w, int64_t hw, int64_t ow, float* y) {
  const float* rows[4] = {x0, x0 + w, x0 + hw, x0 + hw + w};
  int64_t o = 0;
  for (; o + kLanes <= ow; o += kLanes) {
    Vf lo = splat(0.f), hi = splat(0.f);
    for (int r = 0; r < 4; ++r) {
      lo = NODULAB_MM(max_ps)(NODULAB_MM(loadu_ps)(rows[r] + 2 * o), lo);
      hi = NODULAB_MM(max_ps)(NODULAB_MM(loadu_ps)(rows[r] + 2 * o + kLanes), hi);
    }
    Vf even, odd;
    split_even_odd(lo, hi, even, odd);
    store(y + o, NODULAB_MM(max_ps)(even, odd));
  }
  max_pool222_relu_row_tail(x0, w, hw, o, ow, y);
}

}  // namespace

// Defines `name` (max_pool222_row_avx2 or _avx512, declared in pool3d.h) as this ISA's row.
#define NODULAB_DEFINE_POOL222_ROW(name)                                                                 \
  void name(const float* x0, int32_t base, int64_t w, int64_t hw, int64_t ow, float* y, int32_t* indices) { \
    max_pool222_row_simd(x0, base, w, hw, ow, y, indices);                                               \
  }                                                                                                      \
  void name##_relu(const float* x0, int64_t w, int64_t hw, int64_t ow, float* y) {                       \
    max_pool222_relu_row_simd(x0, w, hw, ow, y);                                                         \
  }

}  // namespace nodulab

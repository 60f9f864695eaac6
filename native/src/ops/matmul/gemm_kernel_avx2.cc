// The GEMM microkernels compiled for AVX2 + FMA (8-float ymm vectors): AB tile 4 x 24, AtB tile 6 x 16
// (narrow: 6 x 8).
#include <immintrin.h>

#include "ops/matmul/gemm_microkernel.h"

namespace nodulab::gemm {
namespace {
struct VecAvx2 {
  using reg = __m256;
  static constexpr int width = 8;
  static reg zero() { return _mm256_setzero_ps(); }
  static reg set1(float x) { return _mm256_set1_ps(x); }
  static reg loadu(const float* p) { return _mm256_loadu_ps(p); }
  static void storeu(float* p, reg v) { _mm256_storeu_ps(p, v); }
  static reg fmadd(reg a, reg b, reg c) { return _mm256_fmadd_ps(a, b, c); }
};
}  // namespace

const Kernels& kernels_avx2() {
  static const Kernels k{"avx2",
                         4, 24, 8, &tile_ab<VecAvx2, 4, 3>, nullptr,
                         6, 16, &tile_atb<VecAvx2, 6, 2>,
                         6, 8, &tile_atb<VecAvx2, 6, 1>,
                         &transpose_blocked};
  return k;
}

}  // namespace nodulab::gemm

// The GEMM microkernels compiled for AVX-512 (16-float zmm vectors): AB tile 8 x 48, AtB tile 12 x 32.
#include <immintrin.h>

#include "ops/matmul/gemm_microkernel.h"

namespace nodulab::gemm {
namespace {
struct VecAvx512 {
  using reg = __m512;
  static constexpr int width = 16;
  static reg zero() { return _mm512_setzero_ps(); }
  static reg set1(float x) { return _mm512_set1_ps(x); }
  static reg loadu(const float* p) { return _mm512_loadu_ps(p); }
  static void storeu(float* p, reg v) { _mm512_storeu_ps(p, v); }
  static reg fmadd(reg a, reg b, reg c) { return _mm512_fmadd_ps(a, b, c); }
};
}  // namespace

const Kernels& kernels_avx512() {
  static const Kernels k{"avx512", 8, 48, 16, &tile_ab<VecAvx512, 8, 3>, 12, 32, &tile_atb<VecAvx512, 12, 2>};
  return k;
}

}  // namespace nodulab::gemm

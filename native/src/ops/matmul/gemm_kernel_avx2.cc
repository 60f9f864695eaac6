// The GEMM microkernels compiled for AVX2 + FMA (8-float ymm vectors): AB tile 4 x 24, AtB tile 6 x 16
// (narrow: 6 x 8).
#include <immintrin.h>

#include "core/simd_traits.h"
#include "ops/matmul/gemm_microkernel.h"

namespace nodulab::gemm {
namespace {
NODULAB_X86_VEC(VecAvx2, __m256, 8, _mm256);
}  // namespace

const Kernels& kernels_avx2() {
  static constexpr Kernels k = make_kernels<VecAvx2, 4, 3, false, 6, 2, 1>("avx2", &transpose_blocked);
  return k;
}

}  // namespace nodulab::gemm

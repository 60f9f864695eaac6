// The GEMM microkernels for the scalar fallback (one float per "vector"): AB tile 4 x 4, AtB 4 x 4.
#include "core/simd_traits.h"
#include "ops/matmul/gemm_microkernel.h"

namespace nodulab::gemm {
const Kernels& kernels_scalar() {
  static constexpr Kernels k = make_kernels<VecScalar, 4, 4, false, 4, 4, 4>("scalar", &transpose_blocked);
  return k;
}

}  // namespace nodulab::gemm

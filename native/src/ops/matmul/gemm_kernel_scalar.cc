// The GEMM microkernels for the scalar fallback (one float per "vector"): AB tile 4 x 4, AtB 4 x 4.
#include "ops/matmul/gemm_microkernel.h"

namespace nodulab::gemm {
namespace {
struct VecScalar {
  using reg = float;
  static constexpr int width = 1;
  static reg zero() { return 0.f; }
  static reg set1(float x) { return x; }
  static reg loadu(const float* p) { return *p; }
  static void storeu(float* p, reg v) { *p = v; }
  static reg fmadd(reg a, reg b, reg c) { return a * b + c; }
};
}  // namespace

const Kernels& kernels_scalar() {
  static constexpr Kernels k = make_kernels<VecScalar, 4, 4, false, 4, 4, 4>("scalar", &transpose_blocked);
  return k;
}

}  // namespace nodulab::gemm

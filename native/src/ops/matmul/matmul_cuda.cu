// CUDA MatMul: row-major C (M,N) = op(A) op(B) (device pointers; matmul.h semantics) on the shared
// tiled GEMM (core/cuda_gemm.cuh), every element summed in k order.
#include "core/cuda_gemm.cuh"
#include "core/registry.h"
#include "ops/kernel_names.h"
#include "ops/matmul/matmul.h"

namespace nodulab {
namespace {

struct MatMulLoader {
  const float* A;
  const float* B;
  float* Cm;
  int64_t M, N, K;
  bool ta, tb;
  __device__ float a(int64_t m, int64_t k) const { return ta ? A[k * M + m] : A[m * K + k]; }
  __device__ float b(int64_t k, int64_t n) const { return tb ? B[n * K + k] : B[k * N + n]; }
  __device__ void store(int64_t m, int64_t n, int, float v) const { Cm[m * N + n] = v; }
};

void matmul_cuda(int64_t m, int64_t n, int64_t k, const float* a, bool trans_a, const float* b, bool trans_b,
                 float* c) {
  if (m <= 0 || n <= 0) return;
  cuda::tiled_gemm(MatMulLoader{a, b, c, m, n, k, trans_a, trans_b}, m, n, k, 1, kernels::kMatMul);
}

}  // namespace

void register_matmul_cuda() { register_kernel<MatMulFn>(kernels::kMatMul, Backend::Cuda, &matmul_cuda); }

}  // namespace nodulab

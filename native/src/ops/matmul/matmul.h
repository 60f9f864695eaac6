// MatMul: row-major C (M,N) = op(A) op(B) with op(A): (M,K), op(B): (K,N); op transposes when the
// flag is set (A stored (K,M), B stored (N,K)). Linear layers: y = x W^T is matmul(x, W, transB).
#pragma once
#include <cstdint>

namespace nodulab {

using MatMulFn = void (*)(int64_t m, int64_t n, int64_t k, const float* a, bool trans_a, const float* b,
                          bool trans_b, float* c);

// Reference: the triple loop, summed in k order (templated for float64 tests).
template <class T>
void matmul_ref(int64_t m, int64_t n, int64_t k, const T* a, bool trans_a, const T* b, bool trans_b, T* c);

// Fast: the packed, threaded SGEMM (ops/matmul/gemm.h).
void matmul_cpu(int64_t m, int64_t n, int64_t k, const float* a, bool trans_a, const float* b, bool trans_b,
                float* c);

}  // namespace nodulab

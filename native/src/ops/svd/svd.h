// Singular values of small matrices (torch.linalg.svdvals): a batch of row-major (rows, cols) matrices,
// k = min(rows, cols) <= kSvdMaxRank, each giving its k singular values in descending order.
// A matrix holding NaN or an infinity gives k NaN.
#pragma once
#include <cstdint>

namespace nodulab {

// The largest k = min(rows, cols) the kernels accept (the bindings check it): the work is O(k^3) per matrix.
inline constexpr int64_t kSvdMaxRank = 512;

// a: (batch, rows, cols) -> s: (batch, min(rows, cols)), descending.
using SvdValsFn = void (*)(int64_t batch, int64_t rows, int64_t cols, const float* a, float* s);

// Reference: one-sided (Hestenes) Jacobi on the matrix itself, in double, until no column pair rotates.
template <class T> void svdvals_ref(int64_t batch, int64_t rows, int64_t cols, const T* a, T* s);

// Fast CPU: the k x k Gram matrix in double (AᵀA, or AAᵀ when rows < cols), Householder tridiagonalization
// and implicit QL for its eigenvalues λ, then s = sqrt(max(λ, 0)). Matrices of a batch run in parallel.
void svdvals_cpu(int64_t batch, int64_t rows, int64_t cols, const float* a, float* s);

}  // namespace nodulab

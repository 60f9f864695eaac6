// Elementwise arithmetic on flat arrays of n floats: out = alpha*x + beta*y (beta == 0 ignores y,
// as in BLAS), out = a*b.
#pragma once
#include <cstdint>

namespace nodulab {

using AxpbyFn = void (*)(int64_t n, float alpha, const float* x, float beta, const float* y, float* out);
using MulFn = void (*)(int64_t n, const float* a, const float* b, float* out);

template <class T> void axpby_ref(int64_t n, T alpha, const T* x, T beta, const T* y, T* out);
template <class T> void mul_ref(int64_t n, const T* a, const T* b, T* out);

void axpby_cpu(int64_t n, float alpha, const float* x, float beta, const float* y, float* out);
void mul_cpu(int64_t n, const float* a, const float* b, float* out);

}  // namespace nodulab

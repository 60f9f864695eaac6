// Softmax and LogSoftmax over the last axis of a row-major (rows, cols) matrix, and their gradients.
// Every row is max-shifted (log-sum-exp stable); a NaN anywhere in a row makes the whole row NaN.
#pragma once
#include <cstdint>

namespace nodulab {

// y: (rows, cols) = softmax(x) or log_softmax(x) along cols.
using SoftmaxFn = void (*)(int64_t rows, int64_t cols, const float* x, float* y);
// dx: (rows, cols) from the forward output y and the upstream gradient dy:
//   SoftmaxGrad:    dx = y * (dy - sum_j dy_j y_j)
//   LogSoftmaxGrad: dx = dy - exp(y) * sum_j dy_j
using SoftmaxGradFn = void (*)(int64_t rows, int64_t cols, const float* y, const float* dy, float* dx);

// Reference kernels, templated so the finite-difference tests can run them in double.
template <class T> void softmax_ref(int64_t rows, int64_t cols, const T* x, T* y);
template <class T> void log_softmax_ref(int64_t rows, int64_t cols, const T* x, T* y);
template <class T> void softmax_grad_ref(int64_t rows, int64_t cols, const T* y, const T* dy, T* dx);
template <class T> void log_softmax_grad_ref(int64_t rows, int64_t cols, const T* y, const T* dy, T* dx);

void softmax_cpu(int64_t rows, int64_t cols, const float* x, float* y);
void log_softmax_cpu(int64_t rows, int64_t cols, const float* x, float* y);
void softmax_grad_cpu(int64_t rows, int64_t cols, const float* y, const float* dy, float* dx);
void log_softmax_grad_cpu(int64_t rows, int64_t cols, const float* y, const float* dy, float* dx);

}  // namespace nodulab

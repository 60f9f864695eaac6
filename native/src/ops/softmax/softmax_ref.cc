// Reference softmax / log-softmax: per row, the max, the sum of exp(x - max), then the quotient.
// NaN propagates on its own: exp(NaN - max) makes the row's sum, hence every output, NaN.
#include <cmath>

#include "ops/softmax/softmax.h"

namespace nodulab {
namespace {

// Max of a row ignoring NaN (-inf for an empty or all-NaN row), and sum of exp(x - max).
template <class T> void row_stats(int64_t cols, const T* x, T* max, T* sum) {
  T m = -INFINITY;
  for (int64_t j = 0; j < cols; ++j)
    if (x[j] > m) m = x[j];
  T s = 0;
  for (int64_t j = 0; j < cols; ++j) s += std::exp(x[j] - m);
  *max = m;
  *sum = s;
}

}  // namespace

template <class T> void softmax_ref(int64_t rows, int64_t cols, const T* x, T* y) {
  for (int64_t i = 0; i < rows; ++i) {
    const T* xr = x + i * cols;
    T m, s;
    row_stats(cols, xr, &m, &s);
    for (int64_t j = 0; j < cols; ++j) y[i * cols + j] = std::exp(xr[j] - m) / s;
  }
}

template <class T> void log_softmax_ref(int64_t rows, int64_t cols, const T* x, T* y) {
  for (int64_t i = 0; i < rows; ++i) {
    const T* xr = x + i * cols;
    T m, s;
    row_stats(cols, xr, &m, &s);
    for (int64_t j = 0; j < cols; ++j) y[i * cols + j] = xr[j] - m - std::log(s);
  }
}

template <class T> void softmax_grad_ref(int64_t rows, int64_t cols, const T* y, const T* dy, T* dx) {
  for (int64_t i = 0; i < rows; ++i) {
    T dot = 0;
    for (int64_t j = 0; j < cols; ++j) dot += dy[i * cols + j] * y[i * cols + j];
    for (int64_t j = 0; j < cols; ++j) dx[i * cols + j] = y[i * cols + j] * (dy[i * cols + j] - dot);
  }
}

template <class T> void log_softmax_grad_ref(int64_t rows, int64_t cols, const T* y, const T* dy, T* dx) {
  for (int64_t i = 0; i < rows; ++i) {
    T total = 0;
    for (int64_t j = 0; j < cols; ++j) total += dy[i * cols + j];
    for (int64_t j = 0; j < cols; ++j) dx[i * cols + j] = dy[i * cols + j] - std::exp(y[i * cols + j]) * total;
  }
}

#define NODULAB_INSTANTIATE(T)                                                          \
  template void softmax_ref<T>(int64_t, int64_t, const T*, T*);                         \
  template void log_softmax_ref<T>(int64_t, int64_t, const T*, T*);                     \
  template void softmax_grad_ref<T>(int64_t, int64_t, const T*, const T*, T*);          \
  template void log_softmax_grad_ref<T>(int64_t, int64_t, const T*, const T*, T*);
NODULAB_INSTANTIATE(float)
NODULAB_INSTANTIATE(double)
#undef NODULAB_INSTANTIATE

}  // namespace nodulab

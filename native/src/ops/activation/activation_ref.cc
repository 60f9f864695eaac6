// Reference activations: one obvious loop each. NaN propagates (x > 0 is false for NaN, so relu
// would give 0; we keep NaN explicitly, as PyTorch does).
#include <cmath>

#include "ops/activation/activation.h"

namespace nodulab {

template <class T> void relu_ref(int64_t n, const T* x, T* y) {
  for (int64_t i = 0; i < n; ++i) y[i] = std::isnan(x[i]) ? x[i] : (x[i] > 0 ? x[i] : T(0));
}
template <class T> void relu_grad_ref(int64_t n, const T* x, const T* dy, T* dx) {
  for (int64_t i = 0; i < n; ++i) dx[i] = x[i] > 0 ? dy[i] : T(0);
}
template <class T> void leaky_relu_ref(int64_t n, T alpha, const T* x, T* y) {
  for (int64_t i = 0; i < n; ++i) y[i] = x[i] > 0 ? x[i] : alpha * x[i];
}
template <class T> void leaky_relu_grad_ref(int64_t n, T alpha, const T* x, const T* dy, T* dx) {
  for (int64_t i = 0; i < n; ++i) dx[i] = x[i] > 0 ? dy[i] : alpha * dy[i];
}
template <class T> void sigmoid_ref(int64_t n, const T* x, T* y) {
  for (int64_t i = 0; i < n; ++i) y[i] = T(1) / (T(1) + std::exp(-x[i]));
}
template <class T> void sigmoid_grad_ref(int64_t n, const T* y, const T* dy, T* dx) {
  for (int64_t i = 0; i < n; ++i) dx[i] = dy[i] * y[i] * (T(1) - y[i]);
}

#define NODULAB_INSTANTIATE(T)                                                   \
  template void relu_ref<T>(int64_t, const T*, T*);                              \
  template void relu_grad_ref<T>(int64_t, const T*, const T*, T*);               \
  template void leaky_relu_ref<T>(int64_t, T, const T*, T*);                     \
  template void leaky_relu_grad_ref<T>(int64_t, T, const T*, const T*, T*);      \
  template void sigmoid_ref<T>(int64_t, const T*, T*);                           \
  template void sigmoid_grad_ref<T>(int64_t, const T*, const T*, T*);
NODULAB_INSTANTIATE(float)
NODULAB_INSTANTIATE(double)
#undef NODULAB_INSTANTIATE

}  // namespace nodulab

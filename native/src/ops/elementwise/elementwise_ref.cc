// Reference elementwise arithmetic.
#include "ops/elementwise/elementwise.h"

namespace nodulab {

template <class T> void axpby_ref(int64_t n, T alpha, const T* x, T beta, const T* y, T* out) {
  // beta == 0 ignores y entirely (as BLAS does), so a NaN there does not leak into out.
  for (int64_t i = 0; i < n; ++i) out[i] = beta == T(0) ? alpha * x[i] : alpha * x[i] + beta * y[i];
}
template <class T> void mul_ref(int64_t n, const T* a, const T* b, T* out) {
  for (int64_t i = 0; i < n; ++i) out[i] = a[i] * b[i];
}

template void axpby_ref<float>(int64_t, float, const float*, float, const float*, float*);
template void axpby_ref<double>(int64_t, double, const double*, double, const double*, double*);
template void mul_ref<float>(int64_t, const float*, const float*, float*);
template void mul_ref<double>(int64_t, const double*, const double*, double*);

}  // namespace nodulab

// Reference batch normalization: per channel, a mean pass, a variance pass and the map, in double.
#include <cmath>

#include "ops/batchnorm/batchnorm.h"

namespace nodulab {

template <class T>
void batch_norm_train_ref(int64_t n, int64_t c, int64_t s, const T* x, const T* gamma, const T* beta, double eps,
                          T* y, T* mean, T* invstd) {
  const double m = static_cast<double>(n * s);
  for (int64_t ch = 0; ch < c; ++ch) {
    double sum = 0;
    for (int64_t b = 0; b < n; ++b)
      for (int64_t i = 0; i < s; ++i) sum += x[(b * c + ch) * s + i];
    const double mu = sum / m;
    double sq = 0;
    for (int64_t b = 0; b < n; ++b)
      for (int64_t i = 0; i < s; ++i) {
        const double d = x[(b * c + ch) * s + i] - mu;
        sq += d * d;
      }
    const double istd = 1.0 / std::sqrt(sq / m + eps);
    const double g = gamma ? static_cast<double>(gamma[ch]) : 1.0, bt = beta ? static_cast<double>(beta[ch]) : 0.0;
    for (int64_t b = 0; b < n; ++b)
      for (int64_t i = 0; i < s; ++i) {
        const int64_t k = (b * c + ch) * s + i;
        y[k] = static_cast<T>((x[k] - mu) * istd * g + bt);
      }
    mean[ch] = static_cast<T>(mu);
    invstd[ch] = static_cast<T>(istd);
  }
}

template <class T>
void batch_norm_infer_ref(int64_t n, int64_t c, int64_t s, const T* x, const T* gamma, const T* beta,
                          const T* running_mean, const T* running_var, double eps, T* y) {
  for (int64_t ch = 0; ch < c; ++ch) {
    const double istd = 1.0 / std::sqrt(static_cast<double>(running_var[ch]) + eps);
    const double g = gamma ? static_cast<double>(gamma[ch]) : 1.0, bt = beta ? static_cast<double>(beta[ch]) : 0.0;
    for (int64_t b = 0; b < n; ++b)
      for (int64_t i = 0; i < s; ++i) {
        const int64_t k = (b * c + ch) * s + i;
        y[k] = static_cast<T>((x[k] - static_cast<double>(running_mean[ch])) * istd * g + bt);
      }
  }
}

template <class T>
void batch_norm_grad_ref(int64_t n, int64_t c, int64_t s, const T* x, const T* dy, const T* gamma, const T* mean,
                         const T* invstd, T* dx, T* dgamma, T* dbeta) {
  const double m = static_cast<double>(n * s);
  for (int64_t ch = 0; ch < c; ++ch) {
    const double mu = mean[ch], istd = invstd[ch], g = gamma ? static_cast<double>(gamma[ch]) : 1.0;
    double sum_dy = 0, sum_dy_xhat = 0;
    for (int64_t b = 0; b < n; ++b)
      for (int64_t i = 0; i < s; ++i) {
        const int64_t k = (b * c + ch) * s + i;
        sum_dy += dy[k];
        sum_dy_xhat += dy[k] * (x[k] - mu) * istd;
      }
    for (int64_t b = 0; b < n; ++b)
      for (int64_t i = 0; i < s; ++i) {
        const int64_t k = (b * c + ch) * s + i;
        const double xhat = (x[k] - mu) * istd;
        dx[k] = static_cast<T>(g * istd * (dy[k] - sum_dy / m - xhat * sum_dy_xhat / m));
      }
    dgamma[ch] = static_cast<T>(sum_dy_xhat);
    dbeta[ch] = static_cast<T>(sum_dy);
  }
}

#define NODULAB_INSTANTIATE(T)                                                                              \
  template void batch_norm_train_ref<T>(int64_t, int64_t, int64_t, const T*, const T*, const T*, double, T*, T*, \
                                        T*);                                                                \
  template void batch_norm_infer_ref<T>(int64_t, int64_t, int64_t, const T*, const T*, const T*, const T*,       \
                                        const T*, double, T*);                                              \
  template void batch_norm_grad_ref<T>(int64_t, int64_t, int64_t, const T*, const T*, const T*, const T*,        \
                                       const T*, T*, T*, T*);
NODULAB_INSTANTIATE(float)
NODULAB_INSTANTIATE(double)
#undef NODULAB_INSTANTIATE

}  // namespace nodulab

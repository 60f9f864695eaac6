// Reference batch normalization: per channel, a mean pass, a variance pass and the map, in double;
// the fused BN+ReLU(+MaxPool) references compose it with relu (and the max-pool reference).
#include <cmath>
#include <vector>

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

namespace {
template <class T>
void relu_in_place(int64_t count, T* y) {
  for (int64_t k = 0; k < count; ++k)
    if (!(y[k] > 0) && y[k] == y[k]) y[k] = 0;  // NaN kept, as relu does
}
}  // namespace

template <class T>
void batch_norm_relu_train_ref(int64_t n, int64_t c, int64_t s, const T* x, const T* gamma, const T* beta,
                               double eps, T* y, T* mean, T* invstd) {
  batch_norm_train_ref<T>(n, c, s, x, gamma, beta, eps, y, mean, invstd);
  relu_in_place(n * c * s, y);
}

template <class T>
void batch_norm_relu_infer_ref(int64_t n, int64_t c, int64_t s, const T* x, const T* gamma, const T* beta,
                               const T* running_mean, const T* running_var, double eps, T* y) {
  batch_norm_infer_ref<T>(n, c, s, x, gamma, beta, running_mean, running_var, eps, y);
  relu_in_place(n * c * s, y);
}

template <class T>
void batch_norm_relu_grad_ref(int64_t n, int64_t c, int64_t s, const T* x, const T* y, const T* dy, const T* gamma,
                              const T* mean, const T* invstd, T* dx, T* dgamma, T* dbeta) {
  std::vector<T> dz(n * c * s);
  for (int64_t k = 0; k < n * c * s; ++k) dz[k] = y[k] > 0 ? dy[k] : T(0);
  batch_norm_grad_ref<T>(n, c, s, x, dz.data(), gamma, mean, invstd, dx, dgamma, dbeta);
}

template <class T>
void batch_norm_relu_max_pool_train_ref(const Pool3dGeom& g, const T* x, const T* gamma, const T* beta, double eps,
                                        T* y, int32_t* indices, T* mean, T* invstd) {
  std::vector<T> a(g.planes() * g.in_plane());
  batch_norm_relu_train_ref<T>(g.n, g.c, g.in_plane(), x, gamma, beta, eps, a.data(), mean, invstd);
  max_pool3d_ref<T>(g, a.data(), y, indices);
}

template <class T>
void batch_norm_relu_max_pool_infer_ref(const Pool3dGeom& g, const T* x, const T* gamma, const T* beta,
                                        const T* running_mean, const T* running_var, double eps, T* y,
                                        int32_t* indices) {
  std::vector<T> a(g.planes() * g.in_plane());
  batch_norm_relu_infer_ref<T>(g.n, g.c, g.in_plane(), x, gamma, beta, running_mean, running_var, eps, a.data());
  max_pool3d_ref<T>(g, a.data(), y, indices);
}

template <class T>
void batch_norm_relu_max_pool_grad_ref(const Pool3dGeom& g, const T* x, const T* y, const int32_t* indices,
                                       const T* dy, const T* gamma, const T* mean, const T* invstd, T* dx, T* dgamma,
                                       T* dbeta) {
  const int64_t out = g.planes() * g.out_plane();
  std::vector<T> dy_masked(out), dz(g.planes() * g.in_plane());
  for (int64_t o = 0; o < out; ++o) dy_masked[o] = y[o] > 0 ? dy[o] : T(0);
  max_pool3d_grad_ref<T>(g, dy_masked.data(), indices, dz.data());
  batch_norm_grad_ref<T>(g.n, g.c, g.in_plane(), x, dz.data(), gamma, mean, invstd, dx, dgamma, dbeta);
}

#define NODULAB_INSTANTIATE(T)                                                                              \
  template void batch_norm_train_ref<T>(int64_t, int64_t, int64_t, const T*, const T*, const T*, double, T*, T*, \
                                        T*);                                                                \
  template void batch_norm_infer_ref<T>(int64_t, int64_t, int64_t, const T*, const T*, const T*, const T*,       \
                                        const T*, double, T*);                                              \
  template void batch_norm_grad_ref<T>(int64_t, int64_t, int64_t, const T*, const T*, const T*, const T*,        \
                                       const T*, T*, T*, T*);                                               \
  template void batch_norm_relu_train_ref<T>(int64_t, int64_t, int64_t, const T*, const T*, const T*, double, T*,  \
                                             T*, T*);                                                       \
  template void batch_norm_relu_infer_ref<T>(int64_t, int64_t, int64_t, const T*, const T*, const T*, const T*,   \
                                             const T*, double, T*);                                         \
  template void batch_norm_relu_grad_ref<T>(int64_t, int64_t, int64_t, const T*, const T*, const T*, const T*,    \
                                            const T*, const T*, T*, T*, T*);                                \
  template void batch_norm_relu_max_pool_train_ref<T>(const Pool3dGeom&, const T*, const T*, const T*, double, T*,  \
                                                      int32_t*, T*, T*);                                    \
  template void batch_norm_relu_max_pool_infer_ref<T>(const Pool3dGeom&, const T*, const T*, const T*, const T*,   \
                                                      const T*, double, T*, int32_t*);                      \
  template void batch_norm_relu_max_pool_grad_ref<T>(const Pool3dGeom&, const T*, const T*, const int32_t*,        \
                                                     const T*, const T*, const T*, const T*, T*, T*, T*);
NODULAB_INSTANTIATE(float)
NODULAB_INSTANTIATE(double)
#undef NODULAB_INSTANTIATE

}  // namespace nodulab

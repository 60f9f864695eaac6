// Batch normalization over (N, D, H, W) per channel: training forward (batch statistics), inference
// forward (running statistics) and the training backward. x, y, dy, dx: (N, C, S) with S = D*H*W;
// gamma, beta, mean, invstd, running statistics: (C). Plain pointers and sizes, no N-API.
#pragma once
#include <cstdint>

namespace nodulab {

// BatchNormTrain: mean = E[x], var = E[(x - mean)^2] (biased), invstd = 1 / sqrt(var + eps),
// y = (x - mean) * invstd * gamma + beta. gamma / beta may be null (1 and 0: affine off).
using BatchNormTrainFn = void (*)(int64_t n, int64_t c, int64_t s, const float* x, const float* gamma,
                                  const float* beta, double eps, float* y, float* mean, float* invstd);
// BatchNormInfer: y = (x - running_mean) / sqrt(running_var + eps) * gamma + beta.
using BatchNormInferFn = void (*)(int64_t n, int64_t c, int64_t s, const float* x, const float* gamma,
                                  const float* beta, const float* running_mean, const float* running_var,
                                  double eps, float* y);
// BatchNormGrad (training): with xhat = (x - mean) * invstd and M = n * s,
//   dbeta = sum dy, dgamma = sum dy * xhat, dx = gamma * invstd * (dy - dbeta / M - xhat * dgamma / M).
// gamma may be null (1). dgamma and dbeta are always written.
using BatchNormGradFn = void (*)(int64_t n, int64_t c, int64_t s, const float* x, const float* dy,
                                 const float* gamma, const float* mean, const float* invstd, float* dx,
                                 float* dgamma, float* dbeta);

// Reference kernels (sums in double), templated so the finite-difference tests can run them in double.
template <class T>
void batch_norm_train_ref(int64_t n, int64_t c, int64_t s, const T* x, const T* gamma, const T* beta, double eps,
                          T* y, T* mean, T* invstd);
template <class T>
void batch_norm_infer_ref(int64_t n, int64_t c, int64_t s, const T* x, const T* gamma, const T* beta,
                          const T* running_mean, const T* running_var, double eps, T* y);
template <class T>
void batch_norm_grad_ref(int64_t n, int64_t c, int64_t s, const T* x, const T* dy, const T* gamma, const T* mean,
                         const T* invstd, T* dx, T* dgamma, T* dbeta);

// Fast CPU kernels: two passes over memory (statistics, then the elementwise map), segments of
// (n, c) planes split across the thread pool, partial sums in double combined in a fixed order, so
// results do not depend on the thread count.
void batch_norm_train_cpu(int64_t n, int64_t c, int64_t s, const float* x, const float* gamma, const float* beta,
                          double eps, float* y, float* mean, float* invstd);
void batch_norm_infer_cpu(int64_t n, int64_t c, int64_t s, const float* x, const float* gamma, const float* beta,
                          const float* running_mean, const float* running_var, double eps, float* y);
void batch_norm_grad_cpu(int64_t n, int64_t c, int64_t s, const float* x, const float* dy, const float* gamma,
                         const float* mean, const float* invstd, float* dx, float* dgamma, float* dbeta);

// The per-segment loops of the CPU kernels, compiled once per ISA from batchnorm_cpu_loops.h.
struct BatchNormLoops {
  // s1 = sum (x - shift), s2 = sum (x - shift)^2 over x[0..len), in double.
  void (*moments)(const float* x, int64_t len, double shift, double* s1, double* s2);
  // sdy = sum dy, sdyx = sum dy * (x - mean), in double.
  void (*grad_sums)(const float* x, const float* dy, int64_t len, double mean, double* sdy, double* sdyx);
  // y = (x - center) * scale + shift.
  void (*affine)(const float* x, int64_t len, float center, float scale, float shift, float* y);
  // dx = k * dy + kx * (x - center) + k0.
  void (*grad_map)(const float* x, const float* dy, int64_t len, float center, float k, float kx, float k0,
                   float* dx);
};
const BatchNormLoops& batch_norm_loops_scalar();
const BatchNormLoops& batch_norm_loops_avx2();
const BatchNormLoops& batch_norm_loops_avx512();

}  // namespace nodulab

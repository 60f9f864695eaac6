// Batch normalization over (N, D, H, W) per channel: training forward (batch statistics), inference
// forward (running statistics) and the training backward. x, y, dy, dx: (N, C, S) with S = D*H*W;
// gamma, beta, mean, invstd, running statistics: (C). Plain pointers and sizes, no N-API.
#pragma once
#include <cstdint>

#include "ops/pool3d/pool3d.h"

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

// Fused batch norm + ReLU (Conv-BN-ReLU blocks): the train and inference forwards have the
// signatures above and write y = relu(bn(x)) (NaN propagates, as relu does).
// BatchNormReluGrad: the gradient of relu(bn(x)) from y = relu(bn(x)): with dz = (y > 0 ? dy : 0),
// exactly BatchNormGrad of dz.
using BatchNormReluGradFn = void (*)(int64_t n, int64_t c, int64_t s, const float* x, const float* y,
                                     const float* dy, const float* gamma, const float* mean, const float* invstd,
                                     float* dx, float* dgamma, float* dbeta);

// Fused batch norm + ReLU + max pool (Conv-BN-ReLU-MaxPool blocks): y = max_pool3d(relu(bn(x)))
// without ever writing relu(bn(x)). g is the pooling geometry of x (n, c and the volume sizes);
// y and indices have max_pool3d's (N, C, oD, oH, oW) shape and meaning. Train: batch statistics
// (mean, invstd out); Infer: running statistics.
using BatchNormReluMaxPoolTrainFn = void (*)(const Pool3dGeom& g, const float* x, const float* gamma,
                                             const float* beta, double eps, float* y, int32_t* indices, float* mean,
                                             float* invstd);
using BatchNormReluMaxPoolInferFn = void (*)(const Pool3dGeom& g, const float* x, const float* gamma,
                                             const float* beta, const float* running_mean,
                                             const float* running_var, double eps, float* y, int32_t* indices);
// The training gradient from the pooled y, indices and dy: dz = MaxPool3DGrad of (y > 0 ? dy : 0)
// (the ReLU mask at each chosen element equals y > 0), then BatchNormGrad of dz.
using BatchNormReluMaxPoolGradFn = void (*)(const Pool3dGeom& g, const float* x, const float* y,
                                            const int32_t* indices, const float* dy, const float* gamma,
                                            const float* mean, const float* invstd, float* dx, float* dgamma,
                                            float* dbeta);

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
// Fused references: the plain reference followed by relu (forward), or applied to the masked dy (grad).
template <class T>
void batch_norm_relu_train_ref(int64_t n, int64_t c, int64_t s, const T* x, const T* gamma, const T* beta,
                               double eps, T* y, T* mean, T* invstd);
template <class T>
void batch_norm_relu_infer_ref(int64_t n, int64_t c, int64_t s, const T* x, const T* gamma, const T* beta,
                               const T* running_mean, const T* running_var, double eps, T* y);
template <class T>
void batch_norm_relu_grad_ref(int64_t n, int64_t c, int64_t s, const T* x, const T* y, const T* dy, const T* gamma,
                              const T* mean, const T* invstd, T* dx, T* dgamma, T* dbeta);

// Fused BN+ReLU+MaxPool references: the BN+ReLU reference, then the max-pool reference (forward);
// the max-pool gradient of the masked dy, then the batch-norm gradient reference (grad).
template <class T>
void batch_norm_relu_max_pool_train_ref(const Pool3dGeom& g, const T* x, const T* gamma, const T* beta, double eps,
                                        T* y, int32_t* indices, T* mean, T* invstd);
template <class T>
void batch_norm_relu_max_pool_infer_ref(const Pool3dGeom& g, const T* x, const T* gamma, const T* beta,
                                        const T* running_mean, const T* running_var, double eps, T* y,
                                        int32_t* indices);
template <class T>
void batch_norm_relu_max_pool_grad_ref(const Pool3dGeom& g, const T* x, const T* y, const int32_t* indices,
                                       const T* dy, const T* gamma, const T* mean, const T* invstd, T* dx, T* dgamma,
                                       T* dbeta);

// Fast CPU kernels: two passes over memory (statistics, then the elementwise map), segments of
// (n, c) planes split across the thread pool, partial sums in double combined in a fixed order, so
// results do not depend on the thread count.
void batch_norm_train_cpu(int64_t n, int64_t c, int64_t s, const float* x, const float* gamma, const float* beta,
                          double eps, float* y, float* mean, float* invstd);
void batch_norm_infer_cpu(int64_t n, int64_t c, int64_t s, const float* x, const float* gamma, const float* beta,
                          const float* running_mean, const float* running_var, double eps, float* y);
void batch_norm_grad_cpu(int64_t n, int64_t c, int64_t s, const float* x, const float* dy, const float* gamma,
                         const float* mean, const float* invstd, float* dx, float* dgamma, float* dbeta);
// Fused fast kernels: the same passes over memory as the plain ones, with relu folded into the map
// (forward) or the mask y > 0 folded into both passes (grad); no separate relu pass or buffer.
void batch_norm_relu_train_cpu(int64_t n, int64_t c, int64_t s, const float* x, const float* gamma,
                               const float* beta, double eps, float* y, float* mean, float* invstd);
void batch_norm_relu_infer_cpu(int64_t n, int64_t c, int64_t s, const float* x, const float* gamma,
                               const float* beta, const float* running_mean, const float* running_var, double eps,
                               float* y);
void batch_norm_relu_grad_cpu(int64_t n, int64_t c, int64_t s, const float* x, const float* y, const float* dy,
                              const float* gamma, const float* mean, const float* invstd, float* dx, float* dgamma,
                              float* dbeta);

// Fused BN+ReLU+MaxPool fast kernels (batchnorm_pool_cpu.cc): per (n, c) plane, relu(bn(x)) goes
// to a cache-resident scratch plane that the max pool reads; the gradient sums over the pooled
// outputs only and writes dx in one pass (the affine part, then the chosen elements' share).
void batch_norm_relu_max_pool_train_cpu(const Pool3dGeom& g, const float* x, const float* gamma, const float* beta,
                                        double eps, float* y, int32_t* indices, float* mean, float* invstd);
void batch_norm_relu_max_pool_infer_cpu(const Pool3dGeom& g, const float* x, const float* gamma, const float* beta,
                                        const float* running_mean, const float* running_var, double eps, float* y,
                                        int32_t* indices);
void batch_norm_relu_max_pool_grad_cpu(const Pool3dGeom& g, const float* x, const float* y, const int32_t* indices,
                                       const float* dy, const float* gamma, const float* mean, const float* invstd,
                                       float* dx, float* dgamma, float* dbeta);

// Pieces of the CPU kernels shared with the fused BN+ReLU+MaxPool kernels (batchnorm_pool_cpu.cc):
// batch statistics exactly as batch_norm_train_cpu computes them, plus the per-channel map
// y = (x - mean) * scale + offset; the same map from running statistics (center = running_mean);
// and, from the per-channel sums of dy and dy * (x - mean) over m_count values, dgamma, dbeta and
// the coefficients of dx = k * dy + kx * (x - mean) + k0.
void batch_norm_train_stats_cpu(int64_t n, int64_t c, int64_t s, const float* x, const float* gamma,
                                const float* beta, double eps, float* mean, float* invstd, float* scale,
                                float* offset);
void batch_norm_infer_affine(int64_t c, const float* gamma, const float* beta, const float* running_var, double eps,
                             float* scale, float* offset);
void batch_norm_grad_coefficients(int64_t m_count, int64_t c, const double* sum_dy, const double* sum_dyx,
                                  const float* gamma, const float* invstd, float* dgamma, float* dbeta, float* k,
                                  float* kx, float* k0);

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
  // y = relu((x - center) * scale + shift), NaN kept.
  void (*affine_relu)(const float* x, int64_t len, float center, float scale, float shift, float* y);
  // grad_sums of dz = (y > 0 ? dy : 0).
  void (*masked_grad_sums)(const float* x, const float* y, const float* dy, int64_t len, double mean, double* sdy,
                           double* sdyx);
  // grad_map of dz = (y > 0 ? dy : 0).
  void (*masked_grad_map)(const float* x, const float* y, const float* dy, int64_t len, float center, float k,
                          float kx, float k0, float* dx);
};
// The loops for active_isa().
const BatchNormLoops& batch_norm_loops();
const BatchNormLoops& batch_norm_loops_scalar();
const BatchNormLoops& batch_norm_loops_avx2();
const BatchNormLoops& batch_norm_loops_avx512();

}  // namespace nodulab

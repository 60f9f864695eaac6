// CUDA batch norm (device pointers; batchnorm_ref.cc semantics, arithmetic in double like the
// reference): train / infer / grad, the fused BN+ReLU kernels and the fused BN+ReLU+MaxPool kernels.
// Per-channel sums are deterministic: each (channel, chunk) block sums a fixed slice in a fixed
// order, then one pass adds the chunk partials in chunk order. No atomics.
#include "core/cuda_check.cuh"
#include "core/registry.h"
#include "ops/batchnorm/batchnorm.h"
#include "ops/kernel_names.h"

namespace nodulab {
namespace {
using cuda::DeviceBuffer;
using cuda::kThreads;

// Chunks per channel for m = n * s values: about 16K values each, at most 256 (a function of the
// shape only, so results do not depend on the device).
int chunks_for(int64_t m) {
  int64_t k = (m + 16383) / 16384;
  return static_cast<int>(k < 1 ? 1 : (k > 256 ? 256 : k));
}

// What one reduction sums per element k = (b, i) of channel ch (two sums; the second may be unused).
enum class Sum { X, SqDev, Grad, MaskedGrad };

// partials[(ch * chunks + chunk) * 2 + {0,1}] = the chunk's sums, in double.
template <Sum kWhat>
__global__ void channel_sums_kernel(int64_t n, int64_t c, int64_t s, const float* x, const float* dy,
                                    const float* y, const double* mean, const double* invstd, int chunks,
                                    double* partials) {
  __shared__ double scratch[kThreads];
  const int64_t ch = blockIdx.y, m = n * s;
  const int64_t per = (m + chunks - 1) / chunks;
  const int64_t k0 = blockIdx.x * per, k1 = min(m, k0 + per);
  const double mu = mean ? mean[ch] : 0.0, istd = invstd ? invstd[ch] : 0.0;
  double s0 = 0, s1 = 0;
  for (int64_t k = k0 + threadIdx.x; k < k1; k += blockDim.x) {
    const int64_t at = ((k / s) * c + ch) * s + k % s;
    const double xv = x[at];
    if (kWhat == Sum::X) {
      s0 += xv;
    } else if (kWhat == Sum::SqDev) {
      const double d = xv - mu;
      s0 += d * d;
    } else {
      double g = dy[at];
      if (kWhat == Sum::MaskedGrad && !(y[at] > 0.f)) g = 0.0;
      s0 += g;
      s1 += g * (xv - mu) * istd;
    }
  }
  s0 = cuda::block_sum(s0, scratch);
  if (kWhat == Sum::Grad || kWhat == Sum::MaskedGrad) s1 = cuda::block_sum(s1, scratch);
  if (threadIdx.x == 0) {
    partials[(ch * chunks + blockIdx.x) * 2] = s0;
    partials[(ch * chunks + blockIdx.x) * 2 + 1] = s1;
  }
}

// Adds each channel's chunk partials in chunk order: totals[ch * 2 + {0,1}].
__global__ void combine_kernel(int64_t c, int chunks, const double* partials, double* totals) {
  NODULAB_GRID_STRIDE(ch, c) {
    double a = 0, b = 0;
    for (int k = 0; k < chunks; ++k) a += partials[(ch * chunks + k) * 2], b += partials[(ch * chunks + k) * 2 + 1];
    totals[ch * 2] = a, totals[ch * 2 + 1] = b;
  }
}

// Runs one reduction and leaves the per-channel totals (c, 2) in `totals`.
template <Sum kWhat>
void channel_sums(int64_t n, int64_t c, int64_t s, const float* x, const float* dy, const float* y,
                  const double* mean, const double* invstd, double* totals, const char* op) {
  const int chunks = chunks_for(n * s);
  DeviceBuffer<double> partials(c * chunks * 2, op);
  channel_sums_kernel<kWhat><<<dim3(chunks, static_cast<unsigned>(c)), kThreads>>>(n, c, s, x, dy, y, mean, invstd,
                                                                                  chunks, partials.get());
  NODULAB_CUDA_LAUNCHED(op);
  combine_kernel<<<cuda::blocks_for(c), kThreads>>>(c, chunks, partials.get(), totals);
  NODULAB_CUDA_LAUNCHED(op);
}

__global__ void mean_kernel(int64_t c, double m, const double* sums, double* mean_d, float* mean) {
  NODULAB_GRID_STRIDE(ch, c) {
    mean_d[ch] = sums[ch * 2] / m;
    mean[ch] = static_cast<float>(mean_d[ch]);
  }
}
__global__ void invstd_kernel(int64_t c, double m, double eps, const double* sq, double* istd_d, float* invstd) {
  NODULAB_GRID_STRIDE(ch, c) {
    istd_d[ch] = 1.0 / sqrt(sq[ch * 2] / m + eps);
    invstd[ch] = static_cast<float>(istd_d[ch]);
  }
}
__global__ void running_kernel(int64_t c, double eps, const float* running_mean, const float* running_var,
                               double* mean_d, double* istd_d) {
  NODULAB_GRID_STRIDE(ch, c) {
    mean_d[ch] = running_mean[ch];
    istd_d[ch] = 1.0 / sqrt(static_cast<double>(running_var[ch]) + eps);
  }
}
__global__ void float_to_double_kernel(int64_t c, const float* a, const float* b, double* da, double* db) {
  NODULAB_GRID_STRIDE(ch, c) da[ch] = a[ch], db[ch] = b[ch];
}

// relu(bn(x)) at one element, the reference's expression in double (NaN kept by the relu).
template <bool kRelu>
__device__ inline float bn_value(float x, double mu, double istd, const float* gamma, const float* beta, int64_t ch) {
  const double g = gamma ? static_cast<double>(gamma[ch]) : 1.0, bt = beta ? static_cast<double>(beta[ch]) : 0.0;
  float v = static_cast<float>((x - mu) * istd * g + bt);
  if (kRelu && !(v > 0.f) && v == v) v = 0.f;
  return v;
}

template <bool kRelu>
__global__ void bn_map_kernel(int64_t total, int64_t c, int64_t s, const float* x, const float* gamma,
                              const float* beta, const double* mean, const double* invstd, float* y) {
  NODULAB_GRID_STRIDE(k, total) {
    const int64_t ch = (k / s) % c;
    y[k] = bn_value<kRelu>(x[k], mean[ch], invstd[ch], gamma, beta, ch);
  }
}

template <bool kMasked>
__global__ void bn_grad_map_kernel(int64_t total, int64_t c, int64_t s, double m, const float* x, const float* y,
                                   const float* dy, const float* gamma, const double* mean, const double* invstd,
                                   const double* sums, float* dx) {
  NODULAB_GRID_STRIDE(k, total) {
    const int64_t ch = (k / s) % c;
    const double mu = mean[ch], istd = invstd[ch], g = gamma ? static_cast<double>(gamma[ch]) : 1.0;
    double d = dy[k];
    if (kMasked && !(y[k] > 0.f)) d = 0.0;
    const double xhat = (x[k] - mu) * istd;
    dx[k] = static_cast<float>(g * istd * (d - sums[ch * 2] / m - xhat * sums[ch * 2 + 1] / m));
  }
}
__global__ void grad_params_kernel(int64_t c, const double* sums, float* dgamma, float* dbeta) {
  NODULAB_GRID_STRIDE(ch, c) {
    dgamma[ch] = static_cast<float>(sums[ch * 2 + 1]);
    dbeta[ch] = static_cast<float>(sums[ch * 2]);
  }
}

// Batch statistics: mean / invstd (float outputs) and their double copies for the map.
void train_stats(int64_t n, int64_t c, int64_t s, const float* x, double eps, float* mean, float* invstd,
                 double* mean_d, double* istd_d, const char* op) {
  DeviceBuffer<double> sums(c * 2, op);
  const double m = static_cast<double>(n * s);
  channel_sums<Sum::X>(n, c, s, x, nullptr, nullptr, nullptr, nullptr, sums.get(), op);
  mean_kernel<<<cuda::blocks_for(c), kThreads>>>(c, m, sums.get(), mean_d, mean);
  NODULAB_CUDA_LAUNCHED(op);
  channel_sums<Sum::SqDev>(n, c, s, x, nullptr, nullptr, mean_d, nullptr, sums.get(), op);
  invstd_kernel<<<cuda::blocks_for(c), kThreads>>>(c, m, eps, sums.get(), istd_d, invstd);
  NODULAB_CUDA_LAUNCHED(op);
}

template <bool kRelu>
void batch_norm_train_cuda(int64_t n, int64_t c, int64_t s, const float* x, const float* gamma, const float* beta,
                           double eps, float* y, float* mean, float* invstd) {
  const char* op = kRelu ? kernels::kBatchNormReluTrain : kernels::kBatchNormTrain;
  if (n <= 0 || c <= 0 || s <= 0) return;
  DeviceBuffer<double> mean_d(c, op), istd_d(c, op);
  train_stats(n, c, s, x, eps, mean, invstd, mean_d.get(), istd_d.get(), op);
  const int64_t total = n * c * s;
  bn_map_kernel<kRelu><<<cuda::blocks_for(total), kThreads>>>(total, c, s, x, gamma, beta, mean_d.get(),
                                                              istd_d.get(), y);
  NODULAB_CUDA_LAUNCHED(op);
}

template <bool kRelu>
void batch_norm_infer_cuda(int64_t n, int64_t c, int64_t s, const float* x, const float* gamma, const float* beta,
                           const float* running_mean, const float* running_var, double eps, float* y) {
  const char* op = kRelu ? kernels::kBatchNormReluInfer : kernels::kBatchNormInfer;
  if (n <= 0 || c <= 0 || s <= 0) return;
  DeviceBuffer<double> mean_d(c, op), istd_d(c, op);
  running_kernel<<<cuda::blocks_for(c), kThreads>>>(c, eps, running_mean, running_var, mean_d.get(), istd_d.get());
  NODULAB_CUDA_LAUNCHED(op);
  const int64_t total = n * c * s;
  bn_map_kernel<kRelu><<<cuda::blocks_for(total), kThreads>>>(total, c, s, x, gamma, beta, mean_d.get(),
                                                              istd_d.get(), y);
  NODULAB_CUDA_LAUNCHED(op);
}

// The shared backward: y == nullptr for the plain grad, else dy is masked by y > 0.
void batch_norm_grad_impl(int64_t n, int64_t c, int64_t s, const float* x, const float* y, const float* dy,
                          const float* gamma, const float* mean, const float* invstd, float* dx, float* dgamma,
                          float* dbeta, const char* op) {
  if (n <= 0 || c <= 0 || s <= 0) return;
  DeviceBuffer<double> mean_d(c, op), istd_d(c, op), sums(c * 2, op);
  float_to_double_kernel<<<cuda::blocks_for(c), kThreads>>>(c, mean, invstd, mean_d.get(), istd_d.get());
  NODULAB_CUDA_LAUNCHED(op);
  const int64_t total = n * c * s;
  const double m = static_cast<double>(n * s);
  if (y) {
    channel_sums<Sum::MaskedGrad>(n, c, s, x, dy, y, mean_d.get(), istd_d.get(), sums.get(), op);
    bn_grad_map_kernel<true><<<cuda::blocks_for(total), kThreads>>>(total, c, s, m, x, y, dy, gamma, mean_d.get(),
                                                                     istd_d.get(), sums.get(), dx);
  } else {
    channel_sums<Sum::Grad>(n, c, s, x, dy, nullptr, mean_d.get(), istd_d.get(), sums.get(), op);
    bn_grad_map_kernel<false><<<cuda::blocks_for(total), kThreads>>>(total, c, s, m, x, nullptr, dy, gamma,
                                                                      mean_d.get(), istd_d.get(), sums.get(), dx);
  }
  NODULAB_CUDA_LAUNCHED(op);
  grad_params_kernel<<<cuda::blocks_for(c), kThreads>>>(c, sums.get(), dgamma, dbeta);
  NODULAB_CUDA_LAUNCHED(op);
}

void batch_norm_grad_cuda(int64_t n, int64_t c, int64_t s, const float* x, const float* dy, const float* gamma,
                          const float* mean, const float* invstd, float* dx, float* dgamma, float* dbeta) {
  batch_norm_grad_impl(n, c, s, x, nullptr, dy, gamma, mean, invstd, dx, dgamma, dbeta, kernels::kBatchNormGrad);
}
void batch_norm_relu_grad_cuda(int64_t n, int64_t c, int64_t s, const float* x, const float* y, const float* dy,
                               const float* gamma, const float* mean, const float* invstd, float* dx, float* dgamma,
                               float* dbeta) {
  batch_norm_grad_impl(n, c, s, x, y, dy, gamma, mean, invstd, dx, dgamma, dbeta, kernels::kBatchNormReluGrad);
}

// ---- fused BN + ReLU + MaxPool3D -------------------------------------------------------------------

// y = max pool of relu(bn(x)), relu(bn(x)) computed per window element and never stored; the max
// rule (first maximum, NaN wins) and scan order are the reference's.
__global__ void bn_relu_max_pool_kernel(Pool3dGeom g, const float* x, const float* gamma, const float* beta,
                                        const double* mean, const double* invstd, float* y, int32_t* indices) {
  const int64_t total = (g.n * g.c) * (g.od * g.oh * g.ow);
  NODULAB_GRID_STRIDE(o, total) {
    const int64_t p = o / (g.od * g.oh * g.ow), r = o % (g.od * g.oh * g.ow), ch = p % g.c;
    const int64_t od = r / (g.oh * g.ow), oh = (r / g.ow) % g.oh, ow = r % g.ow;
    const int64_t z0 = od * g.sd - g.pd, y0 = oh * g.sh - g.ph, x0 = ow * g.sw - g.pw;
    const int64_t z1 = min(min(z0 + g.kd, g.d + g.pd), g.d), y1 = min(min(y0 + g.kh, g.h + g.ph), g.h),
                  x1 = min(min(x0 + g.kw, g.w + g.pw), g.w);
    const int64_t zs = (z0 > 0 ? z0 : int64_t{0}), ys = (y0 > 0 ? y0 : int64_t{0}), xs = (x0 > 0 ? x0 : int64_t{0});
    const float* xp = x + p * (g.d * g.h * g.w);
    const double mu = mean[ch], istd = invstd[ch];
    float best = -INFINITY;
    int32_t best_index = static_cast<int32_t>((zs * g.h + ys) * g.w + xs);
    for (int64_t z = zs; z < z1; ++z)
      for (int64_t yy = ys; yy < y1; ++yy)
        for (int64_t xx = xs; xx < x1; ++xx) {
          const int64_t i = (z * g.h + yy) * g.w + xx;
          const float v = bn_value<true>(xp[i], mu, istd, gamma, beta, ch);
          if (v > best || v != v) best = v, best_index = static_cast<int32_t>(i);
        }
    y[o] = best;
    indices[o] = best_index;
  }
}

void batch_norm_relu_max_pool_train_cuda(const Pool3dGeom& g, const float* x, const float* gamma, const float* beta,
                                         double eps, float* y, int32_t* indices, float* mean, float* invstd) {
  const char* op = kernels::kBatchNormReluMaxPoolTrain;
  if ((g.n * g.c) <= 0 || (g.d * g.h * g.w) <= 0) return;
  DeviceBuffer<double> mean_d(g.c, op), istd_d(g.c, op);
  train_stats(g.n, g.c, (g.d * g.h * g.w), x, eps, mean, invstd, mean_d.get(), istd_d.get(), op);
  const int64_t total = (g.n * g.c) * (g.od * g.oh * g.ow);
  if (total <= 0) return;
  bn_relu_max_pool_kernel<<<cuda::blocks_for(total), kThreads>>>(g, x, gamma, beta, mean_d.get(), istd_d.get(), y,
                                                                  indices);
  NODULAB_CUDA_LAUNCHED(op);
}

void batch_norm_relu_max_pool_infer_cuda(const Pool3dGeom& g, const float* x, const float* gamma, const float* beta,
                                         const float* running_mean, const float* running_var, double eps, float* y,
                                         int32_t* indices) {
  const char* op = kernels::kBatchNormReluMaxPoolInfer;
  const int64_t total = (g.n * g.c) * (g.od * g.oh * g.ow);
  if (g.c <= 0 || total <= 0) return;
  DeviceBuffer<double> mean_d(g.c, op), istd_d(g.c, op);
  running_kernel<<<cuda::blocks_for(g.c), kThreads>>>(g.c, eps, running_mean, running_var, mean_d.get(),
                                                      istd_d.get());
  NODULAB_CUDA_LAUNCHED(op);
  bn_relu_max_pool_kernel<<<cuda::blocks_for(total), kThreads>>>(g, x, gamma, beta, mean_d.get(), istd_d.get(), y,
                                                                  indices);
  NODULAB_CUDA_LAUNCHED(op);
}

__global__ void relu_mask_kernel(int64_t n, const float* y, const float* dy, float* out) {
  NODULAB_GRID_STRIDE(i, n) out[i] = y[i] > 0.f ? dy[i] : 0.f;
}

// The reference's composition on the device: dz = MaxPool3DGrad(y > 0 ? dy : 0), then BatchNormGrad.
void batch_norm_relu_max_pool_grad_cuda(const Pool3dGeom& g, const float* x, const float* y, const int32_t* indices,
                                        const float* dy, const float* gamma, const float* mean, const float* invstd,
                                        float* dx, float* dgamma, float* dbeta) {
  const char* op = kernels::kBatchNormReluMaxPoolGrad;
  if ((g.n * g.c) <= 0 || (g.d * g.h * g.w) <= 0) return;
  const int64_t pooled = (g.n * g.c) * (g.od * g.oh * g.ow), total = (g.n * g.c) * (g.d * g.h * g.w);
  DeviceBuffer<float> masked(pooled, op), dz(total, op);
  if (pooled > 0) {
    relu_mask_kernel<<<cuda::blocks_for(pooled), kThreads>>>(pooled, y, dy, masked.get());
    NODULAB_CUDA_LAUNCHED(op);
  }
  auto pool_grad = find_kernel<MaxPool3dGradFn>(kernels::kMaxPool3DGrad, Backend::Cuda);
  pool_grad(g, masked.get(), indices, dz.get());
  batch_norm_grad_impl(g.n, g.c, (g.d * g.h * g.w), x, nullptr, dz.get(), gamma, mean, invstd, dx, dgamma, dbeta, op);
}

}  // namespace

void register_batchnorm_cuda() {
  using namespace kernels;
  register_kernel<BatchNormTrainFn>(kBatchNormTrain, Backend::Cuda, &batch_norm_train_cuda<false>);
  register_kernel<BatchNormInferFn>(kBatchNormInfer, Backend::Cuda, &batch_norm_infer_cuda<false>);
  register_kernel<BatchNormGradFn>(kBatchNormGrad, Backend::Cuda, &batch_norm_grad_cuda);
  register_kernel<BatchNormTrainFn>(kBatchNormReluTrain, Backend::Cuda, &batch_norm_train_cuda<true>);
  register_kernel<BatchNormInferFn>(kBatchNormReluInfer, Backend::Cuda, &batch_norm_infer_cuda<true>);
  register_kernel<BatchNormReluGradFn>(kBatchNormReluGrad, Backend::Cuda, &batch_norm_relu_grad_cuda);
  register_kernel<BatchNormReluMaxPoolTrainFn>(kBatchNormReluMaxPoolTrain, Backend::Cuda,
                                               &batch_norm_relu_max_pool_train_cuda);
  register_kernel<BatchNormReluMaxPoolInferFn>(kBatchNormReluMaxPoolInfer, Backend::Cuda,
                                               &batch_norm_relu_max_pool_infer_cuda);
  register_kernel<BatchNormReluMaxPoolGradFn>(kBatchNormReluMaxPoolGrad, Backend::Cuda,
                                              &batch_norm_relu_max_pool_grad_cuda);
}

}  // namespace nodulab

// CUDA softmax / log-softmax over rows of (rows, cols) and their gradients (device pointers;
// softmax_ref.cc semantics: NaN-ignoring row max, a NaN in a row makes the row NaN). One block per
// row, block reductions in a fixed tree order.
#include "core/cuda_check.cuh"
#include "core/registry.h"
#include "ops/kernel_names.h"
#include "ops/softmax/softmax.h"

namespace nodulab {
namespace {
using cuda::block_max;
using cuda::block_sum;
constexpr int kRowThreads = 256;

template <bool kLog>
__global__ void softmax_kernel(int64_t cols, const float* x, float* y) {
  __shared__ float scratch[kRowThreads];
  const float* xr = x + blockIdx.x * cols;
  float* yr = y + blockIdx.x * cols;
  float m = -INFINITY;
  for (int64_t j = threadIdx.x; j < cols; j += blockDim.x) m = fmaxf(m, xr[j]);
  m = block_max(m, scratch);
  float s = 0.f;
  for (int64_t j = threadIdx.x; j < cols; j += blockDim.x) s += expf(xr[j] - m);
  s = block_sum(s, scratch);
  if (kLog) {
    const float ls = logf(s);
    for (int64_t j = threadIdx.x; j < cols; j += blockDim.x) yr[j] = xr[j] - m - ls;
  } else {
    for (int64_t j = threadIdx.x; j < cols; j += blockDim.x) yr[j] = expf(xr[j] - m) / s;
  }
}

template <bool kLog>
__global__ void softmax_grad_kernel(int64_t cols, const float* y, const float* dy, float* dx) {
  __shared__ float scratch[kRowThreads];
  const int64_t base = blockIdx.x * cols;
  float s = 0.f;
  for (int64_t j = threadIdx.x; j < cols; j += blockDim.x) s += kLog ? dy[base + j] : dy[base + j] * y[base + j];
  s = block_sum(s, scratch);
  for (int64_t j = threadIdx.x; j < cols; j += blockDim.x)
    dx[base + j] = kLog ? dy[base + j] - expf(y[base + j]) * s : y[base + j] * (dy[base + j] - s);
}

template <bool kLog>
void softmax_cuda(int64_t rows, int64_t cols, const float* x, float* y) {
  if (rows <= 0 || cols <= 0) return;
  softmax_kernel<kLog><<<static_cast<unsigned>(rows), kRowThreads>>>(cols, x, y);
  NODULAB_CUDA_LAUNCHED(kLog ? kernels::kLogSoftmax : kernels::kSoftmax);
}
template <bool kLog>
void softmax_grad_cuda(int64_t rows, int64_t cols, const float* y, const float* dy, float* dx) {
  if (rows <= 0 || cols <= 0) return;
  softmax_grad_kernel<kLog><<<static_cast<unsigned>(rows), kRowThreads>>>(cols, y, dy, dx);
  NODULAB_CUDA_LAUNCHED(kLog ? kernels::kLogSoftmaxGrad : kernels::kSoftmaxGrad);
}

}  // namespace

void register_softmax_cuda() {
  register_kernel<SoftmaxFn>(kernels::kSoftmax, Backend::Cuda, &softmax_cuda<false>);
  register_kernel<SoftmaxFn>(kernels::kLogSoftmax, Backend::Cuda, &softmax_cuda<true>);
  register_kernel<SoftmaxGradFn>(kernels::kSoftmaxGrad, Backend::Cuda, &softmax_grad_cuda<false>);
  register_kernel<SoftmaxGradFn>(kernels::kLogSoftmaxGrad, Backend::Cuda, &softmax_grad_cuda<true>);
}

}  // namespace nodulab

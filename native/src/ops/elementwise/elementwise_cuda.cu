// CUDA elementwise arithmetic (device pointers; elementwise_ref.cc semantics: beta == 0 ignores y).
#include "core/cuda_check.cuh"
#include "core/registry.h"
#include "ops/elementwise/elementwise.h"
#include "ops/kernel_names.h"

namespace nodulab {
namespace {

__global__ void axpby_kernel(int64_t n, float alpha, const float* x, float beta, const float* y, float* out) {
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x)
    out[i] = beta == 0.f ? alpha * x[i] : alpha * x[i] + beta * y[i];
}
__global__ void mul_kernel(int64_t n, const float* a, const float* b, float* out) {
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x)
    out[i] = a[i] * b[i];
}

void axpby_cuda(int64_t n, float alpha, const float* x, float beta, const float* y, float* out) {
  if (n <= 0) return;
  axpby_kernel<<<cuda::blocks_for(n), cuda::kThreads>>>(n, alpha, x, beta, y, out);
  NODULAB_CUDA_LAUNCHED(kernels::kAxpby);
}
void mul_cuda(int64_t n, const float* a, const float* b, float* out) {
  if (n <= 0) return;
  mul_kernel<<<cuda::blocks_for(n), cuda::kThreads>>>(n, a, b, out);
  NODULAB_CUDA_LAUNCHED(kernels::kMul);
}

}  // namespace

void register_elementwise_cuda() {
  register_kernel<AxpbyFn>(kernels::kAxpby, Backend::Cuda, &axpby_cuda);
  register_kernel<MulFn>(kernels::kMul, Backend::Cuda, &mul_cuda);
}

}  // namespace nodulab

// CUDA elementwise arithmetic (device pointers; elementwise_ref.cc semantics: beta == 0 ignores y).
#include "core/cuda_check.cuh"
#include "core/registry.h"
#include "ops/elementwise/elementwise.h"
#include "ops/kernel_names.h"

namespace nodulab {
namespace {

__global__ void axpby_kernel(int64_t n, float alpha, const float* x, float beta, const float* y, float* out) {
  NODULAB_GRID_STRIDE(i, n) out[i] = beta == 0.f ? alpha * x[i] : alpha * x[i] + beta * y[i];
}
__global__ void mul_kernel(int64_t n, const float* a, const float* b, float* out) {
  NODULAB_GRID_STRIDE(i, n) out[i] = a[i] * b[i];
}

void axpby_cuda(int64_t n, float alpha, const float* x, float beta, const float* y, float* out) {
  cuda::launch_grid_stride(kernels::kAxpby, n, axpby_kernel, n, alpha, x, beta, y, out);
}
void mul_cuda(int64_t n, const float* a, const float* b, float* out) {
  cuda::launch_grid_stride(kernels::kMul, n, mul_kernel, n, a, b, out);
}

}  // namespace

void register_elementwise_cuda() {
  register_kernel<AxpbyFn>(kernels::kAxpby, Backend::Cuda, &axpby_cuda);
  register_kernel<MulFn>(kernels::kMul, Backend::Cuda, &mul_cuda);
}

}  // namespace nodulab

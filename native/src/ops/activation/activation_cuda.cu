// CUDA activations and their gradients (device pointers; same signatures and NaN rules as
// activation_ref.cc): one grid-stride elementwise kernel per op, registered for Backend::Cuda.
#include "core/cuda_check.cuh"
#include "core/registry.h"
#include "ops/activation/activation.h"
#include "ops/kernel_names.h"

namespace nodulab {
namespace {
using cuda::launch_grid_stride;

__global__ void relu_kernel(int64_t n, const float* x, float* y) {
  NODULAB_GRID_STRIDE(i, n) { const float v = x[i]; y[i] = v != v ? v : (v > 0.f ? v : 0.f); }
}
__global__ void relu_grad_kernel(int64_t n, const float* x, const float* dy, float* dx) {
  NODULAB_GRID_STRIDE(i, n) dx[i] = x[i] > 0.f ? dy[i] : 0.f;
}
__global__ void leaky_relu_kernel(int64_t n, float alpha, const float* x, float* y) {
  NODULAB_GRID_STRIDE(i, n) { const float v = x[i]; y[i] = v > 0.f ? v : alpha * v; }
}
__global__ void leaky_relu_grad_kernel(int64_t n, float alpha, const float* x, const float* dy, float* dx) {
  NODULAB_GRID_STRIDE(i, n) dx[i] = x[i] > 0.f ? dy[i] : alpha * dy[i];
}
__global__ void sigmoid_kernel(int64_t n, const float* x, float* y) {
  NODULAB_GRID_STRIDE(i, n) y[i] = 1.f / (1.f + expf(-x[i]));
}
__global__ void sigmoid_grad_kernel(int64_t n, const float* y, const float* dy, float* dx) {
  NODULAB_GRID_STRIDE(i, n) dx[i] = dy[i] * y[i] * (1.f - y[i]);
}

void relu_cuda(int64_t n, const float* x, float* y) { launch_grid_stride(kernels::kRelu, n, relu_kernel, n, x, y); }
void relu_grad_cuda(int64_t n, const float* x, const float* dy, float* dx) {
  launch_grid_stride(kernels::kReluGrad, n, relu_grad_kernel, n, x, dy, dx);
}
void leaky_relu_cuda(int64_t n, float alpha, const float* x, float* y) {
  launch_grid_stride(kernels::kLeakyRelu, n, leaky_relu_kernel, n, alpha, x, y);
}
void leaky_relu_grad_cuda(int64_t n, float alpha, const float* x, const float* dy, float* dx) {
  launch_grid_stride(kernels::kLeakyReluGrad, n, leaky_relu_grad_kernel, n, alpha, x, dy, dx);
}
void sigmoid_cuda(int64_t n, const float* x, float* y) { launch_grid_stride(kernels::kSigmoid, n, sigmoid_kernel, n, x, y); }
void sigmoid_grad_cuda(int64_t n, const float* y, const float* dy, float* dx) {
  launch_grid_stride(kernels::kSigmoidGrad, n, sigmoid_grad_kernel, n, y, dy, dx);
}

}  // namespace

void register_activation_cuda() {
  using namespace kernels;
  register_kernel<UnaryFn>(kRelu, Backend::Cuda, &relu_cuda);
  register_kernel<UnaryGradFn>(kReluGrad, Backend::Cuda, &relu_grad_cuda);
  register_kernel<UnaryAlphaFn>(kLeakyRelu, Backend::Cuda, &leaky_relu_cuda);
  register_kernel<UnaryAlphaGradFn>(kLeakyReluGrad, Backend::Cuda, &leaky_relu_grad_cuda);
  register_kernel<UnaryFn>(kSigmoid, Backend::Cuda, &sigmoid_cuda);
  register_kernel<UnaryGradFn>(kSigmoidGrad, Backend::Cuda, &sigmoid_grad_cuda);
}

}  // namespace nodulab

// CUDA activations and their gradients (device pointers; same signatures and NaN rules as
// activation_ref.cc): one grid-stride elementwise kernel per op, registered for Backend::Cuda.
#include "core/cuda_check.cuh"
#include "core/registry.h"
#include "ops/activation/activation.h"
#include "ops/kernel_names.h"

namespace nodulab {
namespace {

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

}  // namespace

// Each launcher runs its kernel over n elements (nothing when n <= 0); errors name the kernel.
void register_activation_cuda() {
  using namespace kernels;
  using cuda::launch_grid_stride;
  register_kernel<UnaryFn>(kRelu, Backend::Cuda,
                           [](int64_t n, const float* x, float* y) { launch_grid_stride(kRelu, n, relu_kernel, n, x, y); });
  register_kernel<UnaryGradFn>(kReluGrad, Backend::Cuda, [](int64_t n, const float* x, const float* dy, float* dx) {
    launch_grid_stride(kReluGrad, n, relu_grad_kernel, n, x, dy, dx);
  });
  register_kernel<UnaryAlphaFn>(kLeakyRelu, Backend::Cuda, [](int64_t n, float alpha, const float* x, float* y) {
    launch_grid_stride(kLeakyRelu, n, leaky_relu_kernel, n, alpha, x, y);
  });
  register_kernel<UnaryAlphaGradFn>(
      kLeakyReluGrad, Backend::Cuda, [](int64_t n, float alpha, const float* x, const float* dy, float* dx) {
        launch_grid_stride(kLeakyReluGrad, n, leaky_relu_grad_kernel, n, alpha, x, dy, dx);
      });
  register_kernel<UnaryFn>(kSigmoid, Backend::Cuda, [](int64_t n, const float* x, float* y) {
    launch_grid_stride(kSigmoid, n, sigmoid_kernel, n, x, y);
  });
  register_kernel<UnaryGradFn>(kSigmoidGrad, Backend::Cuda, [](int64_t n, const float* y, const float* dy, float* dx) {
    launch_grid_stride(kSigmoidGrad, n, sigmoid_grad_kernel, n, y, dy, dx);
  });
}

}  // namespace nodulab

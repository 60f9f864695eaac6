// Helpers for the CUDA kernel files: the error-checking macro (CUDA errors become exceptions naming
// the op), launch sizes, and deterministic block reductions (fixed tree order, no atomics).
#pragma once
#include <cuda_runtime.h>

#include <cstdint>
#include <sstream>
#include <stdexcept>
#include <string>

#include "core/cuda_runtime.h"

namespace nodulab::cuda {

[[noreturn]] inline void throw_cuda_error(cudaError_t err, const char* op, const char* what, const char* file,
                                          int line) {
  std::ostringstream o;
  o << op << ": CUDA error " << cudaGetErrorName(err) << " (" << cudaGetErrorString(err) << ") in " << what << " at "
    << file << ":" << line;
  throw std::runtime_error(o.str());
}

}  // namespace nodulab::cuda

// NODULAB_CUDA_CHECK(op, call): runs a CUDA runtime call; a failure throws std::runtime_error naming op.
#define NODULAB_CUDA_CHECK(op, call)                                                           \
  do {                                                                                         \
    cudaError_t nodulab_err_ = (call);                                                         \
    if (nodulab_err_ != cudaSuccess)                                                           \
      ::nodulab::cuda::throw_cuda_error(nodulab_err_, (op), #call, __FILE__, __LINE__);        \
  } while (0)

// NODULAB_CUDA_LAUNCHED(op): checks the kernel launch just made (bad configuration, no device).
#define NODULAB_CUDA_LAUNCHED(op) NODULAB_CUDA_CHECK((op), cudaGetLastError())

// NODULAB_GRID_STRIDE(i, n): the grid-stride loop `for (i = this thread; i < n; i += all threads)`.
#define NODULAB_GRID_STRIDE(i, n)                                                              \
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < (n);       \
       i += static_cast<int64_t>(gridDim.x) * blockDim.x)

namespace nodulab::cuda {

constexpr int kThreads = 256;  // threads per block of the elementwise and reduction kernels

// Blocks for a grid-stride loop over n elements (at least 1, capped so the index math stays small).
inline unsigned int blocks_for(int64_t n, int threads = kThreads) {
  int64_t b = (n + threads - 1) / threads;
  if (b < 1) b = 1;
  if (b > 65535LL * 8) b = 65535LL * 8;
  return static_cast<unsigned int>(b);
}

// Launches kernel<<<blocks_for(n), kThreads>>>(args...), a grid-stride loop over n elements, unless
// n <= 0, and checks the launch (errors name op).
template <class... Params, class... Args>
void launch_grid_stride(const char* op, int64_t n, void (*kernel)(Params...), Args... args) {
  if (n <= 0) return;
  kernel<<<blocks_for(n), kThreads>>>(args...);
  NODULAB_CUDA_LAUNCHED(op);
}

// Sum of v over the block (blockDim.x a power of two <= 1024), in a fixed tree order; every thread
// gets the result. `scratch` holds blockDim.x values of T in shared memory.
template <class T>
__device__ inline T block_sum(T v, T* scratch) {
  scratch[threadIdx.x] = v;
  __syncthreads();
  for (unsigned int s = blockDim.x / 2; s > 0; s >>= 1) {
    if (threadIdx.x < s) scratch[threadIdx.x] += scratch[threadIdx.x + s];
    __syncthreads();
  }
  T r = scratch[0];
  __syncthreads();
  return r;
}

// Max of v over the block ignoring NaN (fmaxf semantics: -inf for all-NaN), fixed tree order.
__device__ inline float block_max(float v, float* scratch) {
  scratch[threadIdx.x] = v;
  __syncthreads();
  for (unsigned int s = blockDim.x / 2; s > 0; s >>= 1) {
    if (threadIdx.x < s) scratch[threadIdx.x] = fmaxf(scratch[threadIdx.x], scratch[threadIdx.x + s]);
    __syncthreads();
  }
  float r = scratch[0];
  __syncthreads();
  return r;
}

}  // namespace nodulab::cuda

// CUDA Conv3D backward as implicit GEMMs (device pointers; conv3d.h semantics):
//   backprop input:  dx (Ci, N*D*H*W) = w^T (Ci, Co*kvol) x dy-gather (Co*kvol, N*D*H*W);
//   backprop filter: dw (Co, K) = dy (Co, N*P) x col^T (N*P, K), the long N*P reduction split into a
//                    fixed number of chunks (a function of the shape only) whose partials are summed
//                    in chunk order: DETERMINISTIC, no atomics. db (Co) likewise, one block per channel.
#include <algorithm>

#include "core/cuda_gemm.cuh"
#include "core/registry.h"
#include "ops/conv3d/conv3d.h"
#include "ops/conv3d/conv3d_cuda_loaders.h"
#include "ops/kernel_names.h"

namespace nodulab {
namespace {
using cuda::DeviceBuffer;

// db[co] = sum over (n, p) of dy[n, co, p]: one block per channel, per-thread strided sums in double
// combined by a fixed tree.
__global__ void bias_grad_kernel(int64_t N, int64_t Co, int64_t P, const float* dy, float* db) {
  __shared__ double scratch[cuda::kThreads];
  const int64_t co = blockIdx.x;
  double s = 0;
  for (int64_t r = threadIdx.x; r < N * P; r += blockDim.x) s += dy[((r / P) * Co + co) * P + r % P];
  s = cuda::block_sum(s, scratch);
  if (threadIdx.x == 0) db[co] = static_cast<float>(s);
}

void conv3d_backprop_input_cuda(const Conv3DParams& p, const float* dy, const float* w, float* dx) {
  const ConvGeom g = conv_geom_of(p);
  if (g.N <= 0 || g.Ci <= 0 || g.S() <= 0) return;
  cuda::tiled_gemm(InputGradLoader{g, dy, w, dx}, g.Ci, g.N * g.S(), g.Co * g.kvol(), 1,
                   kernels::kConv3DBackpropInput);
}

void conv3d_backprop_filter_cuda(const Conv3DParams& p, const float* x, const float* dy, float* dw, float* db) {
  const char* op = kernels::kConv3DBackpropFilter;
  const ConvGeom g = conv_geom_of(p);
  if (g.Co <= 0 || g.K() <= 0) return;
  const int64_t R = g.N * g.P();
  if (R <= 0) {
    cuda::memset_device(dw, 0, sizeof(float) * g.Co * g.K(), op);
    if (db) cuda::memset_device(db, 0, sizeof(float) * g.Co, op);
    return;
  }
  const int request = filter_grad_split_request(g);
  const int splits = cuda::gemm_effective_splits(R, request);
  if (splits == 1) {
    cuda::tiled_gemm(FilterGradLoader{g, x, dy, dw}, g.Co, g.K(), R, request, op);
  } else {
    DeviceBuffer<float> parts(static_cast<int64_t>(splits) * g.Co * g.K(), op);
    cuda::tiled_gemm(FilterGradLoader{g, x, dy, parts.get()}, g.Co, g.K(), R, request, op);
    cuda::sum_splits(parts.get(), splits, g.Co * g.K(), dw, op);
  }
  if (db) {
    bias_grad_kernel<<<static_cast<unsigned>(g.Co), cuda::kThreads>>>(g.N, g.Co, g.P(), dy, db);
    NODULAB_CUDA_LAUNCHED(op);
  }
}

}  // namespace

void register_conv3d_cuda_bwd() {
  register_kernel<Conv3DBackpropInputFn>(kernels::kConv3DBackpropInput, Backend::Cuda, &conv3d_backprop_input_cuda);
  register_kernel<Conv3DBackpropFilterFn>(kernels::kConv3DBackpropFilter, Backend::Cuda, &conv3d_backprop_filter_cuda);
}

}  // namespace nodulab

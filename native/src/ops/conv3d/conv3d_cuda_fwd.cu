// CUDA Conv3D forward as an implicit GEMM (device pointers; conv3d.h semantics):
// y (Co, N*P) = w (Co, K) x col (K, N*P), col built on the fly from x in the shared-memory tiles of
// core/cuda_gemm.cuh (K = Ci*kD*kH*kW in (ci, kd, kh, kw) order, P = oD*oH*oW). Bias added at the store.
#include <algorithm>

#include "core/cuda_gemm.cuh"
#include "core/registry.h"
#include "ops/conv3d/conv3d.h"
#include "ops/conv3d/conv3d_cuda_loaders.h"
#include "ops/kernel_names.h"

namespace nodulab {
namespace {

void conv3d_cuda(const Conv3DParams& p, const float* x, const float* w, const float* b, float* y) {
  const ConvGeom g = conv_geom_of(p);
  if (g.N <= 0 || g.Co <= 0 || g.P() <= 0) return;
  cuda::tiled_gemm(ForwardLoader{g, x, w, b, y}, g.Co, g.N * g.P(), g.K(), 1, kernels::kConv3D);
}

}  // namespace

void register_conv3d_cuda_fwd() { register_kernel<Conv3DFn>(kernels::kConv3D, Backend::Cuda, &conv3d_cuda); }

}  // namespace nodulab

// Inference-only fused Conv3D block: y = maxpool(relu(conv(x, w) + b)) (pool optional), with an
// eval-mode BatchNorm folded into w and b beforehand (fold_batchnorm). x (N,Ci,D,H,W) -> y (N,Co,...).
#pragma once
#include <cstdint>

#include "ops/conv3d/conv3d.h"
#include "ops/pool3d/pool3d.h"

namespace nodulab {

// w_out[co][k] = w[co][k] * s[co], b_out[co] = (b[co] - mean[co]) * s[co] + beta[co] with
// s = gamma / sqrt(var + eps) (computed in double): conv followed by BatchNorm in eval mode, as one conv.
// b, gamma, beta may be null (0, 1, 0). w (Co, K), every other array (Co).
void fold_batchnorm(int64_t Co, int64_t K, const float* w, const float* b, const float* mean, const float* var,
                    const float* gamma, const float* beta, double eps, float* w_out, float* b_out);

// y = maxpool(relu(conv(x, w) + b)) with the pooling window of `pool` (its n, c, d, h, w are the
// conv output's), or relu(conv(x, w) + b) when pool is null. b may be null.
using Conv3DReluMaxPoolFn = void (*)(const Conv3DParams& p, const float* x, const float* w, const float* b,
                                     const Pool3dGeom* pool, float* y);

// Reference: conv3d_ref, then relu, then max_pool3d_ref, each stored in full.
void conv3d_relu_max_pool_ref(const Conv3DParams& p, const float* x, const float* w, const float* b,
                              const Pool3dGeom* pool, float* y);
// Fast (see conv3d_fused.cc): with a pool, per (sample, pooled plane) the conv planes under the window into a
// per-thread scratch, then ReLU + max pool (no argmax indices); Winograd-sized layers fuse ReLU (and a 2x2x2
// stride-2 pool) into the output transform. The full-size conv output is never allocated or written.
void conv3d_relu_max_pool_cpu(const Conv3DParams& p, const float* x, const float* w, const float* b,
                              const Pool3dGeom* pool, float* y);

}  // namespace nodulab

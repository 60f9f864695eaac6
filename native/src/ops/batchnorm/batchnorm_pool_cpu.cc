// Fast CPU fused BatchNorm + ReLU + MaxPool3D (Conv-BN-ReLU-MaxPool blocks): relu(bn(x)) is never
// written to memory. Forward: batch statistics as batch_norm_train_cpu computes them, then per
// (n, c) plane relu(bn(x)) into a cache-resident scratch plane that max_pool3d_cpu pools. Grad:
// per-plane sums over the pooled outputs only (the masked dy is zero elsewhere), then per plane
// dx = kx * (x - mean) + k0 followed by k * dy added at each chosen element. Work is split by plane
// and partial sums are combined per channel in n order: bit-identical for any thread count.
#include <algorithm>
#include <vector>

#include "core/thread_pool.h"
#include "ops/batchnorm/batchnorm.h"
#include "ops/pool3d/pool3d.h"

namespace nodulab {
namespace {

// Planes per thread chunk, at least: about 64 KiB of input each.
int64_t plane_grain(const Pool3dGeom& g) { return std::max<int64_t>(1, (int64_t(1) << 14) / g.in_plane()); }

// y = max_pool3d(relu((x - center) * scale + offset)) per plane, channel = plane % c.
void pool_mapped(const Pool3dGeom& g, const float* x, const float* center, const float* scale, const float* offset,
                 float* y, int32_t* indices) {
  const BatchNormLoops& L = batch_norm_loops();
  const int64_t in = g.in_plane(), out = g.out_plane();
  Pool3dGeom one = g;  // a single plane: max_pool3d_cpu runs serially inside this parallel region
  one.n = 1;
  one.c = 1;
  parallel_for(g.planes(), plane_grain(g), [&](int64_t p0, int64_t p1) {
    std::vector<float> plane(in);
    for (int64_t p = p0; p < p1; ++p) {
      const int64_t ch = p % g.c;
      L.affine_relu(x + p * in, in, center[ch], scale[ch], offset[ch], plane.data());
      max_pool3d_cpu(one, plane.data(), y + p * out, indices + p * out);
    }
  });
}

}  // namespace

void batch_norm_relu_max_pool_train_cpu(const Pool3dGeom& g, const float* x, const float* gamma, const float* beta,
                                        double eps, float* y, int32_t* indices, float* mean, float* invstd) {
  std::vector<float> scale(g.c), offset(g.c);
  batch_norm_train_stats_cpu(g.n, g.c, g.in_plane(), x, gamma, beta, eps, mean, invstd, scale.data(), offset.data());
  pool_mapped(g, x, mean, scale.data(), offset.data(), y, indices);
}

void batch_norm_relu_max_pool_infer_cpu(const Pool3dGeom& g, const float* x, const float* gamma, const float* beta,
                                        const float* running_mean, const float* running_var, double eps, float* y,
                                        int32_t* indices) {
  std::vector<float> scale(g.c), offset(g.c);
  batch_norm_infer_affine(g.c, gamma, beta, running_var, eps, scale.data(), offset.data());
  pool_mapped(g, x, running_mean, scale.data(), offset.data(), y, indices);
}

void batch_norm_relu_max_pool_grad_cpu(const Pool3dGeom& g, const float* x, const float* y, const int32_t* indices,
                                       const float* dy, const float* gamma, const float* mean, const float* invstd,
                                       float* dx, float* dgamma, float* dbeta) {
  const int64_t in = g.in_plane(), out = g.out_plane(), planes = g.planes();
  // Pass 1: per plane, sums of dz and dz * (x - mean), where dz is dy at the chosen elements of
  // outputs with y > 0 (the ReLU mask) and zero everywhere else.
  std::vector<double> p_dz(planes), p_dzx(planes);
  parallel_for(planes, std::max<int64_t>(1, (int64_t(1) << 14) / out), [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; ++p) {
      const double mu = mean[p % g.c];
      const float* xp = x + p * in;
      double s1 = 0, s2 = 0;
      for (int64_t o = p * out; o < (p + 1) * out; ++o) {
        if (!(y[o] > 0.f)) continue;
        const double d = dy[o];
        s1 += d;
        s2 += d * (static_cast<double>(xp[indices[o]]) - mu);
      }
      p_dz[p] = s1;
      p_dzx[p] = s2;
    }
  });
  std::vector<double> sum_dz(g.c, 0.0), sum_dzx(g.c, 0.0);
  for (int64_t p = 0; p < planes; ++p) {
    sum_dz[p % g.c] += p_dz[p];
    sum_dzx[p % g.c] += p_dzx[p];
  }
  std::vector<float> k(g.c), kx(g.c), k0(g.c);
  batch_norm_grad_coefficients(g.n * in, g.c, sum_dz.data(), sum_dzx.data(), gamma, invstd, dgamma, dbeta, k.data(),
                               kx.data(), k0.data());
  // Pass 2: dx = (x - mean) * kx + k0 over the plane (still in cache), then + k * dz where dz != 0.
  const BatchNormLoops& L = batch_norm_loops();
  parallel_for(planes, plane_grain(g), [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; ++p) {
      const int64_t ch = p % g.c;
      float* dxp = dx + p * in;
      L.affine(x + p * in, in, mean[ch], kx[ch], k0[ch], dxp);
      for (int64_t o = p * out; o < (p + 1) * out; ++o)
        if (y[o] > 0.f) dxp[indices[o]] += k[ch] * dy[o];
    }
  });
}

}  // namespace nodulab

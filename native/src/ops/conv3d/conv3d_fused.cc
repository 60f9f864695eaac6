// Inference-only fused Conv3D + (folded BatchNorm) + ReLU + MaxPool3D: BN folding, the reference
// (three stored passes) and the fast kernel. Fast path with a pool: work items are (sample, pooled plane);
// each computes the conv planes under its pooling window (direct kernel, conv3d_direct.h) into a per-thread
// scratch that stays in cache, then ReLU + max pool from it straight into y (no argmax indices: inference has
// no backward). Winograd-sized layers with a 2x2x2 stride-2 pool fuse ReLU + pool into the Winograd output
// transform instead (conv3d_winograd.h). Items are split statically and each output is written by one item,
// so results do not depend on the thread count.
#include "ops/conv3d/conv3d_fused.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "core/cpu_features.h"
#include "core/thread_pool.h"
#include "ops/conv3d/conv3d_direct.h"
#include "ops/conv3d/conv3d_winograd.h"

namespace nodulab {

void fold_batchnorm(int64_t Co, int64_t K, const float* w, const float* b, const float* mean, const float* var,
                    const float* gamma, const float* beta, double eps, float* w_out, float* b_out) {
  for (int64_t co = 0; co < Co; ++co) {
    const double s = (gamma ? gamma[co] : 1.0) / std::sqrt(static_cast<double>(var[co]) + eps);
    for (int64_t k = 0; k < K; ++k) w_out[co * K + k] = static_cast<float>(w[co * K + k] * s);
    b_out[co] = static_cast<float>(((b ? b[co] : 0.0) - mean[co]) * s + (beta ? beta[co] : 0.0));
  }
}

namespace {
void relu_inplace(float* v, int64_t n) {
  for (int64_t i = 0; i < n; ++i) v[i] = v[i] > 0.f ? v[i] : 0.f;
}
}  // namespace

void conv3d_relu_max_pool_ref(const Conv3DParams& p, const float* x, const float* w, const float* b,
                              const Pool3dGeom* pool, float* y) {
  const int64_t n = p.N * p.Co * p.P();
  if (!pool) {
    conv3d_ref<float>(p, x, w, b, y);
    relu_inplace(y, n);
    return;
  }
  std::vector<float> z(n);
  std::vector<int32_t> idx(pool->planes() * pool->out_plane());
  conv3d_ref<float>(p, x, w, b, z.data());
  relu_inplace(z.data(), n);
  max_pool3d_ref<float>(*pool, z.data(), y, idx.data());
}

namespace {

using ReluPoolRowFn = void (*)(const float* x0, int64_t w, int64_t hw, int64_t ow, float* y);
void relu_pool222_row_scalar(const float* x0, int64_t w, int64_t hw, int64_t ow, float* y) {
  max_pool222_relu_row_tail(x0, w, hw, 0, ow, y);
}
ReluPoolRowFn relu_pool222_row() {
  switch (active_isa()) {
    case Isa::Avx512: return &max_pool222_row_avx512_relu;
    case Isa::Avx2: return &max_pool222_row_avx2_relu;
    default: return &relu_pool222_row_scalar;
  }
}

// Pooled plane pd of one channel: y[oh][ow] = max(0, max of z over the window), where z holds that channel's
// conv output planes from zs on (g.h * g.w floats each) and covers the window's planes.
void relu_max_pool_plane(const Pool3dGeom& g, ReluPoolRowFn row222, const float* z, int64_t zs, int64_t pd, float* y) {
  const int64_t hw = g.h * g.w;
  if (row222) {
    for (int64_t oh = 0; oh < g.oh; ++oh) row222(z + (2 * pd - zs) * hw + 2 * oh * g.w, g.w, hw, g.ow, y + oh * g.ow);
    return;
  }
  const int64_t z0 = std::max<int64_t>(pd * g.sd - g.pd, 0), z1 = std::min(pd * g.sd - g.pd + g.kd, g.d);
  for (int64_t oh = 0; oh < g.oh; ++oh) {
    const int64_t y0 = std::max<int64_t>(oh * g.sh - g.ph, 0), y1 = std::min(oh * g.sh - g.ph + g.kh, g.h);
    for (int64_t ow = 0; ow < g.ow; ++ow) {
      const int64_t x0 = std::max<int64_t>(ow * g.sw - g.pw, 0), x1 = std::min(ow * g.sw - g.pw + g.kw, g.w);
      float best = 0.f;
      for (int64_t zz = z0; zz < z1; ++zz)
        for (int64_t yy = y0; yy < y1; ++yy)
          for (int64_t xx = x0; xx < x1; ++xx) {
            const float v = z[((zz - zs) * g.h + yy) * g.w + xx];
            best = v > best ? v : best;
          }
      y[oh * g.ow + ow] = best;
    }
  }
}

// Grow-only per-thread buffers (mapped once, reused by later calls).
thread_local std::vector<float> t_xpad, t_conv;
float* grow(std::vector<float>& v, int64_t n) {
  if (static_cast<int64_t>(v.size()) < n) v.resize(n);
  return v.data();
}

// Direct conv with the pool: items (n, pd), each computing the conv planes [s0, s0 + L) that hold its window.
void direct_relu_max_pool(const Conv3DParams& p, const float* x, const float* w, const float* b, const Pool3dGeom& g,
                          float* y) {
  const int64_t L = std::min(g.kd, p.oD);
  const conv::DirectPlan plan = conv::make_direct_plan(p, L, w, b);
  const ReluPoolRowFn row222 = g.is_222() ? relu_pool222_row() : nullptr;
  const int64_t out_plane = g.out_plane(), opd = g.oh * g.ow;
  parallel_for(p.N * g.od, 1, [&](int64_t i0, int64_t i1) {
    float *xpad = grow(t_xpad, plan.pv.size), *z = grow(t_conv, p.Co * plan.PP);
    conv::DirectScratch s = conv::direct_scratch(plan);
    int64_t cur_n = -1;
    for (int64_t it = i0; it < i1; ++it) {
      const int64_t n = it / g.od, pd = it % g.od;
      if (n != cur_n) conv::pad_sample(plan.pv, x + n * p.Ci * p.in_spatial(), xpad), cur_n = n;
      const int64_t s0 = std::min(std::max<int64_t>(pd * g.sd - g.pd, 0), p.oD - L);
      for (int64_t j = 0; j < plan.tiles; ++j) conv::direct_tile(plan, xpad, s0, j, z, s);
      for (int64_t c = 0; c < p.Co; ++c)
        relu_max_pool_plane(g, row222, z + c * plan.PP, s0, pd, y + (n * p.Co + c) * out_plane + pd * opd);
    }
  });
}

// Any conv3d_cpu path with the pool: a few samples at a time into a scratch of about 2 MiB, then ReLU + pool.
void chunked_relu_max_pool(const Conv3DParams& p, const float* x, const float* w, const float* b,
                           const Pool3dGeom& pool, float* y) {
  const int64_t per_sample = p.Co * p.P();
  const int64_t chunk = std::max<int64_t>(1, (int64_t(2) << 20) / (per_sample * int64_t(sizeof(float))));
  const int64_t n_chunk = std::min(chunk, p.N);
  const int64_t out_plane = pool.out_plane(), opd = pool.oh * pool.ow;
  const ReluPoolRowFn row222 = pool.is_222() ? relu_pool222_row() : nullptr;
  std::vector<float> z(n_chunk * per_sample);
  for (int64_t n0 = 0; n0 < p.N; n0 += n_chunk) {
    Conv3DParams q = p;
    q.N = std::min(n_chunk, p.N - n0);
    conv3d_cpu(q, x + n0 * p.Ci * p.in_spatial(), w, b, z.data());
    parallel_for(q.N * p.Co * pool.od, 1, [&](int64_t i0, int64_t i1) {
      for (int64_t it = i0; it < i1; ++it) {
        const int64_t nc = it / pool.od, pd = it % pool.od;
        relu_max_pool_plane(pool, row222, z.data() + nc * p.P(), 0, pd, y + (n0 * p.Co + nc) * out_plane + pd * opd);
      }
    });
  }
}

}  // namespace

void conv3d_relu_max_pool_cpu(const Conv3DParams& p, const float* x, const float* w, const float* b,
                              const Pool3dGeom* pool, float* y) {
  const int64_t per_sample = p.Co * p.P();
  if (p.N == 0 || per_sample == 0) return;
  const bool wino = conv3d_winograd_applies(p);
  if (wino && (!pool || pool->is_222()))
    return conv3d_winograd_cpu(p, x, w, b, y, pool ? WinogradEpilogue::kReluMaxPool2 : WinogradEpilogue::kRelu);
  if (!pool) {  // conv straight into y, ReLU on each chunk while it is still in cache
    const int64_t chunk = std::max<int64_t>(1, (1 << 20) / per_sample);
    for (int64_t n0 = 0; n0 < p.N; n0 += chunk) {
      Conv3DParams q = p;
      q.N = std::min(chunk, p.N - n0);
      float* yc = y + n0 * per_sample;
      conv3d_cpu(q, x + n0 * p.Ci * p.in_spatial(), w, b, yc);
      parallel_for(q.N * p.Co, 1, [&](int64_t i0, int64_t i1) { relu_inplace(yc + i0 * p.P(), (i1 - i0) * p.P()); });
    }
    return;
  }
  if (wino) return chunked_relu_max_pool(p, x, w, b, *pool, y);
  direct_relu_max_pool(p, x, w, b, *pool, y);
}

}  // namespace nodulab

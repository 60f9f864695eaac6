// The implicit-GEMM views of the CUDA Conv3D passes (Loaders for core/cuda_gemm.cuh): which element
// of x, w or dy each GEMM operand element is, and where each result goes. Plain C++ (NODULAB_HD is
// __host__ __device__ under nvcc) so the test driver can check the index math on the host.
#pragma once
#include <algorithm>
#include <cstdint>

#include "core/cuda_tiling.h"
#include "ops/conv3d/conv3d.h"

namespace nodulab {

struct ConvGeom {
  int64_t N, Ci, D, H, W, Co, kD, kH, kW, oD, oH, oW;
  int64_t sd, sh, sw, pd, ph, pw, dd, dh, dw;  // stride, padding, dilation per axis
  NODULAB_HD int64_t kvol() const { return kD * kH * kW; }
  NODULAB_HD int64_t K() const { return Ci * kD * kH * kW; }
  NODULAB_HD int64_t P() const { return oD * oH * oW; }
  NODULAB_HD int64_t S() const { return D * H * W; }
};

inline ConvGeom conv_geom_of(const Conv3DParams& p) {
  return {p.N,         p.Ci,         p.D,          p.H,          p.W,           p.Co,          p.kD,
          p.kH,        p.kW,         p.oD,         p.oH,         p.oW,          p.stride[0],   p.stride[1],
          p.stride[2], p.padding[0], p.padding[1], p.padding[2], p.dilation[0], p.dilation[1], p.dilation[2]};
}

// x[n, ci] at the input position that tap r = (kd, kh, kw) of output p = (od, oh, ow) reads; 0 in the
// zero padding. The B operand of the forward pass and the filter gradient.
NODULAB_HD inline float tap_input(const ConvGeom& g, const float* x, int64_t n, int64_t p, int64_t ci, int64_t r) {
  const int64_t od = p / (g.oH * g.oW), oh = (p / g.oW) % g.oH, ow = p % g.oW;
  const int64_t kd = r / (g.kH * g.kW), kh = (r / g.kW) % g.kH, kw = r % g.kW;
  const int64_t z = od * g.sd - g.pd + kd * g.dd, yy = oh * g.sh - g.ph + kh * g.dh, xx = ow * g.sw - g.pw + kw * g.dw;
  if (z < 0 || z >= g.D || yy < 0 || yy >= g.H || xx < 0 || xx >= g.W) return 0.f;
  return x[(((n * g.Ci + ci) * g.D + z) * g.H + yy) * g.W + xx];
}

// Forward: y (Co, N*P) = w (Co, K) x col (K, N*P); bias added at the store.
struct ForwardLoader {
  ConvGeom g;
  const float* x;
  const float* w;
  const float* bias;
  float* y;
  NODULAB_HD float a(int64_t co, int64_t k) const { return w[co * g.K() + k]; }
  // B((ci, r), (n, p)) = x at tap r of output p
  NODULAB_HD float b(int64_t k, int64_t col) const {
    const int64_t P = g.P(), n = col / P, p = col % P, kv = g.kvol(), ci = k / kv, r = k % kv;
    return tap_input(g, x, n, p, ci, r);
  }
  NODULAB_HD void store(int64_t co, int64_t col, int, float v) const {
    const int64_t P = g.P(), n = col / P, p = col % P;
    y[(n * g.Co + co) * P + p] = bias ? v + bias[co] : v;
  }
};

// The output coordinate o along one axis whose tap `k` reads input i: o*s - p + k*d == i, or -1.
NODULAB_HD inline int64_t tap_source(int64_t i, int64_t k, int64_t s, int64_t p, int64_t d, int64_t out) {
  const int64_t t = i + p - k * d;
  if (t < 0 || t % s != 0) return -1;
  const int64_t o = t / s;
  return o < out ? o : -1;
}

// Backprop input: dx (Ci, N*D*H*W) = w^T (Ci, Co*kvol) x dy-gather (Co*kvol, N*D*H*W).
struct InputGradLoader {
  ConvGeom g;
  const float* dy;
  const float* w;
  float* dx;
  // A(ci, (co, r)) = w[co, ci, r]
  NODULAB_HD float a(int64_t ci, int64_t k) const {
    const int64_t kv = g.kvol(), co = k / kv, r = k % kv;
    return w[(co * g.Ci + ci) * kv + r];
  }
  // B((co, r), (n, z, y, x)) = dy[n, co, od, oh, ow] for the output whose tap r reads (z, y, x)
  NODULAB_HD float b(int64_t k, int64_t col) const {
    const int64_t S = g.S(), n = col / S, sp = col % S;
    const int64_t z = sp / (g.H * g.W), yy = (sp / g.W) % g.H, xx = sp % g.W;
    const int64_t kv = g.kvol(), co = k / kv, r = k % kv;
    const int64_t kd = r / (g.kH * g.kW), kh = (r / g.kW) % g.kH, kw = r % g.kW;
    const int64_t od = tap_source(z, kd, g.sd, g.pd, g.dd, g.oD);
    if (od < 0) return 0.f;
    const int64_t oh = tap_source(yy, kh, g.sh, g.ph, g.dh, g.oH);
    if (oh < 0) return 0.f;
    const int64_t ow = tap_source(xx, kw, g.sw, g.pw, g.dw, g.oW);
    if (ow < 0) return 0.f;
    return dy[(((n * g.Co + co) * g.oD + od) * g.oH + oh) * g.oW + ow];
  }
  NODULAB_HD void store(int64_t ci, int64_t col, int, float v) const {
    const int64_t S = g.S(), n = col / S, sp = col % S;
    dx[(n * g.Ci + ci) * S + sp] = v;
  }
};

// Backprop filter: dw (Co, K) = dy (Co, N*P) x col^T (N*P, K); with split k, parts (splits, Co, K).
struct FilterGradLoader {
  ConvGeom g;
  const float* x;
  const float* dy;
  float* parts;  // (splits, Co, K)
  // A(co, (n, p)) = dy[n, co, p]
  NODULAB_HD float a(int64_t co, int64_t r) const {
    const int64_t P = g.P(), n = r / P, p = r % P;
    return dy[(n * g.Co + co) * P + p];
  }
  // B((n, p), (ci, t)) = x at tap t of output p, 0 in the padding
  NODULAB_HD float b(int64_t r, int64_t k) const {
    const int64_t P = g.P(), n = r / P, p = r % P, kv = g.kvol(), ci = k / kv, t = k % kv;
    return tap_input(g, x, n, p, ci, t);
  }
  NODULAB_HD void store(int64_t co, int64_t k, int split, float v) const {
    parts[(static_cast<int64_t>(split) * g.Co + co) * g.K() + k] = v;
  }
};

// The split request for the N*P reduction: about 4096 values per chunk, at most 64 chunks, fewer
// when the (Co x K) grid of tiles already fills the GPU. Depends on the shape only; the partial
// buffer holds cuda::gemm_effective_splits(N*P, request) slices, exactly what tiled_gemm launches.
inline int filter_grad_split_request(const ConvGeom& g) {
  const int64_t R = g.N * g.P();
  const int64_t tiles = ((g.Co + cuda::kGemmBM - 1) / cuda::kGemmBM) * ((g.K() + cuda::kGemmBN - 1) / cuda::kGemmBN);
  int64_t splits = (R + 4095) / 4096;
  const int64_t cap = std::max<int64_t>(1, 1024 / tiles);
  if (splits > cap) splits = cap;
  if (splits > 64) splits = 64;
  return static_cast<int>(splits < 1 ? 1 : splits);
}

}  // namespace nodulab

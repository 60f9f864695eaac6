// Inference-only fused Conv3D + (folded BatchNorm) + ReLU + MaxPool3D: BN folding, the reference
// (three stored passes) and the fast kernel (per-chunk scratch, no full-size intermediate).
#include "ops/conv3d/conv3d_fused.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/thread_pool.h"

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

void conv3d_relu_max_pool_cpu(const Conv3DParams& p, const float* x, const float* w, const float* b,
                              const Pool3dGeom* pool, float* y) {
  const int64_t per_sample = p.Co * p.P();
  if (p.N == 0 || per_sample == 0) return;
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
  // Samples per chunk: a scratch of about 2 MiB (at least one sample), allocated once per call.
  const int64_t chunk = std::max<int64_t>(1, (int64_t(2) << 20) / (per_sample * int64_t(sizeof(float))));
  const int64_t n_chunk = std::min(chunk, p.N);
  const int64_t out_plane = pool->out_plane(), out_per_sample = p.Co * out_plane;
  std::vector<float> z(n_chunk * per_sample);
  std::vector<int32_t> idx(n_chunk * out_per_sample);
  for (int64_t n0 = 0; n0 < p.N; n0 += n_chunk) {
    Conv3DParams q = p;
    q.N = std::min(n_chunk, p.N - n0);
    conv3d_cpu(q, x + n0 * p.Ci * p.in_spatial(), w, b, z.data());
    Pool3dGeom g = *pool;
    g.n = q.N;
    float* yc = y + n0 * out_per_sample;
    max_pool3d_cpu(g, z.data(), yc, idx.data());  // relu(max(v)) == max(relu(v)): ReLU after the pool
    relu_inplace(yc, q.N * out_per_sample);
  }
}

}  // namespace nodulab

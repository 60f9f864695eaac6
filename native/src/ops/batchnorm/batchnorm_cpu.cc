// Fast CPU batch normalization (plain and fused with ReLU). Each (n, c) plane is cut into
// fixed-length segments (independent of the thread count); pass 1 sums each segment in double, the
// partials are combined per channel in (n, segment) order, pass 2 applies the per-channel affine
// map (with relu, or the relu mask on dy, when fused). Bit-identical for any thread count.
#include <algorithm>
#include <cmath>
#include <vector>

#include "core/cpu_features.h"
#include "core/thread_pool.h"
#include "ops/batchnorm/batchnorm.h"
#include "ops/batchnorm/batchnorm_cpu_loops.h"

namespace nodulab {

const BatchNormLoops& batch_norm_loops_scalar() { return kBatchNormLoops; }

const BatchNormLoops& batch_norm_loops() {
  switch (active_isa()) {
    case Isa::Avx512: return batch_norm_loops_avx512();
    case Isa::Avx2: return batch_norm_loops_avx2();
    default: return batch_norm_loops_scalar();
  }
}

namespace {

constexpr int64_t kSegment = 8192;      // elements per task (32 KiB of floats)
constexpr int64_t kGrainElems = 1 << 15;  // elements per thread chunk, at least

const BatchNormLoops& loops() { return batch_norm_loops(); }

// Tasks t = (plane, segment) in memory order over x: (N*C planes) x (segments per plane).
struct Segments {
  int64_t c, s, per_plane, len, count;
  Segments(int64_t n, int64_t c_, int64_t s_) : c(c_), s(s_) {
    per_plane = (s + kSegment - 1) / kSegment;
    len = std::min(s, kSegment);
    count = n * c * per_plane;
  }
  int64_t grain() const { return std::max<int64_t>(1, kGrainElems / std::max<int64_t>(1, len)); }
  int64_t channel(int64_t t) const { return (t / per_plane) % c; }
  int64_t offset(int64_t t) const { return (t / per_plane) * s + (t % per_plane) * len; }
  int64_t length(int64_t t) const { return std::min(len, s - (t % per_plane) * len); }
  // Runs fn(t, channel, offset, length) for every task across the thread pool.
  template <class Fn>
  void run(Fn fn) const {
    parallel_for(count, grain(), [&](int64_t b, int64_t e) {
      for (int64_t t = b; t < e; ++t) fn(t, channel(t), offset(t), length(t));
    });
  }
  // Sums per-task partials into per-channel totals in a fixed (n, segment) order.
  std::vector<double> per_channel(const std::vector<double>& partial) const {
    std::vector<double> total(c, 0.0);
    for (int64_t t = 0; t < count; ++t) total[channel(t)] += partial[t];
    return total;
  }
};

// Training forward; relu folds max(., 0) into the map.
void train(int64_t n, int64_t c, int64_t s, const float* x, const float* gamma, const float* beta, double eps,
           bool relu, float* y, float* mean, float* invstd) {
  std::vector<float> scale(c), offset(c);
  batch_norm_train_stats_cpu(n, c, s, x, gamma, beta, eps, mean, invstd, scale.data(), offset.data());
  const BatchNormLoops& L = loops();
  const auto map = relu ? L.affine_relu : L.affine;
  Segments(n, c, s).run([&](int64_t, int64_t ch, int64_t off, int64_t len) {
    map(x + off, len, mean[ch], scale[ch], offset[ch], y + off);
  });
}

void infer(int64_t n, int64_t c, int64_t s, const float* x, const float* gamma, const float* beta,
           const float* running_mean, const float* running_var, double eps, bool relu, float* y) {
  const Segments seg(n, c, s);
  const BatchNormLoops& L = loops();
  std::vector<float> scale(c), offset(c);
  batch_norm_infer_affine(c, gamma, beta, running_var, eps, scale.data(), offset.data());
  const auto map = relu ? L.affine_relu : L.affine;
  seg.run([&](int64_t, int64_t ch, int64_t off, int64_t len) {
    map(x + off, len, running_mean[ch], scale[ch], offset[ch], y + off);
  });
}

// Training backward; with y (the fused relu output) non-null, dy is masked by y > 0 in both passes.
void grad(int64_t n, int64_t c, int64_t s, const float* x, const float* y, const float* dy, const float* gamma,
          const float* mean, const float* invstd, float* dx, float* dgamma, float* dbeta) {
  const Segments seg(n, c, s);
  const BatchNormLoops& L = loops();
  std::vector<double> p_dy(seg.count), p_dyx(seg.count);
  seg.run([&](int64_t t, int64_t ch, int64_t off, int64_t len) {
    if (y)
      L.masked_grad_sums(x + off, y + off, dy + off, len, mean[ch], &p_dy[t], &p_dyx[t]);
    else
      L.grad_sums(x + off, dy + off, len, mean[ch], &p_dy[t], &p_dyx[t]);
  });
  const std::vector<double> sum_dy = seg.per_channel(p_dy), sum_dyx = seg.per_channel(p_dyx);
  std::vector<float> k(c), kx(c), k0(c);
  batch_norm_grad_coefficients(n * s, c, sum_dy.data(), sum_dyx.data(), gamma, invstd, dgamma, dbeta, k.data(),
                               kx.data(), k0.data());
  seg.run([&](int64_t, int64_t ch, int64_t off, int64_t len) {
    if (y)
      L.masked_grad_map(x + off, y + off, dy + off, len, mean[ch], k[ch], kx[ch], k0[ch], dx + off);
    else
      L.grad_map(x + off, dy + off, len, mean[ch], k[ch], kx[ch], k0[ch], dx + off);
  });
}

}  // namespace

void batch_norm_train_cpu(int64_t n, int64_t c, int64_t s, const float* x, const float* gamma, const float* beta,
                          double eps, float* y, float* mean, float* invstd) {
  train(n, c, s, x, gamma, beta, eps, false, y, mean, invstd);
}

void batch_norm_infer_cpu(int64_t n, int64_t c, int64_t s, const float* x, const float* gamma, const float* beta,
                          const float* running_mean, const float* running_var, double eps, float* y) {
  infer(n, c, s, x, gamma, beta, running_mean, running_var, eps, false, y);
}

void batch_norm_grad_cpu(int64_t n, int64_t c, int64_t s, const float* x, const float* dy, const float* gamma,
                         const float* mean, const float* invstd, float* dx, float* dgamma, float* dbeta) {
  grad(n, c, s, x, nullptr, dy, gamma, mean, invstd, dx, dgamma, dbeta);
}

void batch_norm_relu_train_cpu(int64_t n, int64_t c, int64_t s, const float* x, const float* gamma,
                               const float* beta, double eps, float* y, float* mean, float* invstd) {
  train(n, c, s, x, gamma, beta, eps, true, y, mean, invstd);
}

void batch_norm_relu_infer_cpu(int64_t n, int64_t c, int64_t s, const float* x, const float* gamma,
                               const float* beta, const float* running_mean, const float* running_var, double eps,
                               float* y) {
  infer(n, c, s, x, gamma, beta, running_mean, running_var, eps, true, y);
}

void batch_norm_relu_grad_cpu(int64_t n, int64_t c, int64_t s, const float* x, const float* y, const float* dy,
                              const float* gamma, const float* mean, const float* invstd, float* dx, float* dgamma,
                              float* dbeta) {
  grad(n, c, s, x, y, dy, gamma, mean, invstd, dx, dgamma, dbeta);
}

void batch_norm_train_stats_cpu(int64_t n, int64_t c, int64_t s, const float* x, const float* gamma,
                                const float* beta, double eps, float* mean, float* invstd, float* scale,
                                float* offset) {
  const Segments seg(n, c, s);
  const BatchNormLoops& L = loops();
  // Sums around the channel's first element keep E[d^2] - E[d]^2 free of cancellation.
  std::vector<double> shift(c), s1(seg.count), s2(seg.count);
  for (int64_t ch = 0; ch < c; ++ch) shift[ch] = x[ch * s];
  seg.run([&](int64_t t, int64_t ch, int64_t off, int64_t len) { L.moments(x + off, len, shift[ch], &s1[t], &s2[t]); });
  const std::vector<double> sum1 = seg.per_channel(s1), sum2 = seg.per_channel(s2);
  const double m = static_cast<double>(n * s);
  for (int64_t ch = 0; ch < c; ++ch) {
    const double d_mean = sum1[ch] / m;
    const double raw_var = sum2[ch] / m - d_mean * d_mean;
    const double var = raw_var < 0 ? 0.0 : raw_var;  // rounding can dip below 0; NaN stays NaN
    const double istd = 1.0 / std::sqrt(var + eps);
    mean[ch] = static_cast<float>(shift[ch] + d_mean);
    invstd[ch] = static_cast<float>(istd);
    scale[ch] = static_cast<float>(istd * (gamma ? gamma[ch] : 1.0));
    offset[ch] = beta ? beta[ch] : 0.f;
  }
}

void batch_norm_infer_affine(int64_t c, const float* gamma, const float* beta, const float* running_var, double eps,
                             float* scale, float* offset) {
  for (int64_t ch = 0; ch < c; ++ch) {
    scale[ch] = static_cast<float>((gamma ? gamma[ch] : 1.0) / std::sqrt(static_cast<double>(running_var[ch]) + eps));
    offset[ch] = beta ? beta[ch] : 0.f;
  }
}

void batch_norm_grad_coefficients(int64_t m_count, int64_t c, const double* sum_dy, const double* sum_dyx,
                                  const float* gamma, const float* invstd, float* dgamma, float* dbeta, float* k,
                                  float* kx, float* k0) {
  const double m = static_cast<double>(m_count);
  for (int64_t ch = 0; ch < c; ++ch) {
    const double istd = invstd[ch], g = gamma ? gamma[ch] : 1.0;
    const double d_beta = sum_dy[ch], d_gamma = sum_dyx[ch] * istd;
    dbeta[ch] = static_cast<float>(d_beta);
    dgamma[ch] = static_cast<float>(d_gamma);
    // dx = g*istd*(dy - dbeta/M - (x - mean)*istd*dgamma/M)
    k[ch] = static_cast<float>(g * istd);
    kx[ch] = static_cast<float>(-g * istd * istd * d_gamma / m);
    k0[ch] = static_cast<float>(-g * istd * d_beta / m);
  }
}

}  // namespace nodulab

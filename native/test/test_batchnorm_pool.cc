// Fused BatchNorm + ReLU + MaxPool3D kernels: every fast target against the reference over a table
// of pooling geometries (2x2x2 stride 2, odd sizes, overlapping padded windows, anisotropic, batch
// 1, affine on/off, NaN), finite differences in double on the reference, and determinism.
#include <cmath>
#include <cstring>
#include <limits>
#include <sstream>

#include "core/thread_pool.h"
#include "ops/batchnorm/batchnorm.h"
#include "ops/kernel_names.h"
#include "test/harness.h"
#include "test/pool_cases.h"

namespace nodulab::test {
namespace {

const PoolCase kPoolCases[] = {
    {2, 3, 8, 8, 8, {2, 2, 2}, {2, 2, 2}, {0, 0, 0}, true},     // the NoduleNet3D block
    {1, 2, 5, 7, 35, {2, 2, 2}, {2, 2, 2}, {0, 0, 0}, false},   // batch 1, odd sizes, > 16 outputs per row
    {2, 2, 5, 6, 7, {3, 3, 3}, {2, 2, 2}, {1, 1, 1}, true},     // overlapping, padded windows
    {3, 4, 1, 6, 4, {1, 2, 2}, {1, 2, 2}, {0, 0, 0}, true},     // 2-D style
    {1, 1, 2, 2, 2, {2, 2, 2}, {2, 2, 2}, {0, 0, 0}, true},     // one window
};

std::string describe(const PoolCase& pc) {
  return test::describe(pool_geometry(pc)) + (pc.affine ? " affine" : " no-affine");
}

// Indices must agree, except where the two chosen elements hold values equal within tolerance
// (rounding may reorder near-ties; relu makes exact ties at 0 common).
void check_indices(const std::string& what, const int32_t* got, const int32_t* want, const float* a, int64_t in,
                   int64_t out, int64_t planes, const Tolerance& tol) {
  int bad = 0;
  for (int64_t p = 0; p < planes; ++p)
    for (int64_t o = 0; o < out; ++o) {
      const int32_t i1 = got[p * out + o], i2 = want[p * out + o];
      if (i1 == i2) continue;
      const bool in_range = i1 >= 0 && i1 < in;
      const float v1 = in_range ? a[p * in + i1] : std::numeric_limits<float>::quiet_NaN(), v2 = a[p * in + i2];
      if (!(in_range && std::fabs(v1 - v2) <= tol.atol + tol.rtol * std::fabs(v2)) && bad++ < 3)
        fail(what + ": output " + std::to_string(p * out + o) + " chose " + std::to_string(i1) + " instead of " +
             std::to_string(i2));
    }
}

}  // namespace

NODULAB_TEST(batchnorm_relu_max_pool_fast_matches_reference) {
  for (const auto& pc : kPoolCases) {
    for (bool with_nan : {false, true}) {
      const Pool3dGeom g = pool_geometry(pc);
      const int64_t in = g.in_plane(), out = g.out_plane(), total = g.planes() * in, pooled = g.planes() * out;
      auto x = random_vector(total, 80 + total, -2.f, 2.f);
      if (with_nan) x[in / 2] = std::numeric_limits<float>::quiet_NaN();  // channel 0
      auto dy = random_vector(pooled, 81 + pooled);
      auto gamma_v = random_vector(pc.c, 82, 0.5f, 1.5f), beta_v = random_vector(pc.c, 83, -0.5f, 0.5f);
      auto rmean = random_vector(pc.c, 84), rvar = random_vector(pc.c, 85, 0.1f, 2.f);
      const std::vector<float> gamma = pc.affine ? gamma_v : std::vector<float>{};  // empty: affine off (null)
      const std::vector<float> beta = pc.affine ? beta_v : std::vector<float>{};  // empty: affine off (null)
      const double eps = 1e-5;
      // The reference's relu(bn(x)) (train and infer) to judge index near-ties.
      std::vector<float> a(total), ai(total), m0(pc.c), s0(pc.c);
      batch_norm_relu_train_ref<float>(g.n, g.c, in, x.data(), data_or_null(gamma), data_or_null(beta), eps, a.data(), m0.data(), s0.data());
      batch_norm_relu_infer_ref<float>(g.n, g.c, in, x.data(), data_or_null(gamma), data_or_null(beta), rmean.data(), rvar.data(), eps, ai.data());
      std::vector<float> y(pooled), mean(pc.c), invstd(pc.c), dx(total), dgamma(pc.c), dbeta(pc.c), yi(pooled);
      std::vector<int32_t> idx(pooled), idxi(pooled);
      run_on<BatchNormReluMaxPoolTrainFn>(reference_target(), kernels::kBatchNormReluMaxPoolTrain, g, x, gamma, beta, eps, y, idx, mean, invstd);
      run_on<BatchNormReluMaxPoolGradFn>(reference_target(), kernels::kBatchNormReluMaxPoolGrad, g, x, y, idx, dy, gamma, mean, invstd, dx, dgamma,
          dbeta);
      run_on<BatchNormReluMaxPoolInferFn>(reference_target(), kernels::kBatchNormReluMaxPoolInfer, g, x, gamma, beta, rmean, rvar, eps, yi, idxi);
      for (const auto& t : fast_targets()) {
        activate(t);
        const std::string at = t.name + " " + describe(pc) + (with_nan ? " NaN" : "");
        const Tolerance ttol = tolerance("kernels", kernels::kBatchNormReluMaxPoolTrain);
        const Tolerance gtol = tolerance("kernels", kernels::kBatchNormReluMaxPoolGrad);
        const Tolerance itol = tolerance("kernels", kernels::kBatchNormReluMaxPoolInfer);
        std::vector<float> y2(pooled), mean2(pc.c), invstd2(pc.c), dx2(total), dgamma2(pc.c), dbeta2(pc.c), yi2(pooled);
        std::vector<int32_t> idx2(pooled), idxi2(pooled);
        run_on<BatchNormReluMaxPoolTrainFn>(t, kernels::kBatchNormReluMaxPoolTrain, g, x, gamma, beta, eps, y2, idx2, mean2, invstd2);
        check_close("BatchNormReluMaxPoolTrain y " + at, y2.data(), y.data(), pooled, ttol);
        check_close("BatchNormReluMaxPoolTrain mean " + at, mean2.data(), mean.data(), pc.c, ttol);
        check_close("BatchNormReluMaxPoolTrain invstd " + at, invstd2.data(), invstd.data(), pc.c, ttol);
        check_indices("BatchNormReluMaxPoolTrain indices " + at, idx2.data(), idx.data(), a.data(), in, out,
                      g.planes(), ttol);
        // The grad gets the reference's y and indices, so both sides route dy the same way.
        run_on<BatchNormReluMaxPoolGradFn>(t, kernels::kBatchNormReluMaxPoolGrad, g, x, y, idx, dy, gamma, mean, invstd, dx2,
            dgamma2, dbeta2);
        check_close("BatchNormReluMaxPoolGrad dx " + at, dx2.data(), dx.data(), total, gtol);
        check_close("BatchNormReluMaxPoolGrad dgamma " + at, dgamma2.data(), dgamma.data(), pc.c, gtol);
        check_close("BatchNormReluMaxPoolGrad dbeta " + at, dbeta2.data(), dbeta.data(), pc.c, gtol);
        run_on<BatchNormReluMaxPoolInferFn>(t, kernels::kBatchNormReluMaxPoolInfer, g, x, gamma, beta, rmean, rvar, eps, yi2, idxi2);
        check_close("BatchNormReluMaxPoolInfer y " + at, yi2.data(), yi.data(), pooled, itol);
        check_indices("BatchNormReluMaxPoolInfer indices " + at, idxi2.data(), idxi.data(), ai.data(), in, out,
                      g.planes(), itol);
      }
      if (with_nan) expect(std::isnan(y[0]), "a NaN in channel 0 must reach its pooled outputs");
    }
  }
}

// The fused gradient equals the composed fast kernels: max-pool grad of dy, relu mask, batch-norm grad.
NODULAB_TEST(batchnorm_relu_max_pool_grad_equals_composition) {
  const PoolCase pc = {2, 3, 6, 6, 6, {2, 2, 2}, {2, 2, 2}, {0, 0, 0}, true};
  const Pool3dGeom g = pool_geometry(pc);
  const int64_t in = g.in_plane(), total = g.planes() * in, pooled = g.planes() * g.out_plane();
  auto x = random_vector(total, 90, -1.f, 2.f), dy = random_vector(pooled, 91);
  auto gamma = random_vector(pc.c, 92, 0.5f, 1.5f), beta = random_vector(pc.c, 93, -0.5f, 0.5f);
  for (const auto& t : fast_targets()) {
    if (t.backend != Backend::Cpu) continue;  // compares the CPU kernels with each other
    activate(t);
    std::vector<float> a(total), mean(pc.c), invstd(pc.c), y(pooled), yf(pooled), da(total), dz(total);
    std::vector<float> dx(total), dg(pc.c), db(pc.c), dxf(total), dgf(pc.c), dbf(pc.c);
    std::vector<int32_t> idx(pooled), idxf(pooled);
    batch_norm_relu_train_cpu(g.n, g.c, in, x.data(), gamma.data(), beta.data(), 1e-5, a.data(), mean.data(),
                              invstd.data());
    max_pool3d_cpu(g, a.data(), y.data(), idx.data());
    batch_norm_relu_max_pool_train_cpu(g, x.data(), gamma.data(), beta.data(), 1e-5, yf.data(), idxf.data(),
                                       mean.data(), invstd.data());
    expect(std::memcmp(y.data(), yf.data(), pooled * sizeof(float)) == 0 &&
               std::memcmp(idx.data(), idxf.data(), pooled * sizeof(int32_t)) == 0,
           t.name + ": the fused forward must equal max_pool3d(batch_norm_relu(x)) bitwise");
    max_pool3d_grad_cpu(g, dy.data(), idx.data(), da.data());
    batch_norm_relu_grad_cpu(g.n, g.c, in, x.data(), a.data(), da.data(), gamma.data(), mean.data(), invstd.data(),
                             dx.data(), dg.data(), db.data());
    batch_norm_relu_max_pool_grad_cpu(g, x.data(), yf.data(), idxf.data(), dy.data(), gamma.data(), mean.data(),
                                      invstd.data(), dxf.data(), dgf.data(), dbf.data());
    const Tolerance tol = tolerance("kernels", kernels::kBatchNormReluMaxPoolGrad);
    check_close(t.name + " fused vs composed dx", dxf.data(), dx.data(), total, tol);
    check_close(t.name + " fused vs composed dgamma", dgf.data(), dg.data(), pc.c, tol);
    check_close(t.name + " fused vs composed dbeta", dbf.data(), db.data(), pc.c, tol);
  }
}

NODULAB_TEST(batchnorm_relu_max_pool_gradients_match_finite_differences) {
  const Tolerance tol = tolerance("finite_difference", "batchnorm");
  for (const PoolCase& pc : {PoolCase{2, 2, 4, 4, 4, {2, 2, 2}, {2, 2, 2}, {0, 0, 0}, true},
                             PoolCase{1, 2, 3, 4, 5, {3, 3, 3}, {2, 2, 2}, {1, 1, 1}, false}}) {
    const Pool3dGeom g = pool_geometry(pc);
    const int64_t in = g.in_plane(), total = g.planes() * in, pooled = g.planes() * g.out_plane();
    auto x = to_double(random_vector(total, 100 + total, -1.f, 2.f));
    auto gamma = to_double(random_vector(pc.c, 101, 0.5f, 1.5f));
    auto beta = to_double(random_vector(pc.c, 102, -0.3f, 0.3f));
    auto gy = to_double(random_vector(pooled, 103));
    const double* gp = pc.affine ? gamma.data() : nullptr;
    const double* bp = pc.affine ? beta.data() : nullptr;
    const double eps = 1e-3;
    std::vector<double> a(total), y(pooled), mean(pc.c), invstd(pc.c), dx(total), dgamma(pc.c), dbeta(pc.c);
    std::vector<int32_t> idx(pooled);
    // Keep pre-activations away from the ReLU kink (see batchnorm_relu_gradients_match_finite_differences).
    for (int round = 0; round < 20; ++round) {
      batch_norm_train_ref<double>(g.n, g.c, in, x.data(), gp, bp, eps, a.data(), mean.data(), invstd.data());
      int moved = 0;
      for (int64_t k = 0; k < total; ++k) {
        const int64_t ch = (k / in) % g.c;
        if (std::fabs(a[k]) < 0.05 * (gp ? gp[ch] : 1.0)) {
          x[k] += 0.2 / invstd[ch];
          ++moved;
        }
      }
      if (!moved) break;
    }
    auto loss = [&] {
      batch_norm_relu_max_pool_train_ref<double>(g, x.data(), gp, bp, eps, y.data(), idx.data(), mean.data(),
                                                 invstd.data());
      return dot(y, gy);
    };
    loss();
    batch_norm_relu_max_pool_grad_ref<double>(g, x.data(), y.data(), idx.data(), gy.data(), gp, mean.data(),
                                              invstd.data(), dx.data(), dgamma.data(), dbeta.data());
    const std::string tag = " " + describe(pc);
    check_gradient("BatchNormReluMaxPoolGrad dx" + tag, x, dx, loss, tol);
    if (pc.affine) {
      check_gradient("BatchNormReluMaxPoolGrad dgamma" + tag, gamma, dgamma, loss, tol);
      check_gradient("BatchNormReluMaxPoolGrad dbeta" + tag, beta, dbeta, loss, tol);
    }
  }
}

NODULAB_TEST(batchnorm_relu_max_pool_cpu_is_deterministic) {
  const PoolCase pc = {3, 4, 16, 16, 16, {2, 2, 2}, {2, 2, 2}, {0, 0, 0}, true};
  const Pool3dGeom g = pool_geometry(pc);
  const int64_t in = g.in_plane(), total = g.planes() * in, pooled = g.planes() * g.out_plane();
  auto x = random_vector(total, 110, -3.f, 5.f), dy = random_vector(pooled, 111);
  auto gamma = random_vector(pc.c, 112), beta = random_vector(pc.c, 113);
  const int threads = get_num_threads();
  const int settings[4] = {threads, threads, 1, 3};
  std::vector<float> runs[4];
  for (int r = 0; r < 4; ++r) {
    set_num_threads(settings[r]);
    std::vector<float> y(pooled), mean(pc.c), invstd(pc.c), dx(total), dgamma(pc.c), dbeta(pc.c);
    std::vector<int32_t> idx(pooled);
    batch_norm_relu_max_pool_train_cpu(g, x.data(), gamma.data(), beta.data(), 1e-5, y.data(), idx.data(),
                                       mean.data(), invstd.data());
    batch_norm_relu_max_pool_grad_cpu(g, x.data(), y.data(), idx.data(), dy.data(), gamma.data(), mean.data(),
                                      invstd.data(), dx.data(), dgamma.data(), dbeta.data());
    runs[r] = y;
    for (const auto* v : {&mean, &invstd, &dx, &dgamma, &dbeta}) runs[r].insert(runs[r].end(), v->begin(), v->end());
    for (int32_t i : idx) runs[r].push_back(static_cast<float>(i));
  }
  set_num_threads(threads);
  for (int r = 1; r < 4; ++r)
    expect(std::memcmp(runs[r].data(), runs[0].data(), runs[0].size() * sizeof(float)) == 0,
           "batch norm + relu + max pool cpu with " + std::to_string(settings[r]) +
               " threads differs bitwise from the first run");
}

}  // namespace nodulab::test

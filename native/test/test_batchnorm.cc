// Batch-norm kernels: every fast target against the reference over a table of shapes (batch 1,
// one element per channel, planes longer than a CPU segment, affine on/off, offset data, NaN),
// finite differences of dx/dgamma/dbeta in double on the reference, and thread-count determinism.
#include <cmath>
#include <cstring>
#include <limits>
#include <sstream>

#include "core/thread_pool.h"
#include "ops/batchnorm/batchnorm.h"
#include "ops/kernel_names.h"
#include "test/harness.h"

namespace nodulab::test {
namespace {

struct BnCase {
  int64_t n, c, d, h, w;
  bool affine;
  float offset;  // added to x: statistics must not lose precision away from 0
};

const BnCase kCases[] = {
    {2, 3, 4, 5, 6, true, 0.f},   {1, 4, 3, 3, 3, true, 0.f},    // batch 1
    {3, 2, 1, 1, 1, true, 0.f},   {1, 1, 1, 1, 1, false, 0.f},   // one value per channel
    {2, 2, 10, 10, 95, true, 3.f},                               // planes of 9500 > one segment
    {3, 5, 1, 1, 7, false, -2.f}, {4, 16, 8, 8, 8, true, 100.f},  // affine off; far from 0
};

std::string describe(const BnCase& bc) {
  std::ostringstream o;
  o << "x=(" << bc.n << "," << bc.c << "," << bc.d << "," << bc.h << "," << bc.w << ")"
    << (bc.affine ? " affine" : " no-affine") << " offset " << bc.offset;
  return o.str();
}

// The plain and the fused-ReLU batch norm as the tests run them: kernel names, seeds and host calls.
struct BnVariant {
  bool relu;
  const char *train, *grad, *infer;  // kernel names (and failure-message prefixes)
  uint64_t fast_seed, fd_seed, det_seed;
  const char* label;  // "batch norm" or "batch norm + relu"
};
const BnVariant kPlain = {false, kernels::kBatchNormTrain, kernels::kBatchNormGrad, kernels::kBatchNormInfer, 10, 20, 30,
                          "batch norm"};
const BnVariant kRelu = {true, kernels::kBatchNormReluTrain, kernels::kBatchNormReluGrad, kernels::kBatchNormReluInfer,
                         40, 60, 70, "batch norm + relu"};

// The variant's grad on target t: BatchNormGrad(x, dy, ...), or BatchNormReluGrad(x, y, dy, ...) masked by y.
void run_grad(const BnVariant& v, const FastTarget& t, int64_t n, int64_t c, int64_t s, std::vector<float>& x,
              std::vector<float>& y, std::vector<float>& dy, const std::vector<float>& gamma, std::vector<float>& mean,
              std::vector<float>& invstd, std::vector<float>& dx, std::vector<float>& dgamma,
              std::vector<float>& dbeta) {
  if (v.relu)
    run_on<BatchNormReluGradFn>(t, v.grad, n, c, s, x, y, dy, gamma, mean, invstd, dx, dgamma, dbeta);
  else
    run_on<BatchNormGradFn>(t, v.grad, n, c, s, x, dy, gamma, mean, invstd, dx, dgamma, dbeta);
}

// Every fast target against the reference over kCases, with and without a NaN in channel 0.
void check_fast_matches_reference(const BnVariant& v) {
  const uint64_t seed = v.fast_seed;
  for (const auto& bc : kCases) {
    for (bool with_nan : {false, true}) {
      const int64_t s = bc.d * bc.h * bc.w, total = bc.n * bc.c * s;
      auto x = random_vector(total, seed + total, -2.f, 2.f);
      for (auto& xv : x) xv += bc.offset;
      if (with_nan) x[s / 2] = std::numeric_limits<float>::quiet_NaN();  // channel 0 only
      auto dy = random_vector(total, seed + 1 + total);
      auto gamma_v = random_vector(bc.c, seed + 2, 0.5f, 1.5f), beta_v = random_vector(bc.c, seed + 3);
      auto rmean = random_vector(bc.c, seed + 4), rvar = random_vector(bc.c, seed + 5, 0.1f, 2.f);
      const std::vector<float> gamma = bc.affine ? gamma_v : std::vector<float>{};  // empty: affine off (null)
      const std::vector<float> beta = bc.affine ? beta_v : std::vector<float>{};  // empty: affine off (null)
      const double eps = 1e-5;
      std::vector<float> y(total), mean(bc.c), invstd(bc.c), dx(total), dgamma(bc.c), dbeta(bc.c), yi(total);
      std::vector<float> y2(total), mean2(bc.c), invstd2(bc.c), dx2(total), dgamma2(bc.c), dbeta2(bc.c), yi2(total);
      const FastTarget& ref = reference_target();
      run_on<BatchNormTrainFn>(ref, v.train, bc.n, bc.c, s, x, gamma, beta, eps, y, mean, invstd);
      run_grad(v, ref, bc.n, bc.c, s, x, y, dy, gamma, mean, invstd, dx, dgamma, dbeta);
      run_on<BatchNormInferFn>(ref, v.infer, bc.n, bc.c, s, x, gamma, beta, rmean, rvar, eps, yi);
      if (v.relu) {
        int64_t zeros = 0;
        for (float yv : y) zeros += yv == 0.f;
        if (total >= 8)  // a single value per channel normalizes to 0 everywhere
          expect(zeros > 0 && zeros < total - (with_nan ? s : 0),
                 "BatchNormReluTrain reference: some outputs must be clipped, some not (" + describe(bc) + ")");
      }
      for (const auto& t : fast_targets()) {
        activate(t);
        const std::string at = t.name + " " + describe(bc) + (with_nan ? " NaN" : "");
        const Tolerance ttol = tolerance("kernels", v.train), gtol = tolerance("kernels", v.grad);
        const std::string train = v.train, grad = v.grad;
        run_on<BatchNormTrainFn>(t, v.train, bc.n, bc.c, s, x, gamma, beta, eps, y2, mean2, invstd2);
        check_close(train + " y " + at, y2.data(), y.data(), total, ttol);
        check_close(train + " mean " + at, mean2.data(), mean.data(), bc.c, ttol);
        check_close(train + " invstd " + at, invstd2.data(), invstd.data(), bc.c, ttol);
        // A relu grad gets the reference's y so both sides use the same mask (a value within rounding
        // of 0 may be clipped on one side only).
        run_grad(v, t, bc.n, bc.c, s, x, y, dy, gamma, mean, invstd, dx2, dgamma2, dbeta2);
        check_close(grad + " dx " + at, dx2.data(), dx.data(), total, gtol);
        check_close(grad + " dgamma " + at, dgamma2.data(), dgamma.data(), bc.c, gtol);
        check_close(grad + " dbeta " + at, dbeta2.data(), dbeta.data(), bc.c, gtol);
        run_on<BatchNormInferFn>(t, v.infer, bc.n, bc.c, s, x, gamma, beta, rmean, rvar, eps, yi2);
        check_close(std::string(v.infer) + " " + at, yi2.data(), yi.data(), total, tolerance("kernels", v.infer));
      }
      if (v.relu && with_nan) expect(std::isnan(y[s / 2]), "BatchNormReluTrain must keep a NaN (as relu does)");
      if (!v.relu && with_nan && bc.c > 1) {
        expect(std::isnan(y[0]) && std::isnan(mean[0]), "a NaN in channel 0 must make its statistics NaN");
        expect(!std::isnan(mean[1]) && !std::isnan(y[s]), "a NaN in channel 0 must not reach channel 1");
      }
    }
  }
}

// For the relu variant: nudges every x whose pre-activation is within 0.05 of the ReLU kink, then
// recomputes (the statistics move a little) until none is, so finite differences stay on one side.
void keep_off_relu_kink(int64_t n, int64_t c, int64_t s, std::vector<double>& x, const double* gp, const double* bp,
                        double eps) {
  std::vector<double> y(x.size()), mean(c), invstd(c);
  for (int round = 0; round < 20; ++round) {
    batch_norm_train_ref<double>(n, c, s, x.data(), gp, bp, eps, y.data(), mean.data(), invstd.data());
    int moved = 0;
    for (int64_t b = 0; b < n; ++b)
      for (int64_t ch = 0; ch < c; ++ch)
        for (int64_t i = 0; i < s; ++i) {
          const int64_t k = (b * c + ch) * s + i;
          const double g = gp ? gp[ch] : 1.0, pre = (x[k] - mean[ch]) * invstd[ch] * g + (bp ? bp[ch] : 0.0);
          if (std::fabs(pre) < 0.05 * std::fabs(g)) {
            x[k] += 0.2 / invstd[ch];
            ++moved;
          }
        }
    if (!moved) break;
  }
}

// dx, dgamma, dbeta of the variant's reference grad against central finite differences of its train.
void check_gradients(const BnVariant& v, int64_t s, float beta_range) {
  const Tolerance tol = tolerance("finite_difference", "batchnorm");
  const int64_t n = 2, c = 3, total = n * c * s;
  const double eps = 1e-3;
  const uint64_t seed = v.fd_seed;
  for (bool affine : {true, false}) {
    auto x = to_double(random_vector(total, seed, -1.f, 2.f));
    auto gamma = to_double(random_vector(c, seed + 1, 0.5f, 1.5f));
    auto beta = to_double(random_vector(c, seed + 2, -beta_range, beta_range));
    auto gy = to_double(random_vector(total, seed + 3));
    std::vector<double> y(total), mean(c), invstd(c), dx(total), dgamma(c), dbeta(c);
    const double* gp = affine ? gamma.data() : nullptr;
    const double* bp = affine ? beta.data() : nullptr;
    if (v.relu) keep_off_relu_kink(n, c, s, x, gp, bp, eps);
    auto loss = [&] {
      (v.relu ? batch_norm_relu_train_ref<double> : batch_norm_train_ref<double>)(
          n, c, s, x.data(), gp, bp, eps, y.data(), mean.data(), invstd.data());
      return dot(y, gy);
    };
    loss();
    if (v.relu) {
      int64_t active = 0;
      for (double yv : y) active += yv > 0;
      expect(active > 0 && active < total, "BatchNormReluGrad finite differences: the data must hit both ReLU sides");
      batch_norm_relu_grad_ref<double>(n, c, s, x.data(), y.data(), gy.data(), gp, mean.data(), invstd.data(),
                                       dx.data(), dgamma.data(), dbeta.data());
    } else {
      batch_norm_grad_ref<double>(n, c, s, x.data(), gy.data(), gp, mean.data(), invstd.data(), dx.data(),
                                  dgamma.data(), dbeta.data());
    }
    const std::string tag = affine ? " affine" : " no-affine", grad = v.grad;
    check_gradient(grad + " dx" + tag, x, dx, loss, tol);
    if (affine) {
      check_gradient(grad + " dgamma", gamma, dgamma, loss, tol);
      check_gradient(grad + " dbeta", beta, dbeta, loss, tol);
    }
  }
}

// Bit-identical reruns, and, since partial sums are per fixed-length segment, for any thread count.
void check_cpu_is_deterministic(const BnVariant& v) {
  const int64_t n = 3, c = 4, s = 20000, total = n * c * s;  // several segments per plane
  const uint64_t seed = v.det_seed;
  auto x = random_vector(total, seed, -3.f, 5.f);
  auto dy = random_vector(total, seed + 1);
  auto gamma = random_vector(c, seed + 2), beta = random_vector(c, seed + 3);
  const int threads = get_num_threads();
  const int settings[4] = {threads, threads, 1, 3};  // rerun, then 1 and 3 threads
  std::vector<float> runs[4];
  for (int r = 0; r < 4; ++r) {
    set_num_threads(settings[r]);
    std::vector<float> y(total), mean(c), invstd(c), dx(total), dgamma(c), dbeta(c);
    (v.relu ? batch_norm_relu_train_cpu : batch_norm_train_cpu)(n, c, s, x.data(), gamma.data(), beta.data(), 1e-5,
                                                                y.data(), mean.data(), invstd.data());
    if (v.relu)
      batch_norm_relu_grad_cpu(n, c, s, x.data(), y.data(), dy.data(), gamma.data(), mean.data(), invstd.data(),
                               dx.data(), dgamma.data(), dbeta.data());
    else
      batch_norm_grad_cpu(n, c, s, x.data(), dy.data(), gamma.data(), mean.data(), invstd.data(), dx.data(),
                          dgamma.data(), dbeta.data());
    runs[r] = y;
    for (const auto* o : {&mean, &invstd, &dx, &dgamma, &dbeta}) runs[r].insert(runs[r].end(), o->begin(), o->end());
  }
  set_num_threads(threads);
  for (int r = 1; r < 4; ++r)
    expect(std::memcmp(runs[r].data(), runs[0].data(), runs[0].size() * sizeof(float)) == 0,
           std::string(v.label) + " cpu with " + std::to_string(settings[r]) +
               " threads differs bitwise from the first run");
}

}  // namespace

NODULAB_TEST(batchnorm_fast_matches_reference) { check_fast_matches_reference(kPlain); }

NODULAB_TEST(batchnorm_statistics_are_biased_batch_moments) {
  // x: (2, 1, 1, 1, 2) = {1, 2, 3, 6}: mean 3, biased var (4 + 1 + 0 + 9) / 4 = 3.5.
  std::vector<float> x = {1, 2, 3, 6}, y(4), mean(1), invstd(1);
  for (const auto& t : fast_targets()) {
    activate(t);
    run_on<BatchNormTrainFn>(t, kernels::kBatchNormTrain, 2, 1, 2, x, nullptr, nullptr, 0.5,
                                                                     y, mean, invstd);
    expect(std::fabs(mean[0] - 3.f) < 1e-6f, t.name + ": mean of {1,2,3,6} must be 3");
    expect(std::fabs(invstd[0] - 0.5f) < 1e-6f, t.name + ": invstd must be 1/sqrt(3.5 + 0.5) = 0.5");
    expect(std::fabs(y[3] - 1.5f) < 1e-6f, t.name + ": y[3] must be (6 - 3) * 0.5");
  }
}

NODULAB_TEST(batchnorm_gradients_match_finite_differences) { check_gradients(kPlain, 5, 1.f); }

NODULAB_TEST(batchnorm_cpu_is_deterministic) { check_cpu_is_deterministic(kPlain); }

// ---- fused BatchNorm + ReLU ------------------------------------------------------------------------

NODULAB_TEST(batchnorm_relu_fast_matches_reference) { check_fast_matches_reference(kRelu); }

// The fused kernels equal relu applied to the plain kernels' output, and the plain grad of the masked dy.
NODULAB_TEST(batchnorm_relu_equals_batchnorm_then_relu) {
  const int64_t n = 3, c = 5, s = 300, total = n * c * s;
  auto x = random_vector(total, 50, -1.f, 3.f), dy = random_vector(total, 51);
  auto gamma = random_vector(c, 52, -1.f, 1.5f), beta = random_vector(c, 53);
  for (const auto& t : fast_targets()) {
    if (t.backend != Backend::Cpu) continue;  // compares the CPU kernels with each other
    activate(t);
    std::vector<float> y(total), yr(total), mean(c), invstd(c), dz(total), dx(total), dxr(total);
    std::vector<float> dg(c), db(c), dgr(c), dbr(c);
    batch_norm_train_cpu(n, c, s, x.data(), gamma.data(), beta.data(), 1e-5, y.data(), mean.data(), invstd.data());
    batch_norm_relu_train_cpu(n, c, s, x.data(), gamma.data(), beta.data(), 1e-5, yr.data(), mean.data(),
                              invstd.data());
    bool same = true;
    for (int64_t k = 0; k < total; ++k) {
      same = same && yr[k] == (y[k] > 0.f ? y[k] : 0.f);
      dz[k] = yr[k] > 0.f ? dy[k] : 0.f;
    }
    expect(same, t.name + ": BatchNormReluTrain must equal relu(BatchNormTrain) bitwise");
    batch_norm_grad_cpu(n, c, s, x.data(), dz.data(), gamma.data(), mean.data(), invstd.data(), dx.data(), dg.data(),
                        db.data());
    batch_norm_relu_grad_cpu(n, c, s, x.data(), yr.data(), dy.data(), gamma.data(), mean.data(), invstd.data(),
                             dxr.data(), dgr.data(), dbr.data());
    expect(std::memcmp(dx.data(), dxr.data(), total * sizeof(float)) == 0 &&
               std::memcmp(dg.data(), dgr.data(), c * sizeof(float)) == 0 &&
               std::memcmp(db.data(), dbr.data(), c * sizeof(float)) == 0,
           t.name + ": BatchNormReluGrad must equal BatchNormGrad of the masked dy bitwise");
  }
}

NODULAB_TEST(batchnorm_relu_gradients_match_finite_differences) { check_gradients(kRelu, 7, 0.3f); }

NODULAB_TEST(batchnorm_relu_cpu_is_deterministic) { check_cpu_is_deterministic(kRelu); }

}  // namespace nodulab::test

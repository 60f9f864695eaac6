// SvdVals kernels: matrices built as U·diag(s)·Vᵀ with orthonormal U, V and known s (tall, wide,
// square, repeated, zero and widely spread values, batches) checked on the reference and every fast
// host target (a host-only kernel); fast against the reference on random matrices; NaN matrices give NaN.
#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "ops/kernel_names.h"
#include "ops/svd/svd.h"
#include "test/harness.h"

namespace nodulab::test {
namespace {

// n x k matrix (row-major, double) with orthonormal columns: Gram-Schmidt (twice) of seeded normals.
std::vector<double> orthonormal_columns(int64_t n, int64_t k, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal;
  std::vector<double> q(n * k);
  for (auto& v : q) v = normal(rng);
  for (int64_t j = 0; j < k; ++j)
    for (int pass = 0; pass < 2; ++pass) {
      for (int64_t i = 0; i < j; ++i) {
        double dot = 0;
        for (int64_t r = 0; r < n; ++r) dot += q[r * k + i] * q[r * k + j];
        for (int64_t r = 0; r < n; ++r) q[r * k + j] -= dot * q[r * k + i];
      }
      double norm = 0;
      for (int64_t r = 0; r < n; ++r) norm += q[r * k + j] * q[r * k + j];
      norm = std::sqrt(norm);
      for (int64_t r = 0; r < n; ++r) q[r * k + j] /= norm;
    }
  return q;
}

// A (rows, cols) = U diag(s) Vᵀ, U: rows x k, V: cols x k orthonormal, k = s.size() = min(rows, cols).
std::vector<float> with_singular_values(int64_t rows, int64_t cols, const std::vector<double>& s, uint64_t seed) {
  const int64_t k = static_cast<int64_t>(s.size());
  auto U = orthonormal_columns(rows, k, seed);
  auto V = orthonormal_columns(cols, k, seed + 1);
  std::vector<float> a(rows * cols);
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j) {
      double acc = 0;
      for (int64_t t = 0; t < k; ++t) acc += U[i * k + t] * s[t] * V[j * k + t];
      a[i * cols + j] = static_cast<float>(acc);
    }
  return a;
}

struct Spectrum {
  const char* name;
  std::function<double(int64_t i, int64_t k)> value;  // the i-th of k singular values (any order)
};

}  // namespace

NODULAB_TEST(svdvals_recovers_constructed_singular_values) {
  struct Case { int64_t batch, rows, cols; };
  const std::vector<Spectrum> spectra = {
      {"linear", [](int64_t i, int64_t k) { return 1.0 + 9.0 * i / std::max<int64_t>(1, k - 1); }},
      {"repeated", [](int64_t i, int64_t) { return i % 3 == 0 ? 2.0 : 0.5; }},
      {"rank-deficient", [](int64_t i, int64_t k) { return i < k / 2 ? 3.0 + i : 0.0; }},
      {"geometric", [](int64_t i, int64_t) { return 8.0 * std::pow(0.7, static_cast<double>(i)); }},
  };
  std::vector<FastTarget> targets = fast_targets();
  targets.push_back(reference_target());
  for (Case c : {Case{1, 1, 1}, Case{1, 7, 3}, Case{2, 3, 7}, Case{3, 9, 9}, Case{1, 200, 33}, Case{2, 40, 64},
                 Case{1, 5, 120}}) {
    const int64_t k = std::min(c.rows, c.cols);
    for (const auto& sp : spectra) {
      std::vector<float> a;
      std::vector<float> want;
      for (int64_t b = 0; b < c.batch; ++b) {
        std::vector<double> s(k);
        for (int64_t i = 0; i < k; ++i) s[i] = sp.value((i * 7 + b) % k, k);  // shuffled: order must not matter
        auto m = with_singular_values(c.rows, c.cols, s, 1000 + b + c.rows * 31 + c.cols);
        a.insert(a.end(), m.begin(), m.end());
        std::sort(s.begin(), s.end(), std::greater<double>());
        for (double v : s) want.push_back(static_cast<float>(v));
      }
      std::vector<float> got(c.batch * k, -1.f);
      for (const auto& t : targets) {
        if (t.backend == Backend::Cuda) continue;  // host-only kernel
        activate(t);
        run_on<SvdValsFn>(t, kernels::kSvdVals, c.batch, c.rows, c.cols, a, got);
        const std::string at = std::string("SvdVals ") + sp.name + " " + t.name + " " + std::to_string(c.batch) +
                               "x" + std::to_string(c.rows) + "x" + std::to_string(c.cols);
        // float32 input: a value's error is relative to the largest singular value.
        Tolerance tol = tolerance("kernels", kernels::kSvdVals);
        tol.atol *= *std::max_element(want.begin(), want.end());
        check_close(at, got.data(), want.data(), c.batch * k, tol);
      }
    }
  }
}

NODULAB_TEST(svdvals_fast_matches_reference) {
  struct Case { int64_t batch, rows, cols; };
  for (Case c : {Case{1, 2, 2}, Case{4, 17, 5}, Case{1, 300, 64}, Case{3, 11, 13}, Case{1, 64, 130}}) {
    const int64_t k = std::min(c.rows, c.cols);
    auto a = random_vector(c.batch * c.rows * c.cols, 77 + c.rows * c.cols, -2.f, 2.f);
    std::vector<float> want(c.batch * k), got(c.batch * k);
    run_on<SvdValsFn>(reference_target(), kernels::kSvdVals, c.batch, c.rows, c.cols, a, want);
    for (const auto& t : fast_targets()) {
      if (t.backend == Backend::Cuda) continue;  // host-only kernel
      activate(t);
      run_on<SvdValsFn>(t, kernels::kSvdVals, c.batch, c.rows, c.cols, a, got);
      Tolerance tol = tolerance("kernels", kernels::kSvdVals);
      tol.atol *= *std::max_element(want.begin(), want.end());
      check_close("SvdVals random " + t.name + " " + std::to_string(c.rows) + "x" + std::to_string(c.cols), got.data(),
                  want.data(), c.batch * k, tol);
    }
  }
}

NODULAB_TEST(svdvals_nan_matrix_gives_nan_and_others_are_unaffected) {
  // Two 2x2 matrices: diag(3, 4) -> [4, 3]; the second holds NaN -> [NaN, NaN].
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const std::vector<float> a = {3.f, 0.f, 0.f, 4.f, 1.f, nan, 0.f, 1.f};
  const std::vector<float> want = {4.f, 3.f, nan, nan};
  std::vector<FastTarget> targets = fast_targets();
  targets.push_back(reference_target());
  for (const auto& t : targets) {
    if (t.backend == Backend::Cuda) continue;  // host-only kernel
    activate(t);
    std::vector<float> got(4, 0.f);
    run_on<SvdValsFn>(t, kernels::kSvdVals, int64_t{2}, int64_t{2}, int64_t{2}, a, got);
    check_close("SvdVals NaN " + t.name, got.data(), want.data(), 4, tolerance("kernels", kernels::kSvdVals));
  }
}

}  // namespace nodulab::test

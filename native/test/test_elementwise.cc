// Elementwise kernels against the reference on every fast target, and their gradients by finite differences.
#include "ops/elementwise/elementwise.h"
#include "ops/kernel_names.h"
#include "test/harness.h"

namespace nodulab::test {

NODULAB_TEST(elementwise_fast_matches_reference) {
  for (int64_t n : {1, 33, 70001}) {
    auto x = random_vector(n, 3 + n), y = random_vector(n, 4 + n);
    std::vector<float> want(n), got(n);
    for (const auto& t : fast_targets()) {
      activate(t);
      const std::string at = t.name + " n=" + std::to_string(n);
      for (float beta : {0.f, -0.5f}) {
        run_on<AxpbyFn>(reference_target(), kernels::kAxpby, n, 1.5f, x, beta, y, want);
        run_on<AxpbyFn>(t, kernels::kAxpby, n, 1.5f, x, beta, y, got);
        check_close("Axpby " + at, got.data(), want.data(), n, tolerance("kernels", kernels::kAxpby));
      }
      run_on<MulFn>(reference_target(), kernels::kMul, n, x, y, want);
      run_on<MulFn>(t, kernels::kMul, n, x, y, got);
      check_close("Mul " + at, got.data(), want.data(), n, tolerance("kernels", kernels::kMul));
    }
  }
}

NODULAB_TEST(elementwise_gradients_match_finite_differences) {
  // d/dx sum(g * (alpha x + beta y)) = alpha g ; d/da sum(g * a b) = g b.
  const int64_t n = 20;
  auto x = to_double(random_vector(n, 5)), y = to_double(random_vector(n, 6)), g = to_double(random_vector(n, 7));
  std::vector<double> out(n), analytic(n);
  const Tolerance tol = tolerance("finite_difference", kernels::kAxpby);
  for (int64_t i = 0; i < n; ++i) analytic[i] = 1.5 * g[i];
  check_gradient("Axpby d/dx", x, analytic, [&] { axpby_ref<double>(n, 1.5, x.data(), -0.5, y.data(), out.data()); return dot(out, g); }, tol);
  mul_ref<double>(n, g.data(), y.data(), analytic.data());
  check_gradient("Mul d/da", x, analytic, [&] { mul_ref<double>(n, x.data(), y.data(), out.data()); return dot(out, g); }, tol);
}

}  // namespace nodulab::test

// Activation kernels: every fast target against the reference, and each gradient by finite differences.
#include <cmath>
#include <limits>

#include "ops/activation/activation.h"
#include "ops/kernel_names.h"
#include "test/harness.h"

namespace nodulab::test {

NODULAB_TEST(activation_fast_matches_reference) {
  for (int64_t n : {1, 7, 1000, 100003}) {
    auto x = random_vector(n, 1 + n, -2.f, 2.f);
    auto dy = random_vector(n, 2 + n);
    x[0] = std::numeric_limits<float>::quiet_NaN();
    std::vector<float> want(n), got(n);
    for (const auto& t : fast_targets()) {
      activate(t);
      const std::string at = t.name + " n=" + std::to_string(n);
      for (const char* name : {kernels::kRelu, kernels::kSigmoid}) {
        run_on<UnaryFn>(reference_target(), name, n, x, want);
        run_on<UnaryFn>(t, name, n, x, got);
        check_close(std::string(name) + " " + at, got.data(), want.data(), n, tolerance("kernels", name));
      }
      for (const char* name : {kernels::kReluGrad, kernels::kSigmoidGrad}) {
        run_on<UnaryGradFn>(reference_target(), name, n, x, dy, want);
        run_on<UnaryGradFn>(t, name, n, x, dy, got);
        check_close(std::string(name) + " " + at, got.data(), want.data(), n, tolerance("kernels", name));
      }
      run_on<UnaryAlphaFn>(reference_target(), kernels::kLeakyRelu, n, 0.1f, x, want);
      run_on<UnaryAlphaFn>(t, kernels::kLeakyRelu, n, 0.1f, x, got);
      check_close("LeakyRelu " + at, got.data(), want.data(), n, tolerance("kernels", kernels::kLeakyRelu));
      run_on<UnaryAlphaGradFn>(reference_target(), kernels::kLeakyReluGrad, n, 0.1f, x, dy, want);
      run_on<UnaryAlphaGradFn>(t, kernels::kLeakyReluGrad, n, 0.1f, x, dy, got);
      check_close("LeakyReluGrad " + at, got.data(), want.data(), n, tolerance("kernels", kernels::kLeakyReluGrad));
    }
  }
}

NODULAB_TEST(activation_gradients_match_finite_differences) {
  const int64_t n = 50;
  // Keep x away from the kink at 0, where relu has no derivative.
  auto xf = random_vector(n, 11, 0.05f, 1.5f);
  for (int64_t i = 0; i < n; i += 2) xf[i] = -xf[i];
  auto x = to_double(xf);
  auto g = to_double(random_vector(n, 12));
  std::vector<double> y(n), dx(n);
  const Tolerance tol = tolerance("finite_difference", "activation");

  relu_grad_ref<double>(n, x.data(), g.data(), dx.data());
  check_gradient("ReluGrad", x, dx, [&] { relu_ref<double>(n, x.data(), y.data()); return dot(y, g); }, tol);

  leaky_relu_grad_ref<double>(n, 0.2, x.data(), g.data(), dx.data());
  check_gradient("LeakyReluGrad", x, dx, [&] { leaky_relu_ref<double>(n, 0.2, x.data(), y.data()); return dot(y, g); }, tol);

  sigmoid_ref<double>(n, x.data(), y.data());
  sigmoid_grad_ref<double>(n, y.data(), g.data(), dx.data());
  check_gradient("SigmoidGrad", x, dx, [&] { sigmoid_ref<double>(n, x.data(), y.data()); return dot(y, g); }, tol);
}

}  // namespace nodulab::test

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
        find_kernel<UnaryFn>(name, Backend::Ref)(n, x.data(), want.data());
        find_kernel<UnaryFn>(name, t.backend)(n, x.data(), got.data());
        check_close(std::string(name) + " " + at, got.data(), want.data(), n, tolerance("kernels", name));
      }
      for (const char* name : {kernels::kReluGrad, kernels::kSigmoidGrad}) {
        find_kernel<UnaryGradFn>(name, Backend::Ref)(n, x.data(), dy.data(), want.data());
        find_kernel<UnaryGradFn>(name, t.backend)(n, x.data(), dy.data(), got.data());
        check_close(std::string(name) + " " + at, got.data(), want.data(), n, tolerance("kernels", name));
      }
      find_kernel<UnaryAlphaFn>(kernels::kLeakyRelu, Backend::Ref)(n, 0.1f, x.data(), want.data());
      find_kernel<UnaryAlphaFn>(kernels::kLeakyRelu, t.backend)(n, 0.1f, x.data(), got.data());
      check_close("LeakyRelu " + at, got.data(), want.data(), n, tolerance("kernels", kernels::kLeakyRelu));
      find_kernel<UnaryAlphaGradFn>(kernels::kLeakyReluGrad, Backend::Ref)(n, 0.1f, x.data(), dy.data(), want.data());
      find_kernel<UnaryAlphaGradFn>(kernels::kLeakyReluGrad, t.backend)(n, 0.1f, x.data(), dy.data(), got.data());
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

// Softmax kernels: every fast target against the reference (odd shapes, extreme values, NaN rows),
// hand-computed values, and both gradients by finite differences in double.
#include <cmath>
#include <limits>

#include "ops/kernel_names.h"
#include "ops/softmax/softmax.h"
#include "test/harness.h"

namespace nodulab::test {

NODULAB_TEST(softmax_fast_matches_reference) {
  struct Case { int64_t rows, cols; };
  for (Case c : {Case{1, 1}, Case{3, 7}, Case{64, 10}, Case{5, 1000}, Case{257, 3}, Case{2, 33}}) {
    const int64_t n = c.rows * c.cols;
    auto x = random_vector(n, 100 + n, -8.f, 8.f);
    auto dy = random_vector(n, 200 + n);
    if (c.rows > 2) {
      x[c.cols] = std::numeric_limits<float>::quiet_NaN();  // row 1 becomes all NaN
      for (int64_t j = 0; j < c.cols; ++j) x[2 * c.cols + j] += 1000.f;  // row 2 needs the max shift
    }
    std::vector<float> want(n), got(n), y(n);
    for (const auto& t : fast_targets()) {
      activate(t);
      const std::string at = t.name + " " + std::to_string(c.rows) + "x" + std::to_string(c.cols);
      for (const char* name : {kernels::kSoftmax, kernels::kLogSoftmax}) {
        run_on<SoftmaxFn>(reference_target(), name, c.rows, c.cols, x, want);
        run_on<SoftmaxFn>(t, name, c.rows, c.cols, x, got);
        check_close(std::string(name) + " " + at, got.data(), want.data(), n, tolerance("kernels", name));
      }
      struct Grad { const char* forward; const char* backward; };
      for (Grad g : {Grad{kernels::kSoftmax, kernels::kSoftmaxGrad}, Grad{kernels::kLogSoftmax, kernels::kLogSoftmaxGrad}}) {
        run_on<SoftmaxFn>(reference_target(), g.forward, c.rows, c.cols, x, y);
        run_on<SoftmaxGradFn>(reference_target(), g.backward, c.rows, c.cols, y, dy, want);
        run_on<SoftmaxGradFn>(t, g.backward, c.rows, c.cols, y, dy, got);
        check_close(std::string(g.backward) + " " + at, got.data(), want.data(), n, tolerance("kernels", g.backward));
      }
    }
  }
}

NODULAB_TEST(softmax_hand_computed_values) {
  // softmax([0, ln 3]) = [1/4, 3/4]; softmax([1000, 1000]) = [1/2, 1/2] (needs the max shift);
  // log_softmax([0, 0, 0, 0]) = -ln 4 each; a row holding NaN is NaN throughout.
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const std::vector<float> x = {0.f, std::log(3.f), 1000.f, 1000.f, nan, 1.f};
  const std::vector<float> want = {0.25f, 0.75f, 0.5f, 0.5f, nan, nan};
  const std::vector<float> x4 = {0.f, 0.f, 0.f, 0.f};
  const float l4 = -std::log(4.f);
  const std::vector<float> want4 = {l4, l4, l4, l4};
  std::vector<float> got(6), got4(4);
  std::vector<FastTarget> targets = fast_targets();
  targets.push_back({"ref", Backend::Ref, detect_isa()});
  for (const auto& t : targets) {
    activate(t);
    run_on<SoftmaxFn>(t, kernels::kSoftmax, 3, 2, x, got);
    check_close("Softmax hand " + t.name, got.data(), want.data(), 6, tolerance("kernels", kernels::kSoftmax));
    run_on<SoftmaxFn>(t, kernels::kLogSoftmax, 1, 4, x4, got4);
    check_close("LogSoftmax hand " + t.name, got4.data(), want4.data(), 4, tolerance("kernels", kernels::kLogSoftmax));
  }
}

NODULAB_TEST(softmax_gradients_match_finite_differences) {
  const int64_t rows = 4, cols = 6, n = rows * cols;
  auto x = to_double(random_vector(n, 31, -3.f, 3.f));
  auto g = to_double(random_vector(n, 32));
  std::vector<double> y(n), dx(n);
  const Tolerance tol = tolerance("finite_difference", "softmax");

  softmax_ref<double>(rows, cols, x.data(), y.data());
  softmax_grad_ref<double>(rows, cols, y.data(), g.data(), dx.data());
  check_gradient("SoftmaxGrad", x, dx, [&] { softmax_ref<double>(rows, cols, x.data(), y.data()); return dot(y, g); }, tol);

  log_softmax_ref<double>(rows, cols, x.data(), y.data());
  log_softmax_grad_ref<double>(rows, cols, y.data(), g.data(), dx.data());
  check_gradient("LogSoftmaxGrad", x, dx, [&] { log_softmax_ref<double>(rows, cols, x.data(), y.data()); return dot(y, g); }, tol);
}

}  // namespace nodulab::test

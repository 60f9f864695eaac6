// fast_exp: close to std::exp over its range, exact at the clamps (0 below ln FLT_MIN, inf above 88.72),
// and NaN in gives NaN out without undefined behaviour (a NaN once reached a negative shift).
#include <cmath>
#include <limits>

#include "ops/softmax/fast_exp.h"
#include "test/harness.h"

namespace nodulab::test {

NODULAB_TEST(fast_exp_values_and_nan) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  expect(std::isnan(fast_exp(nan)), "fast_exp(NaN) is NaN");
  expect(std::isnan(fast_exp(-nan)), "fast_exp(-NaN) is NaN");
  expect(fast_exp(-inf) == 0.f, "fast_exp(-inf) is 0");
  expect(fast_exp(inf) == inf, "fast_exp(inf) is inf");
  expect(fast_exp(-100.f) == 0.f, "fast_exp(-100) is 0");
  expect(fast_exp(89.f) == inf, "fast_exp(89) is inf");
  for (float x = -87.f; x <= 88.f; x += 0.37f) {
    const double want = std::exp(static_cast<double>(x));
    expect(std::fabs(fast_exp(x) - want) <= 4e-7 * want, "fast_exp(" + std::to_string(x) + ") within 4e-7");
  }
}

}  // namespace nodulab::test

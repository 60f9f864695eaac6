// The C++ kernel test harness (no Node needed): test registration, seeded random data, the
// atol + rtol*|ref| comparison with tolerances from tolerances.json, backends to run, and
// central finite differences in double.
#pragma once
#include <cmath>
#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "core/cpu_features.h"
#include "core/registry.h"

namespace nodulab::test {

struct Tolerance {
  double atol = 1e-5, rtol = 1e-4;
  double eps = 1e-6;      // finite-difference step
  int max_checked = 64;   // finite differences: elements checked per tensor
};

// Tolerance for `kernel` in section "kernels" | "finite_difference" (falls back to "default").
Tolerance tolerance(const std::string& section, const std::string& kernel);

// Registers a test: `name` and a body that reports failures through check_close/expect.
struct TestCase {
  std::string name;
  std::function<void()> body;
};
std::vector<TestCase>& all_tests();
struct TestRegistrar {
  TestRegistrar(const char* name, std::function<void()> body) { all_tests().push_back({name, std::move(body)}); }
};
#define NODULAB_TEST(name)                                                \
  static void name();                                                     \
  static ::nodulab::test::TestRegistrar name##_registrar(#name, name);    \
  static void name()

// Records a failure (the test keeps running; the driver exits non-zero at the end).
void fail(const std::string& message);
int failure_count();
void expect(bool cond, const std::string& message);

// Compares got with want elementwise: |got - want| <= atol + rtol*|want| (NaN must match NaN).
// Reports the first few mismatches with `what` as context. Returns true if all match.
bool check_close(const std::string& what, const float* got, const float* want, int64_t n, const Tolerance& tol);
bool check_close(const std::string& what, const double* got, const double* want, int64_t n, const Tolerance& tol);

// Seeded uniform data in [lo, hi).
std::vector<float> random_vector(int64_t n, uint64_t seed, float lo = -1.f, float hi = 1.f);
std::vector<double> to_double(const std::vector<float>& v);
std::vector<float> to_float(const std::vector<double>& v);

// A fast backend to check against the reference: a name, the backend, and the CPU ISA it uses.
struct FastTarget {
  std::string name;  // e.g. "cpu/avx512", "cpu/scalar", "cuda"
  Backend backend;
  Isa isa;
};
// Every fast target this machine can run: cpu at each supported ISA, and cuda when built and present.
std::vector<FastTarget> fast_targets();
// Makes `t` current (sets the ISA) for the kernels called next.
void activate(const FastTarget& t);

// Central finite differences of a scalar function f(x) (double) at up to tol.max_checked indices of
// x, compared with the analytic gradient `grad`. Indices are spread evenly over x.
bool check_gradient(const std::string& what, std::vector<double>& x, const std::vector<double>& grad,
                    const std::function<double()>& f, const Tolerance& tol);

// Dot product of a kernel output with a fixed random "upstream gradient" g, giving the scalar
// loss L = sum(out * g) whose gradient w.r.t. the output is g.
double dot(const std::vector<double>& a, const std::vector<double>& b);

}  // namespace nodulab::test

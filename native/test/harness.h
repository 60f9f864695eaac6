// The C++ kernel test harness (no Node needed): test registration, seeded random data, the
// atol + rtol*|ref| comparison with tolerances from tolerances.json, backends to run, and
// central finite differences in double.
#pragma once
#include <cmath>
#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <type_traits>
#include <utility>
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
// Call kernels for these targets through run_on (below): a cuda target needs device buffers, so a
// direct find_kernel(name, t.backend)(host pointers) is only valid when t.backend != Backend::Cuda.
std::vector<FastTarget> fast_targets();
// Makes `t` current (sets the ISA) for the kernels called next.
void activate(const FastTarget& t);
// Whether the cuda target runs here, and a note saying why not (printed once by the driver).
bool cuda_target_present();
std::string cuda_target_note();

// ---- run_on: one call path for host (ref, cpu) and device (cuda) kernels ---------------------------
// run_on<Fn>(t, kernel, args...) finds `kernel` for t.backend and calls it with args, where
//   std::vector<T>       passes as T*: on cuda copied to a device buffer first and copied back after
//                        the call (outputs: fill them beforehand to check every element is written);
//   const std::vector<T> passes as const T*: on cuda copied to the device only;
//   an EMPTY vector      passes as nullptr (optional inputs such as bias, gamma, beta);
//   Scalar<T>{v}         a single host value the kernel writes (loss, counts): a 1-element buffer;
//   anything else        (sizes, flags, Conv3DParams, Pool3dGeom) passes through unchanged.
// Raw pointers are refused at compile time: a host pointer handed to a CUDA kernel would be a bug.
template <class T>
struct Scalar {
  T& value;
};
template <class T> Scalar(T&) -> Scalar<T>;

namespace detail {
// Device side of run_on (harness.cc): a device allocation holding a copy of `bytes` from the host
// and, for outputs, copied back to `host` after the call. Without CUDA these throw.
struct DeviceArg {
  void* device = nullptr;
  void* host = nullptr;  // copied back when non-null
  size_t bytes = 0;
};
void* device_arg(std::vector<DeviceArg>& args, const void* host, size_t bytes, bool copy_back);
void finish_device_args(std::vector<DeviceArg>& args, const std::string& kernel);  // sync, copy back, free
void free_device_args(std::vector<DeviceArg>& args);

// Maps one run_on argument to what the kernel receives (overloads; the generic one passes through).
template <class A>
A&& marshal(A&& a, bool, std::vector<DeviceArg>&) {
  static_assert(!std::is_pointer_v<std::decay_t<A>>, "run_on: pass std::vector (or Scalar), not a raw pointer");
  return std::forward<A>(a);
}
inline std::nullptr_t marshal(std::nullptr_t, bool, std::vector<DeviceArg>&) { return nullptr; }
template <class T>
T* marshal(std::vector<T>& v, bool device, std::vector<DeviceArg>& args) {
  if (v.empty()) return nullptr;
  return device ? static_cast<T*>(device_arg(args, v.data(), v.size() * sizeof(T), true)) : v.data();
}
template <class T>
const T* marshal(const std::vector<T>& v, bool device, std::vector<DeviceArg>& args) {
  if (v.empty()) return nullptr;
  return device ? static_cast<const T*>(device_arg(args, v.data(), v.size() * sizeof(T), false)) : v.data();
}
template <class T>
T* marshal(Scalar<T> s, bool device, std::vector<DeviceArg>& args) {
  return device ? static_cast<T*>(device_arg(args, &s.value, sizeof(T), true)) : &s.value;
}
}  // namespace detail

// Runs kernel `name` (signature Fn) on target t (see above). A kernel not registered for t.backend
// is a test failure. Returns false when the kernel was missing or threw.
template <class Fn, class... Args>
bool run_on(const FastTarget& t, const char* name, Args&&... args) {
  Fn fn = find_kernel<Fn>(name, t.backend);
  if (!fn) {
    fail(std::string(name) + " is not registered for " + backend_name(t.backend));
    return false;
  }
  const bool device = t.backend == Backend::Cuda;
  std::vector<detail::DeviceArg> dev;
  try {
    fn(detail::marshal(std::forward<Args>(args), device, dev)...);
    if (device) detail::finish_device_args(dev, name);
  } catch (...) {
    detail::free_device_args(dev);
    throw;
  }
  return true;
}
// The data of v, or nullptr when v is empty (optional inputs in direct, host-only calls).
template <class T>
const T* data_or_null(const std::vector<T>& v) {
  return v.empty() ? nullptr : v.data();
}
// The reference target (host, float): run_on(reference_target(), ...) computes the expected values.
const FastTarget& reference_target();

// Central finite differences of a scalar function f(x) (double) at up to tol.max_checked indices of
// x, compared with the analytic gradient `grad`. Indices are spread evenly over x.
bool check_gradient(const std::string& what, std::vector<double>& x, const std::vector<double>& grad,
                    const std::function<double()>& f, const Tolerance& tol);

// Dot product of a kernel output with a fixed random "upstream gradient" g, giving the scalar
// loss L = sum(out * g) whose gradient w.r.t. the output is g.
double dot(const std::vector<double>& a, const std::vector<double>& b);

}  // namespace nodulab::test

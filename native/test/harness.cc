// Implementation of the kernel test harness (harness.h) and the driver's main().
#include "test/harness.h"

#include <cctype>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

#include "core/cuda_runtime.h"
#include "core/registry.h"
#include "core/thread_pool.h"

#ifndef NODULAB_TOLERANCES_FILE
#error "NODULAB_TOLERANCES_FILE must name native/test/tolerances.json"
#endif

namespace nodulab::test {
namespace {

// A minimal reader for tolerances.json: objects of objects of numbers (strings are skipped).
class TolerancesReader {
 public:
  explicit TolerancesReader(std::string text) : s_(std::move(text)) {}
  // section -> kernel -> key -> value
  std::map<std::string, std::map<std::string, std::map<std::string, double>>> parse() {
    std::map<std::string, std::map<std::string, std::map<std::string, double>>> out;
    expect_char('{');
    while (!peek('}')) {
      std::string section = read_string();
      expect_char(':');
      if (peek('"')) { read_string(); }  // a comment string
      else {
        expect_char('{');
        while (!peek('}')) {
          std::string kernel = read_string();
          expect_char(':');
          expect_char('{');
          while (!peek('}')) {
            std::string key = read_string();
            expect_char(':');
            out[section][kernel][key] = read_number();
            if (peek(',')) ++i_;
          }
          expect_char('}');
          if (peek(',')) ++i_;
        }
        expect_char('}');
      }
      if (peek(',')) ++i_;
    }
    return out;
  }

 private:
  void skip_ws() { while (i_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[i_]))) ++i_; }
  bool peek(char c) { skip_ws(); return i_ < s_.size() && s_[i_] == c; }
  void expect_char(char c) {
    if (!peek(c)) throw std::runtime_error(std::string("tolerances.json: expected '") + c + "' at byte " + std::to_string(i_));
    ++i_;
  }
  std::string read_string() {
    expect_char('"');
    size_t start = i_;
    while (i_ < s_.size() && s_[i_] != '"') ++i_;
    std::string v = s_.substr(start, i_ - start);
    ++i_;
    return v;
  }
  double read_number() {
    skip_ws();
    size_t used = 0;
    double v = std::stod(s_.substr(i_), &used);
    i_ += used;
    return v;
  }
  std::string s_;
  size_t i_ = 0;
};

const std::map<std::string, std::map<std::string, std::map<std::string, double>>>& tolerance_table() {
  static const auto table = [] {
    std::ifstream f(NODULAB_TOLERANCES_FILE);
    if (!f) throw std::runtime_error(std::string("cannot open ") + NODULAB_TOLERANCES_FILE);
    std::stringstream ss;
    ss << f.rdbuf();
    return TolerancesReader(ss.str()).parse();
  }();
  return table;
}

int g_failures = 0;
std::string g_current_test;

template <class T>
bool check_close_impl(const std::string& what, const T* got, const T* want, int64_t n, const Tolerance& tol) {
  int reported = 0;
  int64_t bad = 0;
  double worst = 0;
  for (int64_t i = 0; i < n; ++i) {
    double g = got[i], w = want[i];
    bool ok = (std::isnan(w) && std::isnan(g)) || std::fabs(g - w) <= tol.atol + tol.rtol * std::fabs(w);
    if (!ok) {
      ++bad;
      worst = std::max(worst, std::fabs(g - w));
      if (reported++ < 5) {
        std::ostringstream o;
        o << what << ": element " << i << " got " << g << " want " << w;
        fail(o.str());
      }
    }
  }
  if (bad) {
    std::ostringstream o;
    o << what << ": " << bad << " of " << n << " elements differ (worst |diff| " << worst << ", atol " << tol.atol
      << ", rtol " << tol.rtol << ")";
    fail(o.str());
  }
  return bad == 0;
}

}  // namespace

Tolerance tolerance(const std::string& section, const std::string& kernel) {
  Tolerance t;
  const auto& table = tolerance_table();
  auto sec = table.find(section);
  if (sec == table.end()) throw std::runtime_error("tolerances.json has no section " + section);
  for (const std::string& key : {std::string("default"), kernel}) {
    auto k = sec->second.find(key);
    if (k == sec->second.end()) continue;
    for (const auto& [name, v] : k->second) {
      if (name == "atol") t.atol = v;
      else if (name == "rtol") t.rtol = v;
      else if (name == "eps") t.eps = v;
      else if (name == "max_checked") t.max_checked = static_cast<int>(v);
    }
  }
  return t;
}

std::vector<TestCase>& all_tests() {
  static std::vector<TestCase> tests;
  return tests;
}

void fail(const std::string& message) {
  ++g_failures;
  std::fprintf(stderr, "  FAIL [%s] %s\n", g_current_test.c_str(), message.c_str());
}
int failure_count() { return g_failures; }
void expect(bool cond, const std::string& message) {
  if (!cond) fail(message);
}

bool check_close(const std::string& what, const float* got, const float* want, int64_t n, const Tolerance& tol) {
  return check_close_impl(what, got, want, n, tol);
}
bool check_close(const std::string& what, const double* got, const double* want, int64_t n, const Tolerance& tol) {
  return check_close_impl(what, got, want, n, tol);
}

std::vector<float> random_vector(int64_t n, uint64_t seed, float lo, float hi) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(n);
  for (auto& x : v) x = dist(rng);
  return v;
}
std::vector<double> to_double(const std::vector<float>& v) { return std::vector<double>(v.begin(), v.end()); }
std::vector<float> to_float(const std::vector<double>& v) {
  std::vector<float> out(v.size());
  for (size_t i = 0; i < v.size(); ++i) out[i] = static_cast<float>(v[i]);
  return out;
}

std::vector<FastTarget> fast_targets() {
  std::vector<FastTarget> out;
  Isa best = detect_isa();
  for (Isa isa : {Isa::Scalar, Isa::Avx2, Isa::Avx512})
    if (isa <= best) out.push_back({std::string("cpu/") + isa_name(isa), Backend::Cpu, isa});
  if (cuda_target_present()) out.push_back({"cuda", Backend::Cuda, best});
  return out;
}

void activate(const FastTarget& t) { set_isa(t.isa); }

bool cuda_target_present() {
#ifdef NODULAB_WITH_CUDA
  return cuda::available();
#else
  return false;
#endif
}

std::string cuda_target_note() {
#ifdef NODULAB_WITH_CUDA
  if (cuda::available()) return "cuda target: " + cuda::status();
  return "cuda target skipped: " + cuda::status();
#else
  return "cuda target skipped: built without CUDA (configure with -DNODULAB_CUDA=ON on a machine with nvcc)";
#endif
}

const FastTarget& reference_target() {
  static const FastTarget ref{"ref", Backend::Ref, Isa::Scalar};
  return ref;
}

namespace detail {
void* device_arg(std::vector<DeviceArg>& args, const void* host, size_t bytes, bool copy_back) {
  DeviceArg a;
  a.device = cuda::device_alloc(bytes, "run_on");
  a.bytes = bytes;
  args.push_back(a);  // owned from here on: freed by finish/free_device_args
  cuda::copy_to_device(a.device, host, bytes, "run_on (copy to device)");
  if (copy_back) args.back().host = const_cast<void*>(host);
  return a.device;
}

void finish_device_args(std::vector<DeviceArg>& args, const std::string& kernel) {
  cuda::synchronize(kernel.c_str());
  for (auto& a : args)
    if (a.host) cuda::copy_to_host(a.host, a.device, a.bytes, kernel.c_str());
  free_device_args(args);
}

void free_device_args(std::vector<DeviceArg>& args) {
  for (auto& a : args) cuda::device_free(a.device);
  args.clear();
}
}  // namespace detail

double dot(const std::vector<double>& a, const std::vector<double>& b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}

bool check_gradient(const std::string& what, std::vector<double>& x, const std::vector<double>& grad,
                    const std::function<double()>& f, const Tolerance& tol) {
  const int64_t n = static_cast<int64_t>(x.size());
  const int64_t checks = std::min<int64_t>(n, tol.max_checked);
  bool ok = true;
  for (int64_t k = 0; k < checks; ++k) {
    int64_t i = checks == n ? k : (k * n) / checks + (k % 3);
    if (i >= n) i = n - 1;
    double saved = x[i];
    x[i] = saved + tol.eps;
    double fp = f();
    x[i] = saved - tol.eps;
    double fm = f();
    x[i] = saved;
    double numeric = (fp - fm) / (2 * tol.eps);
    if (!(std::fabs(numeric - grad[i]) <= tol.atol + tol.rtol * std::fabs(numeric))) {
      std::ostringstream o;
      o << what << ": d/dx[" << i << "] analytic " << grad[i] << " vs finite difference " << numeric;
      fail(o.str());
      ok = false;
    }
  }
  return ok;
}

}  // namespace nodulab::test

int main(int argc, char** argv) {
  using namespace nodulab;
  register_all_kernels();
  const char* filter = argc > 1 ? argv[1] : nullptr;
  std::printf("%s\n", test::cuda_target_note().c_str());
  int run = 0;
  for (auto& t : test::all_tests()) {
    if (filter && t.name.find(filter) == std::string::npos) continue;
    test::g_current_test = t.name;
    int before = test::failure_count();
    try {
      t.body();
    } catch (const std::exception& e) {
      test::fail(std::string("exception: ") + e.what());
    }
    set_isa(detect_isa());
    std::printf("%s %s\n", test::failure_count() == before ? "ok  " : "FAIL", t.name.c_str());
    ++run;
  }
  std::printf("%d tests, %d failures (threads %d, best ISA %s, cuda %s)\n", run, test::failure_count(),
              get_num_threads(), isa_name(detect_isa()), test::cuda_target_present() ? "ran" : "skipped");
  return test::failure_count() == 0 ? 0 : 1;
}

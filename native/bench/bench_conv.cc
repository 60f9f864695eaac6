// nodulab_bench: times the fast CPU Conv3D kernels on NoduleNet3D's three conv layers (batch 32,
// k3 p1 s1, no bias) and measures the machine's FMA peak. Prints one JSON object per line.
//   nodulab_bench [--threads N] [--reps R] [--batch B] [--isa scalar|avx2|avx512]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "bench/fma_peak.h"
#include "core/cpu_features.h"
#include "core/registry.h"
#include "core/thread_pool.h"
#include "ops/conv3d/conv3d.h"

namespace nodulab::bench {
namespace {

double now_ms() {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// Median wall time of `reps` runs of fn after one warm-up run.
double median_ms(int reps, const std::function<void()>& fn) {
  fn();
  std::vector<double> t;
  for (int r = 0; r < reps; ++r) {
    const double t0 = now_ms();
    fn();
    t.push_back(now_ms() - t0);
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

// FP32 FMA peak in GFLOP/s: the active ISA's FMA loop on `threads` threads at once.
double fma_peak_gflops(int threads) {
  double (*loop)(int64_t) = fma_loop_scalar;
  if (active_isa() == Isa::Avx512) loop = fma_loop_avx512;
  else if (active_isa() == Isa::Avx2) loop = fma_loop_avx2;
  const int64_t iters = 20'000'000;
  loop(iters / 10);  // warm up (clocks, licence levels)
  double best = 0;
  for (int rep = 0; rep < 3; ++rep) {
    std::vector<double> flops(threads);
    const double t0 = now_ms();
    std::vector<std::thread> pool;
    for (int i = 0; i < threads; ++i) pool.emplace_back([&, i] { flops[i] = loop(iters); });
    for (auto& th : pool) th.join();
    const double ms = now_ms() - t0;
    double total = 0;
    for (double f : flops) total += f;
    best = std::max(best, total / ms / 1e6);
  }
  return best;
}

std::vector<float> bench_data(int64_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-1.f, 1.f);
  std::vector<float> v(n);
  for (auto& x : v) x = dist(rng);
  return v;
}

struct Layer {
  const char* name;
  int64_t ci, co, size;
  bool needs_input_grad;  // layer 1's input is the image: training skips its input gradient
};

}  // namespace
}  // namespace nodulab::bench

int main(int argc, char** argv) {
  using namespace nodulab;
  using namespace nodulab::bench;
  int threads = get_num_threads(), reps = 7;
  int64_t batch = 32;
  bool peak_only = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const char* v = i + 1 < argc ? argv[i + 1] : nullptr;
    if (a == "--threads" && v) threads = std::atoi(argv[++i]);
    else if (a == "--reps" && v) reps = std::max(1, std::atoi(argv[++i]));
    else if (a == "--peak") peak_only = true;
    else if (a == "--batch" && v) batch = std::max(1, std::atoi(argv[++i]));
    else if (a == "--isa" && v) {
      Isa isa;
      if (!parse_isa(argv[++i], &isa)) { std::fprintf(stderr, "unknown ISA %s\n", argv[i]); return 2; }
      set_isa(isa);
    } else {
      std::fprintf(stderr, "usage: %s [--threads N] [--reps R] [--batch B] [--isa scalar|avx2|avx512] [--peak]\n", argv[0]);
      return 2;
    }
  }
  if (threads < 1) threads = 1;
  set_num_threads(threads);
  const char* isa = isa_name(active_isa());
  const double peak = fma_peak_gflops(threads);
  std::printf("{\"bench\":\"fma_peak\",\"isa\":\"%s\",\"threads\":%d,\"gflops\":%.1f}\n", isa, threads, peak);
  if (peak_only) return 0;

  const Layer layers[] = {{"layer1", 1, 16, 32, false}, {"layer2", 16, 32, 16, true}, {"layer3", 32, 64, 8, true}};
  double train_ms = 0, train_flop = 0;
  for (const auto& L : layers) {
    Conv3DParams p;
    p.N = batch, p.Ci = L.ci, p.D = p.H = p.W = L.size, p.Co = L.co, p.kD = p.kH = p.kW = 3;
    for (int a = 0; a < 3; ++a) p.padding[a] = 1;
    set_conv3d_output(p);
    auto x = bench_data(p.N * p.Ci * p.in_spatial(), 1), w = bench_data(p.Co * p.K(), 2),
         dy = bench_data(p.N * p.Co * p.P(), 3);
    std::vector<float> y(dy.size()), dx(x.size()), dw(w.size());
    const double flop = 2.0 * p.N * p.Co * p.P() * p.K();
    struct Pass {
      const char* name;
      std::function<void()> fn;
      bool in_training;
    } passes[] = {
        {"forward", [&] { conv3d_cpu(p, x.data(), w.data(), nullptr, y.data()); }, true},
        {"backward_input", [&] { conv3d_backprop_input_cpu(p, dy.data(), w.data(), dx.data()); }, L.needs_input_grad},
        {"backward_filter", [&] { conv3d_backprop_filter_cpu(p, x.data(), dy.data(), dw.data(), nullptr); }, true},
    };
    for (auto& ps : passes) {
      const double ms = median_ms(reps, ps.fn);
      const double gf = flop / ms / 1e6;
      if (ps.in_training) train_ms += ms, train_flop += flop;
      std::printf("{\"bench\":\"conv3d\",\"layer\":\"%s\",\"pass\":\"%s\",\"shape\":[%lld,%lld,%lld,%lld,%lld],"
                  "\"co\":%lld,\"isa\":\"%s\",\"threads\":%d,\"ms\":%.3f,\"gflops\":%.1f,\"peak_fraction\":%.3f}\n",
                  L.name, ps.name, (long long)p.N, (long long)p.Ci, (long long)p.D, (long long)p.H, (long long)p.W,
                  (long long)p.Co, isa, threads, ms, gf, gf / peak);
      std::fflush(stdout);
    }
  }
  const double gf = train_flop / train_ms / 1e6;
  std::printf("{\"bench\":\"conv3d_training_total\",\"isa\":\"%s\",\"threads\":%d,\"ms\":%.3f,\"gflop\":%.2f,"
              "\"gflops\":%.1f,\"peak_fraction\":%.3f}\n", isa, threads, train_ms, train_flop / 1e9, gf, gf / peak);
  return 0;
}

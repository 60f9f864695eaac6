// nodulab_bench: times the fast CPU Conv3D kernels on NoduleNet3D's three conv layers (batch 32,
// k3 p1 s1, no bias) and measures the machine's FMA peak. Prints one JSON object per line.
//   nodulab_bench [--threads N] [--reps R] [--batch B] [--isa scalar|avx2|avx512] [--layer layer1|layer2|layer3]
// (--layer times that layer only)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
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

double process_cpu_ms() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec * 1e-6;
}

struct Timing {
  double ms;      // median wall time
  double cpu_ms;  // median CPU time of the process (all threads) per run; at 1 thread, the time the
                  // kernel needs when it has a core to itself (robust on a shared machine)
};

// Median wall and CPU time of `reps` runs of fn after one warm-up run.
Timing median_ms(int reps, const std::function<void()>& fn) {
  fn();
  std::vector<double> t, c;
  for (int r = 0; r < reps; ++r) {
    const double t0 = now_ms(), c0 = process_cpu_ms();
    fn();
    t.push_back(now_ms() - t0);
    c.push_back(process_cpu_ms() - c0);
  }
  std::sort(t.begin(), t.end());
  std::sort(c.begin(), c.end());
  return {t[t.size() / 2], c[c.size() / 2]};
}

// Seconds of CPU time the calling thread has run (not counting time it waited for a core).
double thread_cpu_s() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

struct Peak {
  double wall_gflops;  // FLOPs of all threads / wall time of the window (best window)
  double cpu_gflops;   // sum over threads of FLOPs / that thread's CPU time (best window): the rate the
                       // cores deliver while they run, unaffected by other processes taking turns on them
};

// FP32 FMA peak in GFLOP/s: the FMA loop of `isa` (fma_peak.h) on `threads` threads at once, in
// `windows` short windows; the best window counts (a shared machine only ever slows a window down).
Peak fma_peak_gflops(Isa isa, int threads, int windows = 15) {
  double (*loop)(int64_t) = fma_loop_scalar;
  if (isa == Isa::Avx512) loop = fma_loop_avx512;
  else if (isa == Isa::Avx2) loop = fma_loop_avx2;
  const int64_t iters = 4'000'000;
  loop(iters);  // warm up (clocks, licence levels)
  Peak best{0, 0};
  for (int rep = 0; rep < windows; ++rep) {
    std::vector<double> flops(threads), cpu(threads);
    const double t0 = now_ms();
    std::vector<std::thread> pool;
    for (int i = 0; i < threads; ++i)
      pool.emplace_back([&, i] {
        const double c0 = thread_cpu_s();
        flops[i] = loop(iters);
        cpu[i] = thread_cpu_s() - c0;
      });
    for (auto& th : pool) th.join();
    const double ms = now_ms() - t0;
    double total = 0, rate = 0;
    for (int i = 0; i < threads; ++i) total += flops[i], rate += flops[i] / std::max(cpu[i], 1e-9) / 1e9;
    best.wall_gflops = std::max(best.wall_gflops, total / ms / 1e6);
    best.cpu_gflops = std::max(best.cpu_gflops, rate);
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
  std::string only_layer;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const char* v = i + 1 < argc ? argv[i + 1] : nullptr;
    if (a == "--threads" && v) threads = std::atoi(argv[++i]);
    else if (a == "--reps" && v) reps = std::max(1, std::atoi(argv[++i]));
    else if (a == "--peak") peak_only = true;
    else if (a == "--layer" && v) only_layer = argv[++i];
    else if (a == "--batch" && v) batch = std::max(1, std::atoi(argv[++i]));
    else if (a == "--isa" && v) {
      Isa isa;
      if (!parse_isa(argv[++i], &isa)) { std::fprintf(stderr, "unknown ISA %s\n", argv[i]); return 2; }
      set_isa(isa);
    } else {
      std::fprintf(stderr, "usage: %s [--threads N] [--reps R] [--batch B] [--isa scalar|avx2|avx512] [--layer NAME] [--peak]\n", argv[0]);
      return 2;
    }
  }
  if (threads < 1) threads = 1;
  set_num_threads(threads);
  const char* isa = isa_name(active_isa());
  const Peak pk = fma_peak_gflops(active_isa(), threads);
  const double peak = pk.cpu_gflops;
  std::printf("{\"bench\":\"fma_peak\",\"isa\":\"%s\",\"threads\":%d,\"gflops\":%.1f,\"wall_gflops\":%.1f,"
              "\"accumulators\":%d}\n", isa, threads, pk.cpu_gflops, pk.wall_gflops, active_isa() == Isa::Avx512 ? kFmaAccAvx512 : active_isa() == Isa::Avx2 ? kFmaAccAvx2 : kFmaAccScalar);
  if (peak_only) return 0;

  const Layer layers[] = {{"layer1", 1, 16, 32, false}, {"layer2", 16, 32, 16, true}, {"layer3", 32, 64, 8, true}};
  double train_ms = 0, train_flop = 0;
  for (const auto& L : layers) {
    if (!only_layer.empty() && only_layer != L.name) continue;
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
      const Timing tm = median_ms(reps, ps.fn);
      const double ms = tm.ms;
      const double gf = flop / ms / 1e6;
      if (ps.in_training) train_ms += ms, train_flop += flop;
      std::printf("{\"bench\":\"conv3d\",\"layer\":\"%s\",\"pass\":\"%s\",\"shape\":[%lld,%lld,%lld,%lld,%lld],"
                  "\"co\":%lld,\"isa\":\"%s\",\"threads\":%d,\"ms\":%.3f,\"cpu_ms\":%.3f,\"gflops\":%.1f,\"peak_fraction\":%.3f}\n",
                  L.name, ps.name, (long long)p.N, (long long)p.Ci, (long long)p.D, (long long)p.H, (long long)p.W,
                  (long long)p.Co, isa, threads, ms, tm.cpu_ms, gf, gf / peak);
      std::fflush(stdout);
    }
  }
  const double gf = train_flop / train_ms / 1e6;
  std::printf("{\"bench\":\"conv3d_training_total\",\"isa\":\"%s\",\"threads\":%d,\"ms\":%.3f,\"gflop\":%.2f,"
              "\"gflops\":%.1f,\"peak_fraction\":%.3f}\n", isa, threads, train_ms, train_flop / 1e9, gf, gf / peak);
  return 0;
}

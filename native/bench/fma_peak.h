// The machine's FP32 FMA peak, measured: a register-only FMA loop per ISA run on every thread.
#pragma once
#include <cstdint>
#include <cstring>

namespace nodulab::bench {

// Runs `iters` iterations of independent vector FMAs on one thread; returns the FLOPs done
// (2 per lane per FMA). Defined per ISA in fma_peak_{scalar,avx2,avx512}.cc.
double fma_loop_scalar(int64_t iters);
double fma_loop_avx2(int64_t iters);
double fma_loop_avx512(int64_t iters);

// The loop over vector traits V (core/simd_traits.h): 16 independent accumulators (enough to cover
// FMA latency x 2 ports).
template <class V>
double fma_loop(int64_t iters) {
  using R = typename V::reg;
  R acc[16];
  const R a = V::set1(0.999999f), b = V::set1(1e-7f);
  for (int i = 0; i < 16; ++i) acc[i] = V::set1(float(i));
  for (int64_t it = 0; it < iters; ++it) {
#pragma GCC unroll 16
    for (int i = 0; i < 16; ++i) acc[i] = V::fmadd(acc[i], a, b);
  }
  float sink = 0;
  for (int i = 0; i < 16; ++i) {
    float lanes[V::width];
    std::memcpy(lanes, &acc[i], sizeof(lanes));
    sink += lanes[0];
  }
  volatile float keep = sink;  // keeps the loop from being optimized away
  (void)keep;
  return 2.0 * V::width * 16.0 * static_cast<double>(iters);
}

}  // namespace nodulab::bench

// The machine's FP32 FMA peak, measured: a register-only FMA loop per ISA run on every thread.
#pragma once
#include <cstdint>
#include <cstring>

namespace nodulab::bench {

// Runs `iters` iterations of independent vector FMAs on one thread; returns the FLOPs done
// (2 per lane per FMA). Defined per ISA in fma_peak_{scalar,avx2,avx512}.cc, each compiled with its
// ISA's target flags (CMakeLists.txt) at -O3.
double fma_loop_scalar(int64_t iters);
// Independent accumulators of each ISA's loop (see fma_loop below).
constexpr int kFmaAccScalar = 12, kFmaAccAvx2 = 12, kFmaAccAvx512 = 24;
double fma_loop_avx2(int64_t iters);
double fma_loop_avx512(int64_t iters);

// The loop over vector traits V (core/simd_traits.h) with ACC independent accumulators. ACC must
// cover FMA latency x FMA ports (4 cycles x 2 ports = 8 on Zen 3/4 and Skylake-SP) *and* fit in the
// register file together with the two constant operands: a spilled accumulator turns its chain into
// store -> load -> FMA and caps the loop far below peak. AVX2 and SSE have 16 vector registers, so
// 12 accumulators (+2 constants); AVX-512 has 32, so 24.
template <class V, int ACC>
double fma_loop(int64_t iters) {
  using R = typename V::reg;
  R acc[ACC];
  const R a = V::set1(0.999999f), b = V::set1(1e-7f);
  for (int i = 0; i < ACC; ++i) acc[i] = V::set1(float(i));
  for (int64_t it = 0; it < iters; ++it) {
#pragma GCC unroll 32
    for (int i = 0; i < ACC; ++i) acc[i] = V::fmadd(acc[i], a, b);
  }
  float sink = 0;
  for (int i = 0; i < ACC; ++i) {
    float lanes[V::width];
    std::memcpy(lanes, &acc[i], sizeof(lanes));
    sink += lanes[0];
  }
  volatile float keep = sink;  // keeps the loop from being optimized away
  (void)keep;
  return 2.0 * V::width * ACC * static_cast<double>(iters);
}

}  // namespace nodulab::bench

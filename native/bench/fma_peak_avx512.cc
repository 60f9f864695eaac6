// FMA peak loop for avx512: 16 independent accumulators (enough to cover FMA latency x 2 ports).
#include <immintrin.h>
#include <cstring>
#include "bench/fma_peak.h"

namespace nodulab::bench {

double fma_loop_avx512(int64_t iters) {
  __m512 acc[16];
  const __m512 a = _mm512_set1_ps(0.999999f), b = _mm512_set1_ps(1e-7f);
  for (int i = 0; i < 16; ++i) acc[i] = _mm512_set1_ps(float(i));
  for (int64_t it = 0; it < iters; ++it) {
#pragma GCC unroll 16
    for (int i = 0; i < 16; ++i) acc[i] = _mm512_fmadd_ps(acc[i], a, b);
  }
  float sink = 0;
  for (int i = 0; i < 16; ++i) {
    float lanes[16];
    std::memcpy(lanes, &acc[i], sizeof(lanes));
    sink += lanes[0];
  }
  volatile float keep = sink;  // keeps the loop from being optimized away
  (void)keep;
  return 2.0 * 16 * 16.0 * static_cast<double>(iters);
}

}  // namespace nodulab::bench

// FMA peak loop for scalar: 16 independent accumulators (enough to cover FMA latency x 2 ports).
#include <cstring>
#include "bench/fma_peak.h"

namespace nodulab::bench {

double fma_loop_scalar(int64_t iters) {
  float acc[16];
  const float a = float(0.999999f), b = float(1e-7f);
  for (int i = 0; i < 16; ++i) acc[i] = float(float(i));
  for (int64_t it = 0; it < iters; ++it) {
#pragma GCC unroll 16
    for (int i = 0; i < 16; ++i) acc[i] = acc[i] * a + b;
  }
  float sink = 0;
  for (int i = 0; i < 16; ++i) {
    float lanes[1];
    std::memcpy(lanes, &acc[i], sizeof(lanes));
    sink += lanes[0];
  }
  volatile float keep = sink;  // keeps the loop from being optimized away
  (void)keep;
  return 2.0 * 1 * 16.0 * static_cast<double>(iters);
}

}  // namespace nodulab::bench

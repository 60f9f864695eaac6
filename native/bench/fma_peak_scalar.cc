// FMA peak loop (fma_peak.h) for the scalar fallback: one float per FMA.
#include "bench/fma_peak.h"
#include "core/simd_traits.h"

namespace nodulab::bench {
double fma_loop_scalar(int64_t iters) { return fma_loop<VecScalar, kFmaAccScalar>(iters); }
}  // namespace nodulab::bench

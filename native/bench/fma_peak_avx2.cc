// FMA peak loop (fma_peak.h) for AVX2: 8 floats per FMA.
#include <immintrin.h>

#include "bench/fma_peak.h"
#include "core/simd_traits.h"

namespace nodulab::bench {
NODULAB_X86_VEC(VecAvx2, __m256, 8, _mm256);  // a name only this ISA's file defines
double fma_loop_avx2(int64_t iters) { return fma_loop<VecAvx2, kFmaAccAvx2>(iters); }
}  // namespace nodulab::bench

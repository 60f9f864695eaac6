// FMA peak loop (fma_peak.h) for AVX-512: 16 floats per FMA.
#include <immintrin.h>

#include "bench/fma_peak.h"
#include "core/simd_traits.h"

namespace nodulab::bench {
NODULAB_X86_VEC(VecAvx512, __m512, 16, _mm512);  // a name only this ISA's file defines
double fma_loop_avx512(int64_t iters) { return fma_loop<VecAvx512, kFmaAccAvx512>(iters); }
}  // namespace nodulab::bench

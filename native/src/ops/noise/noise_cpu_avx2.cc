// The vectorized AddCorrelatedNoise slice (noise_cpu_simd.h) compiled for AVX2 + FMA: 8 columns per register.
#define NODULAB_VECTOR_BYTES 32
#include "ops/noise/noise_cpu_simd.h"

namespace nodulab {
CorrelatedSliceFn correlated_slice_avx2() { return &correlated_slice_simd; }
}  // namespace nodulab

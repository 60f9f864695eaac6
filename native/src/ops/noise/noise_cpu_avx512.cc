// The vectorized AddCorrelatedNoise slice (noise_cpu_simd.h) compiled for AVX-512: 16 columns per register.
#define NODULAB_VECTOR_BYTES 64
#include "ops/noise/noise_cpu_simd.h"

namespace nodulab {
CorrelatedSliceFn correlated_slice_avx512() { return &correlated_slice_simd; }
}  // namespace nodulab

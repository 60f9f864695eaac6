// The x86 vector shim shared by the kernels written once and compiled per ISA: the includer defines
// NODULAB_VECTOR_BYTES (32: AVX2, 64: AVX-512) and is compiled with that ISA's flags (*_avx2.cc, *_avx512.cc).
#pragma once
#include <immintrin.h>

#include <cstdint>

#if NODULAB_VECTOR_BYTES == 64
#define NODULAB_MM(name) _mm512_##name
#define NODULAB_MM_VECTORS using Vf = __m512; using Vi = __m512i
#elif NODULAB_VECTOR_BYTES == 32
#define NODULAB_MM(name) _mm256_##name
#define NODULAB_MM_VECTORS using Vf = __m256; using Vi = __m256i
#else
#error "define NODULAB_VECTOR_BYTES (32 or 64) before including core/simd_x86.h"
#endif

namespace nodulab {
// Unnamed namespace: each ISA's translation unit has its own copy (never folded with baseline code).
namespace {

constexpr int64_t kLanes = NODULAB_VECTOR_BYTES / 4;  // floats per vector
NODULAB_MM_VECTORS;                                  // Vf: kLanes floats, Vi: kLanes int32s

inline Vf splat(float v) { return NODULAB_MM(set1_ps)(v); }
inline Vi splat_i(int32_t v) { return NODULAB_MM(set1_epi32)(v); }
inline Vi add_i(Vi a, Vi b) { return NODULAB_MM(add_epi32)(a, b); }
inline Vf mul(Vf a, Vf b) { return NODULAB_MM(mul_ps)(a, b); }
inline Vf fmadd(Vf a, Vf b, Vf c) { return NODULAB_MM(fmadd_ps)(a, b, c); }
inline void store(float* p, Vf v) { NODULAB_MM(storeu_ps)(p, v); }

}  // namespace
}  // namespace nodulab

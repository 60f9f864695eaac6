// Vector traits for code written once over a vector type V and compiled per ISA (the GEMM
// microkernels, the FMA peak benchmark): V::reg, V::width, zero, set1, loadu, storeu, fmadd.
#pragma once

namespace nodulab {
// Unnamed namespace: each translation unit has its own copy, so code built with AVX-512 flags can
// never be shared (by the linker's ODR folding) with baseline code.
namespace {

// One float per "vector": the scalar fallback.
struct VecScalar {
  using reg = float;
  static constexpr int width = 1;
  static reg zero() { return 0.f; }
  static reg set1(float x) { return x; }
  static reg loadu(const float* p) { return *p; }
  static void storeu(float* p, reg v) { *p = v; }
  static reg fmadd(reg a, reg b, reg c) { return a * b + c; }
};

}  // namespace
}  // namespace nodulab

// The traits for one x86 SIMD width, in a file compiled with that ISA's flags (and <immintrin.h>):
// NODULAB_X86_VEC(VecAvx2, __m256, 8, _mm256) defines VecAvx2 over the _mm256_*_ps intrinsics.
#define NODULAB_X86_VEC(Name, Reg, Width, MM)                                    \
  struct Name {                                                                  \
    using reg = Reg;                                                             \
    static constexpr int width = Width;                                          \
    static reg zero() { return MM##_setzero_ps(); }                              \
    static reg set1(float x) { return MM##_set1_ps(x); }                         \
    static reg loadu(const float* p) { return MM##_loadu_ps(p); }                \
    static void storeu(float* p, reg v) { MM##_storeu_ps(p, v); }                \
    static reg fmadd(reg a, reg b, reg c) { return MM##_fmadd_ps(a, b, c); }     \
  }

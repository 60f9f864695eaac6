// The register-tiled microkernels, written once over a vector type V (scalar, AVX2 or AVX-512
// traits) and compiled per ISA by gemm_kernel_{scalar,avx2,avx512}.cc. Accumulators stay in
// registers for the whole reduction; the caller copies the finished tile out.
#pragma once
#include <cstdint>

#include "ops/matmul/gemm.h"

namespace nodulab::gemm {
// Unnamed namespace: each ISA translation unit gets its own copy, so code built with AVX-512 flags
// can never be shared (by the linker's ODR folding) with baseline code.
namespace {

// V provides: reg, width, zero(), set1(float), loadu(const float*), storeu(float*, reg), fmadd(a, b, c).
// With Halves, each vector is two half-vector runs (e.g. two output rows of 8 in a 16-lane vector):
// lanes [0, W/2) of vector v read b + seg[v] + off[k], lanes [W/2, W) read b + seg[NV + v] + off[k];
// V then also provides loadu_halves(lo, hi).
template <class V, int MR, int NV, bool Halves>
void tile_ab(int64_t kc, const float* a, const float* b, const int64_t* seg, const int64_t* off,
             const float* init, float* c, int64_t ldc) {
  using R = typename V::reg;
  constexpr int W = V::width;
  R acc[MR][NV];
#pragma GCC unroll 32
  for (int i = 0; i < MR; ++i) {
    const R s = init ? V::set1(init[i]) : V::zero();
#pragma GCC unroll 8
    for (int v = 0; v < NV; ++v) acc[i][v] = s;
  }
  const float *lo[NV], *hi[NV];
#pragma GCC unroll 8
  for (int v = 0; v < NV; ++v) {
    lo[v] = b + seg[v];
    if constexpr (Halves) hi[v] = b + seg[NV + v];
  }
  for (int64_t k = 0; k < kc; ++k) {
    const int64_t o = off[k];
    R bb[NV];
#pragma GCC unroll 8
    for (int v = 0; v < NV; ++v) {
      if constexpr (Halves)
        bb[v] = V::loadu_halves(lo[v] + o, hi[v] + o);
      else
        bb[v] = V::loadu(lo[v] + o);
    }
    const float* ak = a + k * MR;
#pragma GCC unroll 32
    for (int i = 0; i < MR; ++i) {
      const R ai = V::set1(ak[i]);
#pragma GCC unroll 8
      for (int v = 0; v < NV; ++v) acc[i][v] = V::fmadd(ai, bb[v], acc[i][v]);
    }
  }
#pragma GCC unroll 32
  for (int i = 0; i < MR; ++i)
#pragma GCC unroll 8
    for (int v = 0; v < NV; ++v) V::storeu(c + i * ldc + v * W, acc[i][v]);
}

template <class V, int MR, int NV>
void tile_atb(int64_t nrows, const int64_t* rows, int64_t row_len, int64_t step, const float* x,
              const int64_t* a_off, const float* b, int64_t ldb, float* c) {
  using R = typename V::reg;
  constexpr int W = V::width;
  R acc[MR][NV];
#pragma GCC unroll 32
  for (int i = 0; i < MR; ++i)
#pragma GCC unroll 8
    for (int v = 0; v < NV; ++v) acc[i][v] = V::zero();
  const float* ap[MR];
#pragma GCC unroll 32
  for (int i = 0; i < MR; ++i) ap[i] = x + a_off[i];
  for (int64_t r = 0; r < nrows; ++r) {
    const int64_t base = rows[r];
    for (int64_t q = 0; q < row_len; ++q, b += ldb) {
      const int64_t idx = base + q * step;
      R bb[NV];
#pragma GCC unroll 8
      for (int v = 0; v < NV; ++v) bb[v] = V::loadu(b + v * W);
#pragma GCC unroll 32
      for (int i = 0; i < MR; ++i) {
        const R ai = V::set1(ap[i][idx]);
#pragma GCC unroll 8
        for (int v = 0; v < NV; ++v) acc[i][v] = V::fmadd(ai, bb[v], acc[i][v]);
      }
    }
  }
#pragma GCC unroll 32
  for (int i = 0; i < MR; ++i)
#pragma GCC unroll 8
    for (int v = 0; v < NV; ++v) V::storeu(c + i * (NV * W) + v * W, acc[i][v]);
}

// Plain transpose in 16 x 16 blocks (short strided reads, contiguous writes); the AVX-512 build
// has a register-shuffle version.
[[maybe_unused]] void transpose_blocked(const float* src, int64_t lds, int64_t rows, int64_t cols, float* dst, int64_t ldd) {
  for (int64_t c0 = 0; c0 < cols; c0 += 16) {
    const int64_t c1 = c0 + 16 < cols ? c0 + 16 : cols;
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t c = c0; c < c1; ++c) dst[c * ldd + r] = src[r * lds + c];
  }
}

// The Kernels of vector type V: the AB tile MR x NV vectors (and its half-vector form when
// Halves), the AtB tile AT_MR x AT_NV vectors and the narrow AtB tile AT_MR x ATN_NV vectors.
template <class V, int MR, int NV, bool Halves, int AT_MR, int AT_NV, int ATN_NV>
constexpr Kernels make_kernels(const char* isa, TransposeFn transpose) {
  TileAbFn halves = nullptr;
  if constexpr (Halves) halves = &tile_ab<V, MR, NV, true>;
  return Kernels{isa,   MR, NV * V::width, V::width, &tile_ab<V, MR, NV, false>, halves,
                 AT_MR, AT_NV * V::width, &tile_atb<V, AT_MR, AT_NV>,
                 AT_MR, ATN_NV * V::width, &tile_atb<V, AT_MR, ATN_NV>,
                 transpose};
}

}  // namespace
}  // namespace nodulab::gemm

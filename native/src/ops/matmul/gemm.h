// The packed SGEMM shared by matmul and conv3d: register-tiled microkernels (one per ISA, chosen at
// run time by active_isa()), operand packing and a multi-threaded row-major driver.
#pragma once
#include <cstdint>

namespace nodulab::gemm {

// "AB" tile, the forward shape: c (mr x nr, row-major, row stride ldc) = init[i] + sum_k a[k*mr + i] * B_v(k),
// where column block v (vw lanes) of row k of B is read at b + seg[v] + off[k]. a is a packed A panel
// (k-major, mr values per k); init (mr values) may be null for zero. nr = nv * vw. ldc = nr writes a
// packed tile buffer; a larger ldc writes straight into an output matrix.
using TileAbFn = void (*)(int64_t kc, const float* a, const float* b, const int64_t* seg, const int64_t* off,
                          const float* init, float* c, int64_t ldc);
// "AtB" tile, the filter-gradient shape: c (mr x nr, ld nr) = sum over rows r < nrows, q < row_len of
//   x[a_off[i] + rows[r] + q*step] * b[(r*row_len + q)*ldb + j]
// i.e. A is read in place (a broadcast per element) and B row-major with nr used columns.
using TileAtbFn = void (*)(int64_t nrows, const int64_t* rows, int64_t row_len, int64_t step, const float* x,
                           const int64_t* a_off, const float* b, int64_t ldb, float* c);

// dst[c*ldd + r] = src[r*lds + c] for r < rows, c < cols (e.g. dy (Co, P) -> (P, Co) for the AtB tile).
using TransposeFn = void (*)(const float* src, int64_t lds, int64_t rows, int64_t cols, float* dst, int64_t ldd);

// One ISA's microkernels and their tile shapes.
struct Kernels {
  const char* isa;
  int mr, nr, vw;      // AB tile: mr rows x nr = nv*vw columns, vw floats per vector
  TileAbFn tile_ab;
  // The AB tile reading each vector as two half-vector runs (seg has 2*nv entries: lower halves,
  // then upper halves); null where the ISA has none (used for output rows of at most vw/2).
  TileAbFn tile_ab_halves;
  int at_mr, at_nr;    // AtB tile
  TileAtbFn tile_atb;
  int atn_mr, atn_nr;  // narrow AtB tile (one vector wide), for few columns (e.g. 16 output channels)
  TileAtbFn tile_atb_narrow;
  TransposeFn transpose;
};

const Kernels& kernels_scalar();
const Kernels& kernels_avx2();
const Kernels& kernels_avx512();
// The microkernels for active_isa().
const Kernels& active_kernels();

// Packs op(A) (m x k; op transposes when trans; A has leading dimension lda) into ceil(m/mr) panels
// of k x mr floats (zero-padded rows): panel p at dst + p*k*mr, element (kk, i) at [kk*mr + i].
void pack_a(int64_t m, int64_t k, const float* a, int64_t lda, bool trans, int mr, float* dst);
// Packs op(B) (k x n) into ceil(n/nr) panels of k x nr floats (zero-padded columns).
void pack_b(int64_t k, int64_t n, const float* b, int64_t ldb, bool trans, int nr, float* dst);

// Row-major C (m x n, ldc) = op(A) op(B), op(A): m x k, op(B): k x n. Multi-threaded over output
// tiles; every element is summed in the same order whatever the thread count (bit-identical).
void sgemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, const float* a, int64_t lda,
           const float* b, int64_t ldb, float* c, int64_t ldc);

}  // namespace nodulab::gemm

// A generic shared-memory tiled GEMM for the CUDA kernels: C(m, c) = sum_k A(m, k) B(k, c) where a
// Loader supplies A and B element by element (plain matrices, or implicit-GEMM views of a
// convolution) and stores each result. 64x64 output tiles, k in steps of 16, 256 threads holding
// 4x4 results each. Every output sums its k range in increasing k order, so results are
// deterministic; blockIdx.z splits k into fixed chunks whose partials the caller reduces in order.
#pragma once
#include <cuda_runtime.h>

#include <cstdint>

#include "core/cuda_check.cuh"
#include "core/cuda_tiling.h"

namespace nodulab::cuda {

// Loads this thread's 4 elements of a shared tile[k][j] (kGemmBK rows): element e = tid + i * threads
// sits at (kk, jj) = (e % BK, e / BK) when KFast, else (e / Cols, e % Cols), and holds get(j0 + jj, k0 + kk),
// or 0 where j >= J or k >= k_end.
template <bool KFast, int Cols, class Get>
__device__ __forceinline__ void load_tile(float (&tile)[kGemmBK][Cols], int tid, int64_t j0, int64_t J, int64_t k0,
                                          int64_t k_end, Get get) {
#pragma unroll
  for (int i = 0; i < 4; ++i) {
    const int e = tid + i * kGemmThreads;
    const int kk = KFast ? e % kGemmBK : e / Cols, jj = KFast ? e / kGemmBK : e % Cols;
    const int64_t j = j0 + jj, k = k0 + kk;
    tile[kk][jj] = (j < J && k < k_end) ? get(j, k) : 0.f;
  }
}

// Loader concept (all __device__, indices always in range when called):
//   float a(int64_t m, int64_t k) const;   float b(int64_t k, int64_t c) const;
//   void store(int64_t m, int64_t c, int split, float v) const;
template <class Loader>
__global__ void __launch_bounds__(kGemmThreads)
    tiled_gemm_kernel(Loader L, int64_t M, int64_t C, int64_t K, int64_t k_chunk) {
  __shared__ float As[kGemmBK][kGemmBM + 1];
  __shared__ float Bs[kGemmBK][kGemmBN];
  const int tid = threadIdx.x, tx = tid % 16, ty = tid / 16;
  const int64_t m0 = static_cast<int64_t>(blockIdx.y) * kGemmBM, c0 = static_cast<int64_t>(blockIdx.x) * kGemmBN;
  const int split = blockIdx.z;
  const int64_t k_begin = split * k_chunk;
  const int64_t k_end = k_begin + k_chunk < K ? k_begin + k_chunk : K;
  float acc[4][4] = {};
  for (int64_t k0 = k_begin; k0 < k_end; k0 += kGemmBK) {
    // A tile (BM x BK), k fastest; B tile (BK x BN), c fastest. Out-of-range elements are 0.
    load_tile<true>(As, tid, m0, M, k0, k_end, [&](int64_t m, int64_t k) { return L.a(m, k); });
    load_tile<false>(Bs, tid, c0, C, k0, k_end, [&](int64_t c, int64_t k) { return L.b(k, c); });
    __syncthreads();
#pragma unroll
    for (int kk = 0; kk < kGemmBK; ++kk) {
      float av[4], bv[4];
#pragma unroll
      for (int i = 0; i < 4; ++i) av[i] = As[kk][ty + 16 * i];
#pragma unroll
      for (int j = 0; j < 4; ++j) bv[j] = Bs[kk][tx + 16 * j];
#pragma unroll
      for (int i = 0; i < 4; ++i)
#pragma unroll
        for (int j = 0; j < 4; ++j) acc[i][j] = fmaf(av[i], bv[j], acc[i][j]);
    }
    __syncthreads();
  }
#pragma unroll
  for (int i = 0; i < 4; ++i)
#pragma unroll
    for (int j = 0; j < 4; ++j) {
      const int64_t m = m0 + ty + 16 * i, c = c0 + tx + 16 * j;
      if (m < M && c < C) L.store(m, c, split, acc[i][j]);
    }
}

// Launches the tiled GEMM over (M, C); `splits` is a request: gemm_effective_splits(K, splits) slices
// of gemm_split_chunk(K, splits) k values each run as blockIdx.z (store gets the slice index).
template <class Loader>
void tiled_gemm(const Loader& L, int64_t M, int64_t C, int64_t K, int splits, const char* op) {
  if (M <= 0 || C <= 0) return;
  const int64_t chunk = gemm_split_chunk(K, splits);
  splits = gemm_effective_splits(K, splits);
  dim3 grid(static_cast<unsigned>((C + kGemmBN - 1) / kGemmBN), static_cast<unsigned>((M + kGemmBM - 1) / kGemmBM),
            static_cast<unsigned>(splits));
  tiled_gemm_kernel<Loader><<<grid, kGemmThreads>>>(L, M, C, K, chunk);
  NODULAB_CUDA_LAUNCHED(op);
}

// Sums parts (splits, count) into out (count) in split order: out[i] = sum_s parts[s * count + i]
// (cuda_runtime.cu).
void sum_splits(const float* parts, int splits, int64_t count, float* out, const char* op);

}  // namespace nodulab::cuda

// Plain C++ pieces of the CUDA tiled GEMM (core/cuda_gemm.cuh) that host code and the test driver
// also use: the host/device annotation, the tile sizes and the split-k chunking.
#pragma once
#include <cstdint>

#ifdef __CUDACC__
#define NODULAB_HD __host__ __device__
#else
#define NODULAB_HD
#endif

namespace nodulab::cuda {

constexpr int kGemmBM = 64, kGemmBN = 64, kGemmBK = 16, kGemmThreads = 256;

// The chunk of k per split for a request of `splits`: a multiple of kGemmBK (all of K when 1).
inline int64_t gemm_split_chunk(int64_t K, int splits) {
  if (splits <= 1 || K <= kGemmBK) return K > 0 ? K : 1;
  int64_t chunk = (K + splits - 1) / splits;
  return (chunk + kGemmBK - 1) / kGemmBK * kGemmBK;
}
// The number of k splits tiled_gemm launches for a request of `splits` (every chunk non-empty);
// size partial buffers with it.
inline int gemm_effective_splits(int64_t K, int splits) {
  const int64_t chunk = gemm_split_chunk(K, splits);
  return K > 0 ? static_cast<int>((K + chunk - 1) / chunk) : 1;
}

}  // namespace nodulab::cuda

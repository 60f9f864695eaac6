// The SGEMM driver: ISA dispatch, operand packing and the threaded loop over output tiles.
#include "ops/matmul/gemm.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "core/cpu_features.h"
#include "core/thread_pool.h"

namespace nodulab::gemm {

const Kernels& active_kernels() {
  switch (active_isa()) {
    case Isa::Avx512: return kernels_avx512();
    case Isa::Avx2: return kernels_avx2();
    default: return kernels_scalar();
  }
}

void pack_a(int64_t m, int64_t k, const float* a, int64_t lda, bool trans, int mr, float* dst) {
  const int64_t panels = (m + mr - 1) / mr;
  for (int64_t p = 0; p < panels; ++p) {
    float* d = dst + p * k * mr;
    for (int i = 0; i < mr; ++i) {
      const int64_t row = p * mr + i;
      if (row >= m) {
        for (int64_t kk = 0; kk < k; ++kk) d[kk * mr + i] = 0.f;
      } else if (trans) {
        for (int64_t kk = 0; kk < k; ++kk) d[kk * mr + i] = a[kk * lda + row];
      } else {
        for (int64_t kk = 0; kk < k; ++kk) d[kk * mr + i] = a[row * lda + kk];
      }
    }
  }
}

void pack_b(int64_t k, int64_t n, const float* b, int64_t ldb, bool trans, int nr, float* dst) {
  const int64_t panels = (n + nr - 1) / nr;
  for (int64_t p = 0; p < panels; ++p) {
    float* d = dst + p * k * nr;
    const int64_t j0 = p * nr, cols = std::min<int64_t>(nr, n - j0);
    for (int64_t kk = 0; kk < k; ++kk) {
      float* row = d + kk * nr;
      if (trans) {
        for (int64_t j = 0; j < cols; ++j) row[j] = b[(j0 + j) * ldb + kk];
      } else {
        std::memcpy(row, b + kk * ldb + j0, cols * sizeof(float));
      }
      for (int64_t j = cols; j < nr; ++j) row[j] = 0.f;
    }
  }
}

void sgemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, const float* a, int64_t lda,
           const float* b, int64_t ldb, float* c, int64_t ldc) {
  if (m <= 0 || n <= 0) return;
  if (k <= 0) {
    for (int64_t i = 0; i < m; ++i) std::fill(c + i * ldc, c + i * ldc + n, 0.f);
    return;
  }
  const Kernels& kern = active_kernels();
  const int mr = kern.mr, nr = kern.nr, vw = kern.vw;
  const int64_t mp = (m + mr - 1) / mr, np = (n + nr - 1) / nr;
  std::vector<float> ap(mp * k * mr), bp(np * k * nr);
  pack_a(m, k, a, lda, trans_a, mr, ap.data());
  pack_b(k, n, b, ldb, trans_b, nr, bp.data());
  std::vector<int64_t> off(k), seg(nr / vw);
  for (int64_t kk = 0; kk < k; ++kk) off[kk] = kk * nr;
  for (size_t v = 0; v < seg.size(); ++v) seg[v] = static_cast<int64_t>(v) * vw;
  // Output tiles in row-major tile order; each tile is one full-K microkernel call.
  const int64_t grain = std::max<int64_t>(1, (1 << 16) / std::max<int64_t>(1, k * mr * nr / 64));
  parallel_for(mp * np, grain, [&](int64_t t0, int64_t t1) {
    std::vector<float> tile(static_cast<size_t>(mr) * nr);
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t pi = t / np, pj = t % np;
      kern.tile_ab(k, ap.data() + pi * k * mr, bp.data() + pj * k * nr, seg.data(), off.data(), nullptr, tile.data(), nr);
      const int64_t rows = std::min<int64_t>(mr, m - pi * mr), cols = std::min<int64_t>(nr, n - pj * nr);
      for (int64_t i = 0; i < rows; ++i)
        std::memcpy(c + (pi * mr + i) * ldc + pj * nr, tile.data() + i * nr, cols * sizeof(float));
    }
  });
}

}  // namespace nodulab::gemm

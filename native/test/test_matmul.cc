// MatMul: every fast target against the reference over a table of shapes and transposes, determinism,
// the gradients (dA = G op(B)^T, dB = op(A)^T G) by finite differences in double, and the per-ISA
// transpose the conv filter gradient uses.
#include <cstring>

#include "core/thread_pool.h"
#include "ops/kernel_names.h"
#include "ops/matmul/gemm.h"
#include "ops/matmul/matmul.h"
#include "test/harness.h"

namespace nodulab::test {
namespace {
struct MatMulCase {
  int64_t m, n, k;
};
// Sizes around and off the tile sizes (8x48, 4x24, 4x4), tiny and Linear-layer shapes.
const MatMulCase kCases[] = {{1, 1, 1}, {5, 7, 3}, {8, 48, 16}, {9, 49, 17}, {33, 17, 65}, {32, 2, 64},
                             {2, 64, 32}, {100, 131, 300}, {1, 130, 7}};
}  // namespace

NODULAB_TEST(matmul_fast_matches_reference) {
  for (const auto& c : kCases)
    for (int ta = 0; ta < 2; ++ta)
      for (int tb = 0; tb < 2; ++tb) {
        auto a = random_vector(c.m * c.k, 1 + c.m * 7 + c.k), b = random_vector(c.k * c.n, 2 + c.n * 5 + c.k);
        std::vector<float> want(c.m * c.n), got(c.m * c.n, -7.f);
        run_on<MatMulFn>(reference_target(), kernels::kMatMul, c.m, c.n, c.k, a, ta, b, tb, want);
        for (const auto& t : fast_targets()) {
          activate(t);
          run_on<MatMulFn>(t, kernels::kMatMul, c.m, c.n, c.k, a, ta, b, tb, got);
          check_close("MatMul " + t.name + " m=" + std::to_string(c.m) + " n=" + std::to_string(c.n) +
                          " k=" + std::to_string(c.k) + " transA=" + std::to_string(ta) + " transB=" + std::to_string(tb),
                      got.data(), want.data(), c.m * c.n, tolerance("kernels", kernels::kMatMul));
        }
      }
}

NODULAB_TEST(matmul_is_deterministic) {
  const int64_t m = 70, n = 90, k = 513;
  auto a = random_vector(m * k, 3), b = random_vector(k * n, 4);
  std::vector<float> c1(m * n), c2(m * n);
  const int threads = get_num_threads();
  for (const auto& t : fast_targets()) {
    activate(t);
    set_num_threads(2);
    matmul_cpu(m, n, k, a.data(), false, b.data(), true, c1.data());
    set_num_threads(1);
    matmul_cpu(m, n, k, a.data(), false, b.data(), true, c2.data());  // tiles do not depend on threads
    expect(std::memcmp(c1.data(), c2.data(), c1.size() * sizeof(float)) == 0, "MatMul not bit-identical " + t.name);
  }
  set_num_threads(threads);
}

NODULAB_TEST(matmul_gradients_match_finite_differences) {
  const Tolerance tol = tolerance("finite_difference", kernels::kMatMul);
  for (int ta = 0; ta < 2; ++ta)
    for (int tb = 0; tb < 2; ++tb) {
      const int64_t m = 3, n = 4, k = 5;
      auto a = to_double(random_vector(m * k, 5)), b = to_double(random_vector(k * n, 6));
      auto g = to_double(random_vector(m * n, 7));
      std::vector<double> c(m * n), dopa(m * k), dopb(k * n);
      auto loss = [&] { matmul_ref<double>(m, n, k, a.data(), ta, b.data(), tb, c.data()); return dot(c, g); };
      // d op(A) = G op(B)^T (m x k); d op(B) = op(A)^T G (k x n); then undo the transposes.
      matmul_ref<double>(m, k, n, g.data(), false, b.data(), !tb, dopa.data());
      matmul_ref<double>(k, n, m, a.data(), !ta, g.data(), false, dopb.data());
      std::vector<double> da(m * k), dbv(k * n);
      for (int64_t i = 0; i < m; ++i)
        for (int64_t j = 0; j < k; ++j) da[ta ? j * m + i : i * k + j] = dopa[i * k + j];
      for (int64_t i = 0; i < k; ++i)
        for (int64_t j = 0; j < n; ++j) dbv[tb ? j * k + i : i * n + j] = dopb[i * n + j];
      const std::string at = " transA=" + std::to_string(ta) + " transB=" + std::to_string(tb);
      check_gradient("MatMul dA" + at, a, da, loss, tol);
      check_gradient("MatMul dB" + at, b, dbv, loss, tol);
    }
}

}  // namespace nodulab::test

namespace nodulab::test {

// The per-ISA transpose used by the conv filter gradient: exact, edges (partial 8 x 8 and 16 x 16 blocks)
// included, and nothing written outside the (cols x rows) destination block.
NODULAB_TEST(gemm_transpose_is_exact_on_every_isa) {
  const int64_t shapes[][2] = {{1, 1}, {5, 37}, {16, 16}, {17, 33}, {64, 100}, {3, 16}, {8, 8}, {9, 24}, {24, 9}};
  for (const auto& t : fast_targets()) {
    if (t.backend != Backend::Cpu) continue;
    activate(t);
    for (const auto& sh : shapes) {
      const int64_t rows = sh[0], cols = sh[1], lds = cols + 3, ldd = rows + 5;
      auto src = random_vector(rows * lds, 7 + rows * cols);
      std::vector<float> dst(cols * ldd, -7.f);
      gemm::active_kernels().transpose(src.data(), lds, rows, cols, dst.data(), ldd);
      bool ok = true;
      for (int64_t c = 0; c < cols; ++c)
        for (int64_t r = 0; r < ldd; ++r) ok = ok && dst[c * ldd + r] == (r < rows ? src[r * lds + c] : -7.f);
      expect(ok, t.name + ": transpose of " + std::to_string(rows) + " x " + std::to_string(cols) + " is wrong");
    }
  }
}

}  // namespace nodulab::test

// Fast CPU singular values: the Gram matrix G (k x k, double) of each matrix, G's eigenvalues by
// Householder tridiagonalization and implicit QL with Wilkinson-like shifts (no eigenvectors), then
// s = sqrt(max(λ, 0)). O(m k^2 + k^3) per matrix. Every Gram entry is summed in a fixed order, so the
// result does not depend on the thread count.
#include <algorithm>
#include <cmath>
#include <functional>
#include <vector>

#include "core/thread_pool.h"
#include "ops/svd/svd.h"

namespace nodulab {
namespace {

// G (n x n, row-major, full) = AᵀA when rows >= cols (n = cols), else AAᵀ (n = rows). Rows of G are
// split over threads when `parallel`.
void gram(int64_t rows, int64_t cols, const float* a, double* G, bool parallel) {
  const bool tall = rows >= cols;
  const int64_t n = tall ? cols : rows;
  auto fill_rows = [&](int64_t b, int64_t e) {
    if (tall) {
      // Rank-1 updates row by row of a: G[p][q] += a[i][p] * a[i][q] for q >= p.
      for (int64_t p = b; p < e; ++p) std::fill(G + p * n + p, G + p * n + n, 0.0);
      for (int64_t i = 0; i < rows; ++i) {
        const float* r = a + i * cols;
        for (int64_t p = b; p < e; ++p) {
          const double rp = r[p];
          double* g = G + p * n;
          for (int64_t q = p; q < n; ++q) g[q] += rp * static_cast<double>(r[q]);
        }
      }
    } else {
      for (int64_t p = b; p < e; ++p)
        for (int64_t q = p; q < n; ++q) {
          const float* x = a + p * cols;
          const float* y = a + q * cols;
          double acc = 0;
          for (int64_t j = 0; j < cols; ++j) acc += static_cast<double>(x[j]) * static_cast<double>(y[j]);
          G[p * n + q] = acc;
        }
    }
  };
  if (parallel) parallel_for(n, std::max<int64_t>(1, 4096 / std::max<int64_t>(1, std::max(rows, cols))), fill_rows);
  else fill_rows(0, n);
  for (int64_t p = 0; p < n; ++p)
    for (int64_t q = 0; q < p; ++q) G[p * n + q] = G[q * n + p];
}

// Reduces the symmetric G (n x n, overwritten) to tridiagonal form: diagonal d (n), off-diagonal e
// (e[i] couples d[i] and d[i+1]; e[n-1] = 0). Householder reflections H = I - 2vvᵀ from the left and right.
void tridiagonalize(int64_t n, double* G, double* d, double* e) {
  std::vector<double> v(n), p(n);
  for (int64_t k = 0; k + 2 < n; ++k) {
    const int64_t m = n - k - 1;  // size of the trailing block B = G[k+1.., k+1..]
    double norm2 = 0;
    for (int64_t i = 0; i < m; ++i) norm2 += G[(k + 1 + i) * n + k] * G[(k + 1 + i) * n + k];
    const double x0 = G[(k + 1) * n + k];
    const double alpha = norm2 > 0 ? -std::copysign(std::sqrt(norm2), x0) : 0.0;
    d[k] = G[k * n + k];
    e[k] = alpha;
    // v = x - alpha e1, normalized; H x = alpha e1.
    double vnorm2 = 0;
    for (int64_t i = 0; i < m; ++i) {
      v[i] = G[(k + 1 + i) * n + k] - (i == 0 ? alpha : 0.0);
      vnorm2 += v[i] * v[i];
    }
    if (vnorm2 == 0) {
      e[k] = x0;  // the column is already zero below its first entry
      continue;
    }
    const double inv = 1 / std::sqrt(vnorm2);
    for (int64_t i = 0; i < m; ++i) v[i] *= inv;
    // B <- H B H = B - 2 v qᵀ - 2 q vᵀ with p = B v, K = vᵀ p, q = p - K v.
    double K = 0;
    for (int64_t i = 0; i < m; ++i) {
      const double* row = G + (k + 1 + i) * n + (k + 1);
      double acc = 0;
      for (int64_t j = 0; j < m; ++j) acc += row[j] * v[j];
      p[i] = acc;
      K += v[i] * acc;
    }
    for (int64_t i = 0; i < m; ++i) p[i] -= K * v[i];
    for (int64_t i = 0; i < m; ++i) {
      double* row = G + (k + 1 + i) * n + (k + 1);
      const double vi = v[i], qi = p[i];
      for (int64_t j = 0; j < m; ++j) row[j] -= 2 * (vi * p[j] + qi * v[j]);
    }
  }
  if (n >= 2) {
    d[n - 2] = G[(n - 2) * n + (n - 2)];
    e[n - 2] = G[(n - 1) * n + (n - 2)];
  }
  d[n - 1] = G[(n - 1) * n + (n - 1)];
  e[n - 1] = 0;
}

// Eigenvalues of the symmetric tridiagonal (d, e) into d, by implicit QL sweeps with a shift from the
// leading 2x2 block; e is destroyed. Returns false if some eigenvalue needed more than 60 sweeps.
bool tridiagonal_eigenvalues(int64_t n, double* d, double* e) {
  const double eps = 1e-16;
  for (int64_t l = 0; l < n; ++l) {
    int iterations = 0;
    for (;;) {
      int64_t m = l;
      for (; m + 1 < n; ++m) {
        const double dd = std::fabs(d[m]) + std::fabs(d[m + 1]);
        if (std::fabs(e[m]) <= eps * dd) break;
      }
      if (m == l) break;
      if (++iterations > 60) return false;
      double g = (d[l + 1] - d[l]) / (2 * e[l]);
      double r = std::hypot(g, 1.0);
      g = d[m] - d[l] + e[l] / (g + std::copysign(r, g));
      double s = 1, c = 1, p = 0;
      bool deflated = false;
      for (int64_t i = m - 1; i >= l; --i) {
        const double f = s * e[i], b = c * e[i];
        r = std::hypot(f, g);
        e[i + 1] = r;
        if (r == 0) {  // an exact zero split the matrix: restart on the smaller block
          d[i + 1] -= p;
          e[m] = 0;
          deflated = true;
          break;
        }
        s = f / r;
        c = g / r;
        g = d[i + 1] - p;
        r = (d[i] - g) * s + 2 * c * b;
        p = s * r;
        d[i + 1] = g + p;
        g = c * r - b;
      }
      if (deflated) continue;
      d[l] -= p;
      e[l] = g;
      e[m] = 0;
    }
  }
  return true;
}

void svdvals_one(int64_t rows, int64_t cols, const float* a, float* s, bool parallel) {
  const int64_t n = std::min(rows, cols);
  for (int64_t i = 0; i < rows * cols; ++i)
    if (!std::isfinite(a[i])) {
      std::fill(s, s + n, NAN);
      return;
    }
  std::vector<double> G(n * n), d(n), e(n);
  gram(rows, cols, a, G.data(), parallel);
  tridiagonalize(n, G.data(), d.data(), e.data());
  if (!tridiagonal_eigenvalues(n, d.data(), e.data())) {
    std::fill(s, s + n, NAN);
    return;
  }
  std::sort(d.begin(), d.end(), std::greater<double>());
  for (int64_t j = 0; j < n; ++j) s[j] = static_cast<float>(std::sqrt(std::max(d[j], 0.0)));
}

}  // namespace

void svdvals_cpu(int64_t batch, int64_t rows, int64_t cols, const float* a, float* s) {
  const int64_t k = std::min(rows, cols);
  if (batch == 1) {
    svdvals_one(rows, cols, a, s, true);
    return;
  }
  parallel_for(batch, 1, [=](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) svdvals_one(rows, cols, a + i * rows * cols, s + i * k, false);
  });
}

}  // namespace nodulab

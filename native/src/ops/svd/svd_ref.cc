// Reference singular values: one-sided Jacobi (Hestenes). Columns of M (m >= n, the matrix or its
// transpose) are rotated in pairs until all are mutually orthogonal; the singular values are then the
// column norms. Slow (O(m n^2) per sweep) and obvious; every sum is in double.
#include <algorithm>
#include <cmath>
#include <functional>
#include <vector>

#include "ops/svd/svd.h"

namespace nodulab {
namespace {

// Singular values of one (rows, cols) matrix a into s (min(rows, cols) values, descending).
template <class T> void svdvals_one(int64_t rows, int64_t cols, const T* a, T* s) {
  const bool transpose = rows < cols;
  const int64_t m = transpose ? cols : rows, n = transpose ? rows : cols;
  // Column-major copy of M, so a column is contiguous: col j is M[j*m .. j*m + m).
  std::vector<double> M(m * n);
  bool finite = true;
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j) {
      const double v = static_cast<double>(a[i * cols + j]);
      finite = finite && std::isfinite(v);
      if (transpose) M[i * m + j] = v;  // M = aᵀ: M(j, i) = a(i, j), column i
      else M[j * m + i] = v;            // M = a: column j
    }
  if (!finite) {
    std::fill(s, s + n, static_cast<T>(NAN));
    return;
  }
  const double eps = 1e-15;
  for (int sweep = 0; sweep < 100; ++sweep) {
    bool rotated = false;
    for (int64_t p = 0; p + 1 < n; ++p)
      for (int64_t q = p + 1; q < n; ++q) {
        double* cp = &M[p * m];
        double* cq = &M[q * m];
        double alpha = 0, beta = 0, gamma = 0;
        for (int64_t i = 0; i < m; ++i) {
          alpha += cp[i] * cp[i];
          beta += cq[i] * cq[i];
          gamma += cp[i] * cq[i];
        }
        if (gamma == 0 || std::fabs(gamma) <= eps * std::sqrt(alpha * beta)) continue;
        rotated = true;
        // The rotation that zeroes the (p, q) entry of MᵀM.
        const double zeta = (beta - alpha) / (2 * gamma);
        const double t = (zeta >= 0 ? 1.0 : -1.0) / (std::fabs(zeta) + std::sqrt(1 + zeta * zeta));
        const double c = 1 / std::sqrt(1 + t * t), sn = c * t;
        for (int64_t i = 0; i < m; ++i) {
          const double xp = cp[i], xq = cq[i];
          cp[i] = c * xp - sn * xq;
          cq[i] = sn * xp + c * xq;
        }
      }
    if (!rotated) break;
  }
  std::vector<double> norms(n);
  for (int64_t j = 0; j < n; ++j) {
    double ss = 0;
    for (int64_t i = 0; i < m; ++i) ss += M[j * m + i] * M[j * m + i];
    norms[j] = std::sqrt(ss);
  }
  std::sort(norms.begin(), norms.end(), std::greater<double>());
  for (int64_t j = 0; j < n; ++j) s[j] = static_cast<T>(norms[j]);
}

}  // namespace

template <class T> void svdvals_ref(int64_t batch, int64_t rows, int64_t cols, const T* a, T* s) {
  const int64_t k = std::min(rows, cols);
  for (int64_t b = 0; b < batch; ++b) svdvals_one(rows, cols, a + b * rows * cols, s + b * k);
}

template void svdvals_ref<float>(int64_t, int64_t, int64_t, const float*, float*);
template void svdvals_ref<double>(int64_t, int64_t, int64_t, const double*, double*);

}  // namespace nodulab

// Reference SupCon: the full similarity matrix, each anchor's log-sum-exp over j != i, then
// dL/ds_ij = (softmax_ij - [j in P(i)]/|P(i)|) / anchors scattered to both z_i and z_j. Obvious loops.
#include <cmath>
#include <vector>

#include "ops/contrastive/contrastive.h"

namespace nodulab {

template <class T>
void supcon_ref(int64_t n, int64_t dim, const T* z, const int32_t* labels, T temperature, T* loss, T* grad,
                int64_t* anchors) {
  // s: (n, n) similarities / temperature
  std::vector<T> s(n * n);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j) {
      T d = 0;
      for (int64_t k = 0; k < dim; ++k) d += z[i * dim + k] * z[j * dim + k];
      s[i * n + j] = d / temperature;
    }
  std::vector<int64_t> positives(n, 0);
  int64_t count = 0;
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = 0; j < n; ++j)
      if (j != i && labels[j] == labels[i]) ++positives[i];
    if (positives[i] > 0) ++count;
  }
  *anchors = count;
  if (grad)
    for (int64_t k = 0; k < n * dim; ++k) grad[k] = 0;
  if (count == 0) {
    *loss = 0;
    return;
  }
  std::vector<T> ds(n * n, T(0));  // d loss / d s_ij
  T total = 0;
  for (int64_t i = 0; i < n; ++i) {
    if (positives[i] == 0) continue;
    T m = -INFINITY;
    for (int64_t j = 0; j < n; ++j)
      if (j != i && s[i * n + j] > m) m = s[i * n + j];
    T sum = 0;
    for (int64_t j = 0; j < n; ++j)
      if (j != i) sum += std::exp(s[i * n + j] - m);
    const T lse = m + std::log(sum);
    T li = 0;
    for (int64_t j = 0; j < n; ++j)
      if (j != i && labels[j] == labels[i]) li += s[i * n + j] - lse;
    total += -li / T(positives[i]);
    for (int64_t j = 0; j < n; ++j) {
      if (j == i) continue;
      const T target = labels[j] == labels[i] ? T(1) / T(positives[i]) : T(0);
      ds[i * n + j] = (std::exp(s[i * n + j] - lse) - target) / T(count);
    }
  }
  *loss = total / T(count);
  if (!grad) return;
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j)
      for (int64_t k = 0; k < dim; ++k) {
        grad[i * dim + k] += ds[i * n + j] * z[j * dim + k] / temperature;
        grad[j * dim + k] += ds[i * n + j] * z[i * dim + k] / temperature;
      }
}

template void supcon_ref<float>(int64_t, int64_t, const float*, const int32_t*, float, float*, float*, int64_t*);
template void supcon_ref<double>(int64_t, int64_t, const double*, const int32_t*, double, double*, double*, int64_t*);

}  // namespace nodulab

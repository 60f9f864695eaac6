// Reference MatMul: the obvious triple loop over op(A) and op(B).
#include "ops/matmul/matmul.h"

namespace nodulab {

template <class T>
void matmul_ref(int64_t m, int64_t n, int64_t k, const T* a, bool trans_a, const T* b, bool trans_b, T* c) {
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      T s = 0;
      for (int64_t kk = 0; kk < k; ++kk) {
        const T av = trans_a ? a[kk * m + i] : a[i * k + kk];
        const T bv = trans_b ? b[j * k + kk] : b[kk * n + j];
        s += av * bv;
      }
      c[i * n + j] = s;
    }
}

template void matmul_ref<float>(int64_t, int64_t, int64_t, const float*, bool, const float*, bool, float*);
template void matmul_ref<double>(int64_t, int64_t, int64_t, const double*, bool, const double*, bool, double*);

}  // namespace nodulab

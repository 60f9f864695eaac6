// Fast MatMul: the packed SGEMM with the leading dimensions of the stored operands.
#include "ops/matmul/gemm.h"
#include "ops/matmul/matmul.h"

namespace nodulab {

void matmul_cpu(int64_t m, int64_t n, int64_t k, const float* a, bool trans_a, const float* b, bool trans_b,
                float* c) {
  gemm::sgemm(trans_a, trans_b, m, n, k, a, trans_a ? m : k, b, trans_b ? k : n, c, n);
}

}  // namespace nodulab

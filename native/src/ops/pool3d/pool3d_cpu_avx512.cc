// The 2x2x2 stride-2 max-pool row (pool3d_cpu_row222.h) compiled for AVX-512: 16 outputs per step.
#define NODULAB_POOL_VECTOR_BYTES 64
#include "ops/pool3d/pool3d_cpu_row222.h"

namespace nodulab {

void max_pool222_row_avx512(const float* x0, int32_t base, int64_t w, int64_t hw, int64_t ow, float* y,
                            int32_t* indices) {
  max_pool222_row_simd(x0, base, w, hw, ow, y, indices);
}

}  // namespace nodulab

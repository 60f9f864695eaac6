// The 2x2x2 stride-2 max-pool row (pool3d_cpu_row222.h) compiled for AVX2: 8 outputs per step.
#define NODULAB_VECTOR_BYTES 32
#include "ops/pool3d/pool3d_cpu_row222.h"

namespace nodulab {
NODULAB_DEFINE_POOL222_ROW(max_pool222_row_avx2)
}  // namespace nodulab

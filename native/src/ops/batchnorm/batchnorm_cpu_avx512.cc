// The batch-norm segment loops (batchnorm_cpu_loops.h) compiled for AVX-512.
#define NODULAB_BN_VECTOR_BYTES 64
#include "ops/batchnorm/batchnorm_cpu_loops.h"

namespace nodulab {
const BatchNormLoops& batch_norm_loops_avx512() { return kBatchNormLoops; }
}  // namespace nodulab

// The batch-norm segment loops (batchnorm_cpu_loops.h) compiled for AVX2 + FMA.
#define NODULAB_BN_VECTOR_BYTES 32
#include "ops/batchnorm/batchnorm_cpu_loops.h"

namespace nodulab {
const BatchNormLoops& batch_norm_loops_avx2() { return kBatchNormLoops; }
}  // namespace nodulab

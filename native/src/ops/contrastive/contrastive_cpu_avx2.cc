// The SupCon kernel body (contrastive_cpu_impl.h) built for AVX2 + FMA: 8 lanes, 4-row tiles.
#include "ops/contrastive/contrastive.h"
#include "ops/contrastive/contrastive_cpu_impl.h"

namespace nodulab {

void supcon_cpu_avx2(int64_t n, int64_t dim, const float* z, const int32_t* labels, float temperature,
                     float* loss, float* grad, int64_t* anchors) {
  SupConCpu<8, 4>::run(n, dim, z, labels, temperature, loss, grad, anchors);
}

}  // namespace nodulab

// The SupCon kernel body (contrastive_cpu_impl.h) built for AVX-512: 16 lanes, 8-row tiles.
#include "ops/contrastive/contrastive.h"
#include "ops/contrastive/contrastive_cpu_impl.h"

namespace nodulab {

void supcon_cpu_avx512(int64_t n, int64_t dim, const float* z, const int32_t* labels, float temperature,
                       float* loss, float* grad, int64_t* anchors) {
  SupConCpu<16, 8>::run(n, dim, z, labels, temperature, loss, grad, anchors);
}

}  // namespace nodulab

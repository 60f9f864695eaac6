// Fast CPU SupCon: picks the per-ISA build of contrastive_cpu_impl.h by active_isa(); this file is
// also the baseline (SSE2, 4 lanes) build.
#include "core/cpu_features.h"
#include "ops/contrastive/contrastive.h"
#include "ops/contrastive/contrastive_cpu_impl.h"

namespace nodulab {

void supcon_cpu_scalar(int64_t n, int64_t dim, const float* z, const int32_t* labels, float temperature,
                       float* loss, float* grad, int64_t* anchors) {
  SupConCpu<4, 4>::run(n, dim, z, labels, temperature, loss, grad, anchors);
}

void supcon_cpu(int64_t n, int64_t dim, const float* z, const int32_t* labels, float temperature, float* loss,
                float* grad, int64_t* anchors) {
  switch (active_isa()) {
    case Isa::Avx512: return supcon_cpu_avx512(n, dim, z, labels, temperature, loss, grad, anchors);
    case Isa::Avx2: return supcon_cpu_avx2(n, dim, z, labels, temperature, loss, grad, anchors);
    default: return supcon_cpu_scalar(n, dim, z, labels, temperature, loss, grad, anchors);
  }
}

}  // namespace nodulab

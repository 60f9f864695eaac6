// Registers the fused SupCon kernel for the reference and CPU backends.
#include "core/registry.h"
#include "ops/contrastive/contrastive.h"
#include "ops/kernel_names.h"

namespace nodulab {
using namespace kernels;

void register_contrastive_ref() { register_kernel<SupConFn>(kSupConLoss, Backend::Ref, &supcon_ref<float>); }

void register_contrastive_cpu() { register_kernel<SupConFn>(kSupConLoss, Backend::Cpu, &supcon_cpu); }

}  // namespace nodulab

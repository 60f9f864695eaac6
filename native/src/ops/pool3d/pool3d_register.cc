// Registers the 3-D pooling kernels for the reference and CPU backends.
#include "core/registry.h"
#include "ops/kernel_names.h"
#include "ops/pool3d/pool3d.h"

namespace nodulab {
using namespace kernels;

void register_pool3d_ref() {
  register_kernel<MaxPool3dFn>(kMaxPool3D, Backend::Ref, &max_pool3d_ref<float>);
  register_kernel<MaxPool3dGradFn>(kMaxPool3DGrad, Backend::Ref, &max_pool3d_grad_ref<float>);
  register_kernel<AvgPool3dFn>(kAvgPool3D, Backend::Ref, &avg_pool3d_ref<float>);
  register_kernel<AvgPool3dGradFn>(kAvgPool3DGrad, Backend::Ref, &avg_pool3d_grad_ref<float>);
  register_kernel<GlobalAvgPool3dFn>(kGlobalAvgPool3D, Backend::Ref, &global_avg_pool3d_ref<float>);
  register_kernel<GlobalAvgPool3dGradFn>(kGlobalAvgPool3DGrad, Backend::Ref, &global_avg_pool3d_grad_ref<float>);
}

void register_pool3d_cpu() {
  register_kernel<MaxPool3dFn>(kMaxPool3D, Backend::Cpu, &max_pool3d_cpu);
  register_kernel<MaxPool3dGradFn>(kMaxPool3DGrad, Backend::Cpu, &max_pool3d_grad_cpu);
  register_kernel<AvgPool3dFn>(kAvgPool3D, Backend::Cpu, &avg_pool3d_cpu);
  register_kernel<AvgPool3dGradFn>(kAvgPool3DGrad, Backend::Cpu, &avg_pool3d_grad_cpu);
  register_kernel<GlobalAvgPool3dFn>(kGlobalAvgPool3D, Backend::Cpu, &global_avg_pool3d_cpu);
  register_kernel<GlobalAvgPool3dGradFn>(kGlobalAvgPool3DGrad, Backend::Cpu, &global_avg_pool3d_grad_cpu);
}

}  // namespace nodulab

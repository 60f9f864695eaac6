// Registers Conv3D, Conv3DBackpropInput and Conv3DBackpropFilter for the reference and CPU backends.
#include "core/registry.h"
#include "ops/conv3d/conv3d.h"
#include "ops/kernel_names.h"

namespace nodulab {
using namespace kernels;

void register_conv3d_ref() {
  register_kernel<Conv3DFn>(kConv3D, Backend::Ref, &conv3d_ref<float>);
  register_kernel<Conv3DBackpropInputFn>(kConv3DBackpropInput, Backend::Ref, &conv3d_backprop_input_ref<float>);
  register_kernel<Conv3DBackpropFilterFn>(kConv3DBackpropFilter, Backend::Ref, &conv3d_backprop_filter_ref<float>);
}

void register_conv3d_cpu() {
  register_kernel<Conv3DFn>(kConv3D, Backend::Cpu, &conv3d_cpu);
  register_kernel<Conv3DBackpropInputFn>(kConv3DBackpropInput, Backend::Cpu, &conv3d_backprop_input_cpu);
  register_kernel<Conv3DBackpropFilterFn>(kConv3DBackpropFilter, Backend::Cpu, &conv3d_backprop_filter_cpu);
}

}  // namespace nodulab

// Registers the elementwise kernels for the reference and CPU backends.
#include "core/registry.h"
#include "ops/elementwise/elementwise.h"
#include "ops/kernel_names.h"

namespace nodulab {
using namespace kernels;

void register_elementwise_ref() {
  register_kernel<AxpbyFn>(kAxpby, Backend::Ref, &axpby_ref<float>);
  register_kernel<MulFn>(kMul, Backend::Ref, &mul_ref<float>);
}

void register_elementwise_cpu() {
  register_kernel<AxpbyFn>(kAxpby, Backend::Cpu, &axpby_cpu);
  register_kernel<MulFn>(kMul, Backend::Cpu, &mul_cpu);
}

}  // namespace nodulab

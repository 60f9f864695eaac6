// Registers the softmax kernels for the reference and CPU backends.
#include "core/registry.h"
#include "ops/kernel_names.h"
#include "ops/softmax/softmax.h"

namespace nodulab {
using namespace kernels;

void register_softmax_ref() {
  register_kernel<SoftmaxFn>(kSoftmax, Backend::Ref, &softmax_ref<float>);
  register_kernel<SoftmaxFn>(kLogSoftmax, Backend::Ref, &log_softmax_ref<float>);
  register_kernel<SoftmaxGradFn>(kSoftmaxGrad, Backend::Ref, &softmax_grad_ref<float>);
  register_kernel<SoftmaxGradFn>(kLogSoftmaxGrad, Backend::Ref, &log_softmax_grad_ref<float>);
}

void register_softmax_cpu() {
  register_kernel<SoftmaxFn>(kSoftmax, Backend::Cpu, &softmax_cpu);
  register_kernel<SoftmaxFn>(kLogSoftmax, Backend::Cpu, &log_softmax_cpu);
  register_kernel<SoftmaxGradFn>(kSoftmaxGrad, Backend::Cpu, &softmax_grad_cpu);
  register_kernel<SoftmaxGradFn>(kLogSoftmaxGrad, Backend::Cpu, &log_softmax_grad_cpu);
}

}  // namespace nodulab

// Registers the activation kernels for the reference and CPU backends.
#include "core/registry.h"
#include "ops/activation/activation.h"
#include "ops/kernel_names.h"

namespace nodulab {
using namespace kernels;

void register_activation_ref() {
  register_kernel<UnaryFn>(kRelu, Backend::Ref, &relu_ref<float>);
  register_kernel<UnaryGradFn>(kReluGrad, Backend::Ref, &relu_grad_ref<float>);
  register_kernel<UnaryAlphaFn>(kLeakyRelu, Backend::Ref, &leaky_relu_ref<float>);
  register_kernel<UnaryAlphaGradFn>(kLeakyReluGrad, Backend::Ref, &leaky_relu_grad_ref<float>);
  register_kernel<UnaryFn>(kSigmoid, Backend::Ref, &sigmoid_ref<float>);
  register_kernel<UnaryGradFn>(kSigmoidGrad, Backend::Ref, &sigmoid_grad_ref<float>);
}

void register_activation_cpu() {
  register_kernel<UnaryFn>(kRelu, Backend::Cpu, &relu_cpu);
  register_kernel<UnaryGradFn>(kReluGrad, Backend::Cpu, &relu_grad_cpu);
  register_kernel<UnaryAlphaFn>(kLeakyRelu, Backend::Cpu, &leaky_relu_cpu);
  register_kernel<UnaryAlphaGradFn>(kLeakyReluGrad, Backend::Cpu, &leaky_relu_grad_cpu);
  register_kernel<UnaryFn>(kSigmoid, Backend::Cpu, &sigmoid_cpu);
  register_kernel<UnaryGradFn>(kSigmoidGrad, Backend::Cpu, &sigmoid_grad_cpu);
}

}  // namespace nodulab

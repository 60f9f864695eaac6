// Registers the noise kernels (synthetic-data generator) for the reference and CPU backends.
#include "core/registry.h"
#include "ops/kernel_names.h"
#include "ops/noise/noise.h"

namespace nodulab {
using namespace kernels;

void register_noise_ref() {
  register_kernel<FillNormalFn>(kFillNormal, Backend::Ref, &fill_normal_ref<float>);
  register_kernel<AddCorrelatedNoiseFn>(kAddCorrelatedNoise, Backend::Ref, &add_correlated_noise_ref<float>);
  register_kernel<AddValueNoiseFn>(kAddValueNoise, Backend::Ref, &add_value_noise_ref<float>);
}

void register_noise_cpu() {
  register_kernel<FillNormalFn>(kFillNormal, Backend::Cpu, &fill_normal_cpu);
  register_kernel<AddCorrelatedNoiseFn>(kAddCorrelatedNoise, Backend::Cpu, &add_correlated_noise_cpu);
  register_kernel<AddValueNoiseFn>(kAddValueNoise, Backend::Cpu, &add_value_noise_cpu);
}

}  // namespace nodulab

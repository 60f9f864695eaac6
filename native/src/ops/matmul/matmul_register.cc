// Registers the MatMul kernel for the reference and CPU backends.
#include "core/registry.h"
#include "ops/kernel_names.h"
#include "ops/matmul/matmul.h"

namespace nodulab {

void register_matmul_ref() { register_kernel<MatMulFn>(kernels::kMatMul, Backend::Ref, &matmul_ref<float>); }
void register_matmul_cpu() { register_kernel<MatMulFn>(kernels::kMatMul, Backend::Cpu, &matmul_cpu); }

}  // namespace nodulab

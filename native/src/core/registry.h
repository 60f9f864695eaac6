// The kernel registry: (kernel name, backend) -> function pointer. Names live in
// ops/kernel_names.h; ops/register_host.cc fills the reference and CPU entries, ops/register_cuda.cu the CUDA ones.
#pragma once
#include <string>
#include <vector>

namespace nodulab {

enum class Backend { Ref = 0, Cpu = 1, Cuda = 2 };

const char* backend_name(Backend b);
bool parse_backend(const std::string& name, Backend* out);

namespace detail {
void registry_add(const char* kernel, Backend backend, void (*fn)());
void (*registry_find(const char* kernel, Backend backend))();
}  // namespace detail

// Registers `fn` (a plain function pointer of the kernel's signature) for (kernel, backend).
template <class Fn>
void register_kernel(const char* kernel, Backend backend, Fn fn) {
  detail::registry_add(kernel, backend, reinterpret_cast<void (*)()>(fn));
}

// Returns the kernel registered for (kernel, backend) cast to its signature, or nullptr.
template <class Fn>
Fn find_kernel(const char* kernel, Backend backend) {
  return reinterpret_cast<Fn>(detail::registry_find(kernel, backend));
}

// Lists "kernel/backend" for every registered entry (for diagnostics and the test driver).
std::vector<std::string> registered_kernels();

// Fills the registry once (idempotent): the reference and CPU kernels, and CUDA when built with it.
void register_all_kernels();

}  // namespace nodulab

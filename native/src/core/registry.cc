// Storage for the kernel registry (see registry.h) and the one call that fills it.
#include "core/registry.h"

#include <map>
#include <mutex>
#include <utility>

namespace nodulab {

void register_host_kernels();  // ops/register_host.cc
#ifdef NODULAB_WITH_CUDA
void register_cuda_kernels();  // ops/register_cuda.cu
#endif

namespace {
using Key = std::pair<std::string, int>;
std::map<Key, void (*)()>& table() {
  static std::map<Key, void (*)()> t;
  return t;
}
}  // namespace

const char* backend_name(Backend b) {
  switch (b) {
    case Backend::Ref: return "ref";
    case Backend::Cpu: return "cpu";
    case Backend::Cuda: return "cuda";
  }
  return "?";
}

bool parse_backend(const std::string& name, Backend* out) {
  if (name == "ref") { *out = Backend::Ref; return true; }
  if (name == "cpu") { *out = Backend::Cpu; return true; }
  if (name == "cuda") { *out = Backend::Cuda; return true; }
  return false;
}

namespace detail {
void registry_add(const char* kernel, Backend backend, void (*fn)()) {
  table()[{kernel, static_cast<int>(backend)}] = fn;
}
void (*registry_find(const char* kernel, Backend backend))() {
  auto it = table().find({kernel, static_cast<int>(backend)});
  return it == table().end() ? nullptr : it->second;
}
}  // namespace detail

std::vector<std::string> registered_kernels() {
  std::vector<std::string> out;
  for (const auto& [key, fn] : table()) out.push_back(key.first + "/" + backend_name(static_cast<Backend>(key.second)));
  return out;
}

void register_all_kernels() {
  static std::once_flag once;
  std::call_once(once, [] {
    register_host_kernels();
#ifdef NODULAB_WITH_CUDA
    register_cuda_kernels();
#endif
  });
}

}  // namespace nodulab

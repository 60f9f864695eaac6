// The CUDA runtime layer's answers in a build without CUDA (cuda_runtime.cu replaces this file's
// functions when NODULAB_WITH_CUDA is defined): no device, and every device call throws.
#include "core/cuda_runtime.h"

#ifndef NODULAB_WITH_CUDA
#include <stdexcept>

namespace nodulab::cuda {
namespace {
[[noreturn]] void no_cuda(const char* op) {
  throw std::runtime_error(std::string(op) + ": no CUDA device: nodulab was built without CUDA");
}
}  // namespace

bool available() { return false; }
std::string status() { return "no CUDA device: built without CUDA"; }
int device_count() { return 0; }
void* device_alloc(size_t, const char* op) { no_cuda(op); }
void device_free(void*) noexcept {}  // device_alloc never returned a pointer to free
AllocatorStats allocator_stats() { return {}; }
void empty_cache() {}
void copy_to_device(void*, const void*, size_t, const char* op) { no_cuda(op); }
void copy_to_host(void*, const void*, size_t, const char* op) { no_cuda(op); }
void copy_device_to_device(void*, const void*, size_t, const char* op) { no_cuda(op); }
void memset_device(void*, int, size_t, const char* op) { no_cuda(op); }
void synchronize(const char*) {}

}  // namespace nodulab::cuda
#endif  // NODULAB_WITH_CUDA

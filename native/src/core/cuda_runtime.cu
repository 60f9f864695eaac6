// The CUDA runtime layer (cuda_runtime.h) for builds with CUDA: device detection, the caching
// allocator (exact rounded-size free lists, LIFO reuse, frees at device_free), copies and checks.
#include <cuda_runtime.h>

#include <map>
#include <mutex>
#include <sstream>
#include <vector>

#include "core/cuda_check.cuh"
#include "core/cuda_runtime.h"

namespace nodulab::cuda {
namespace {

struct DeviceInfo {
  bool ok = false;
  int count = 0;
  std::string line;
};

const DeviceInfo& device_info() {
  static const DeviceInfo info = [] {
    DeviceInfo d;
    int count = 0;
    cudaError_t err = cudaGetDeviceCount(&count);
    if (err != cudaSuccess) {  // no driver, an old driver, or no GPU
      d.line = std::string("no CUDA device: ") + cudaGetErrorName(err) + " (" + cudaGetErrorString(err) + ")";
      cudaGetLastError();  // clear the (non-sticky) error so later calls do not report it again
      return d;
    }
    d.count = count;
    if (count == 0) {
      d.line = "no CUDA device: the driver reports 0 devices";
      return d;
    }
    cudaDeviceProp prop{};
    err = cudaGetDeviceProperties(&prop, 0);
    if (err != cudaSuccess) {
      d.line = std::string("no CUDA device: ") + cudaGetErrorString(err);
      return d;
    }
    int driver = 0;
    cudaDriverGetVersion(&driver);
    std::ostringstream o;
    o << prop.name << " (sm_" << prop.major << prop.minor << ", "
      << static_cast<int>(prop.totalGlobalMem / (1024.0 * 1024 * 1024)) << " GiB, " << prop.multiProcessorCount
      << " SMs, driver " << driver / 1000 << "." << (driver % 1000) / 10 << ")";
    d.line = o.str();
    d.ok = true;
    return d;
  }();
  return info;
}

// Blocks are rounded up to 512 bytes (small) or 2 MiB (large) so that near-equal sizes share lists.
size_t round_size(size_t bytes) {
  const size_t small = 512, large = 2 << 20;
  if (bytes <= (1 << 20)) return (bytes + small - 1) / small * small;
  return (bytes + large - 1) / large * large;
}

struct Allocator {
  std::mutex mu;
  std::map<size_t, std::vector<void*>> free_lists;  // rounded size -> free blocks (LIFO)
  std::map<void*, size_t> live;                     // handed-out block -> rounded size
  AllocatorStats stats;

  void release_cached() {
    for (auto& [size, blocks] : free_lists)
      for (void* p : blocks) cudaFree(p);
    free_lists.clear();
    stats.bytes_cached = 0;
  }
};

Allocator& allocator() {
  static Allocator* a = new Allocator();  // never destroyed: frees may run during static teardown
  return *a;
}

}  // namespace

bool available() { return device_info().ok; }
std::string status() { return device_info().line; }
int device_count() { return device_info().count; }

void* device_alloc(size_t bytes, const char* op) {
  if (!available()) throw std::runtime_error(std::string(op) + ": " + status());
  const size_t size = round_size(bytes == 0 ? 1 : bytes);
  Allocator& a = allocator();
  std::lock_guard<std::mutex> lock(a.mu);
  void* p = nullptr;
  auto it = a.free_lists.find(size);
  if (it != a.free_lists.end() && !it->second.empty()) {
    p = it->second.back();
    it->second.pop_back();
    a.stats.bytes_cached -= size;
  } else {
    cudaError_t err = cudaMalloc(&p, size);
    if (err == cudaErrorMemoryAllocation) {  // give the cache back and try once more
      cudaGetLastError();
      a.release_cached();
      err = cudaMalloc(&p, size);
    }
    if (err != cudaSuccess) {
      std::ostringstream o;
      o << op << ": cudaMalloc of " << size << " bytes failed: " << cudaGetErrorString(err) << " ("
        << a.stats.bytes_in_use << " bytes in use)";
      cudaGetLastError();
      throw std::runtime_error(o.str());
    }
    ++a.stats.device_mallocs;
  }
  ++a.stats.allocations;
  a.live[p] = size;
  a.stats.bytes_in_use += size;
  if (a.stats.bytes_in_use > a.stats.peak_bytes_in_use) a.stats.peak_bytes_in_use = a.stats.bytes_in_use;
  return p;
}

void device_free(void* p) noexcept {
  if (!p) return;
  Allocator& a = allocator();
  std::lock_guard<std::mutex> lock(a.mu);
  auto it = a.live.find(p);
  if (it == a.live.end()) return;  // not ours (never happens through DeviceBuffer)
  const size_t size = it->second;
  a.live.erase(it);
  a.stats.bytes_in_use -= size;
  // Kernels on the default stream run in order, so a later kernel using this block runs after
  // every earlier kernel that used it: reuse without a synchronization is safe.
  try {
    a.free_lists[size].push_back(p);
    a.stats.bytes_cached += size;
  } catch (...) {  // no host memory for the free list: give the block back to the driver instead
    cudaFree(p);
  }
}

AllocatorStats allocator_stats() {
  Allocator& a = allocator();
  std::lock_guard<std::mutex> lock(a.mu);
  return a.stats;
}

void empty_cache() {
  if (!available()) return;
  Allocator& a = allocator();
  std::lock_guard<std::mutex> lock(a.mu);
  a.release_cached();
}

void copy_to_device(void* dst, const void* src, size_t bytes, const char* op) {
  if (bytes) NODULAB_CUDA_CHECK(op, cudaMemcpy(dst, src, bytes, cudaMemcpyHostToDevice));
}
void copy_to_host(void* dst, const void* src, size_t bytes, const char* op) {
  if (bytes) NODULAB_CUDA_CHECK(op, cudaMemcpy(dst, src, bytes, cudaMemcpyDeviceToHost));
}
void copy_device_to_device(void* dst, const void* src, size_t bytes, const char* op) {
  if (bytes) NODULAB_CUDA_CHECK(op, cudaMemcpy(dst, src, bytes, cudaMemcpyDeviceToDevice));
}
void memset_device(void* dst, int value, size_t bytes, const char* op) {
  if (bytes) NODULAB_CUDA_CHECK(op, cudaMemset(dst, value, bytes));
}
void synchronize(const char* op) {
  NODULAB_CUDA_CHECK(op, cudaGetLastError());
  NODULAB_CUDA_CHECK(op, cudaDeviceSynchronize());
}

}  // namespace nodulab::cuda

// ---- sum_splits (core/cuda_gemm.cuh): the fixed-order reduction of split-k partials ---------------
#include "core/cuda_gemm.cuh"

namespace nodulab::cuda {
namespace {
__global__ void sum_splits_kernel(const float* parts, int splits, int64_t count, float* out) {
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < count;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    float s = 0.f;
    for (int p = 0; p < splits; ++p) s += parts[p * count + i];
    out[i] = s;
  }
}
}  // namespace

void sum_splits(const float* parts, int splits, int64_t count, float* out, const char* op) {
  if (count <= 0) return;
  sum_splits_kernel<<<blocks_for(count), kThreads>>>(parts, splits, count, out);
  NODULAB_CUDA_LAUNCHED(op);
}
}  // namespace nodulab::cuda

// The CUDA runtime layer, usable from plain C++ (no CUDA headers): device detection, a caching
// device allocator with deterministic frees and stats, host<->device copies, RAII device buffers.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

namespace nodulab::cuda {

// True when the library was built with CUDA and a usable CUDA device is present.
bool available();
// One line for users: "NVIDIA H200 (sm_90, 139 GiB, driver 13.0)" or "no CUDA device: <why>"
// (including "no CUDA device: built without CUDA").
std::string status();
// How many CUDA devices the driver reports (0 without CUDA, a driver or a GPU). The runtime layer
// allocates and runs on device 0 only.
int device_count();

// Device memory from the caching allocator: freed blocks return to a per-size free list and are
// reused by the next request of the same rounded size, so a training loop repeating the same shapes
// stops calling cudaMalloc after its first step. Freeing happens at device_free (never deferred to
// a GC); device_free(nullptr) is a no-op. device_alloc throws std::runtime_error naming `op` on
// failure; device_free never throws (it runs in destructors and finalizers).
void* device_alloc(size_t bytes, const char* op);
void device_free(void* p) noexcept;
struct AllocatorStats {
  size_t bytes_in_use = 0;     // handed out and not yet freed
  size_t bytes_cached = 0;     // freed, kept for reuse
  size_t peak_bytes_in_use = 0;
  int64_t device_mallocs = 0;  // cudaMalloc calls so far
  int64_t allocations = 0;     // device_alloc calls so far
};
AllocatorStats allocator_stats();
// Returns every cached (free) block to the driver.
void empty_cache();

// Synchronous copies (they wait for every kernel queued before them on the default stream).
void copy_to_device(void* dst, const void* src, size_t bytes, const char* op);
void copy_to_host(void* dst, const void* src, size_t bytes, const char* op);
void copy_device_to_device(void* dst, const void* src, size_t bytes, const char* op);
void memset_device(void* dst, int value, size_t bytes, const char* op);
// Waits for the device and turns any pending kernel error into an exception naming `op`.
void synchronize(const char* op);

// An owned device allocation of `count` elements of T (freed in the destructor; move-only).
template <class T>
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  DeviceBuffer(int64_t count, const char* op)
      : p_(count > 0 ? static_cast<T*>(device_alloc(static_cast<size_t>(count) * sizeof(T), op)) : nullptr),
        n_(count > 0 ? count : 0) {}
  ~DeviceBuffer() { device_free(p_); }
  DeviceBuffer(DeviceBuffer&& o) noexcept : p_(o.p_), n_(o.n_) { o.p_ = nullptr, o.n_ = 0; }
  DeviceBuffer& operator=(DeviceBuffer&& o) noexcept {
    if (this != &o) {
      device_free(p_);
      p_ = o.p_, n_ = o.n_;
      o.p_ = nullptr, o.n_ = 0;
    }
    return *this;
  }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  T* get() const { return p_; }
  int64_t size() const { return n_; }
  size_t bytes() const { return static_cast<size_t>(n_) * sizeof(T); }

 private:
  T* p_ = nullptr;
  int64_t n_ = 0;
};

}  // namespace nodulab::cuda

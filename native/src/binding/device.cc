// Binding for devices: what CUDA reports (status line, device count, allocator counters) and
// DeviceTensor handles, a device copy of a Float32Array that TypeScript's Tensor holds for 'cuda'.
// The kernels' bindings still take host arrays; this file only moves bytes between host and device.
// A runtime-layer exception (it names the CUDA call) becomes a JS Error at call_binding (common.h).
#include <memory>

#include "binding/common.h"
#include "core/cuda_runtime.h"

namespace nodulab::binding {
namespace {

// A float32 buffer on a CUDA device. Freed by freeDevice() or, failing that, by the handle's finalizer.
struct DeviceTensor {
  cuda::DeviceBuffer<float> buffer;
  int device = 0;
  bool freed = false;
};

// Marks handles made here, so a foreign External is refused instead of reinterpreted.
constexpr napi_type_tag kDeviceTensorTag = {0x6e6f64756c616231ULL, 0x6465766963653137ULL};

DeviceTensor* get_handle(const Napi::CallbackInfo& info, size_t i, const char* op) {
  Napi::Env env = info.Env();
  THROW_IF(info.Length() <= i || !info[i].IsExternal(), "handle must be a device tensor handle (from toDevice)");
  auto ext = info[i].As<Napi::External<DeviceTensor>>();
  THROW_IF(!ext.CheckTypeTag(&kDeviceTensorTag), "handle was not made by toDevice");
  DeviceTensor* t = ext.Data();
  THROW_IF(t == nullptr || t->freed, "the device tensor was already freed (freeDevice)");
  return t;
}

// The device index at info[i]: an integer below cuda::device_count(); CUDA must be usable.
int get_device_index(const Napi::CallbackInfo& info, size_t i, const char* op) {
  Napi::Env env = info.Env();
  const double d = get_number(info, i, op, "device");
  THROW_IF(d < 0 || d != static_cast<int>(d), "device index must be a non-negative integer, got " << d);
  const int index = static_cast<int>(d);
  THROW_IF(!cuda::available(), "cuda:" << index << " is not available: " << cuda::status());
  THROW_IF(index >= cuda::device_count(),
           "cuda:" << index << " does not exist: the driver reports " << cuda::device_count() << " device(s)");
  THROW_IF(index != 0, "cuda:" << index << ": nodulab's CUDA runtime runs on cuda:0 only");
  return index;
}

// A JS handle owning `t` (freed when the handle is collected).
Napi::Value wrap(Napi::Env env, std::unique_ptr<DeviceTensor> t) {
  auto ext = Napi::External<DeviceTensor>::New(env, t.release(), [](Napi::Env, DeviceTensor* p) { delete p; });
  ext.TypeTag(&kDeviceTensorTag);
  return ext;
}

// JS: () -> string: the device line, or "no CUDA device: <reason>".
Napi::Value cuda_status(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), cuda::status()); }

// JS: () -> number of CUDA devices (0 when none is usable).
Napi::Value cuda_device_count(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), cuda::available() ? cuda::device_count() : 0);
}

// JS: (x: Float32Array, device: number) -> handle holding a device copy of x.
Napi::Value to_device(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const char* op = "toDevice";
  auto x = get_f32(info, 0, op, "x");
  const int device = get_device_index(info, 1, op);
  auto t = std::make_unique<DeviceTensor>(
      DeviceTensor{cuda::DeviceBuffer<float>(static_cast<int64_t>(x.ElementLength()), op), device});
  if (x.ElementLength()) cuda::copy_to_device(t->buffer.get(), x.Data(), t->buffer.bytes(), op);
  return wrap(env, std::move(t));
}

// JS: (handle) -> Float32Array copy of the device data (waits for queued kernels).
Napi::Value to_host(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const char* op = "toHost";
  DeviceTensor* t = get_handle(info, 0, op);
  return filled_f32(env, t->buffer.size(), [&](float* out) {
    if (t->buffer.size()) cuda::copy_to_host(out, t->buffer.get(), t->buffer.bytes(), op);
  });
}

// JS: (handle) -> new handle with a device-to-device copy.
Napi::Value copy_device(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const char* op = "copyDevice";
  DeviceTensor* src = get_handle(info, 0, op);
  auto t = std::make_unique<DeviceTensor>(DeviceTensor{cuda::DeviceBuffer<float>(src->buffer.size(), op), src->device});
  if (src->buffer.size()) cuda::copy_device_to_device(t->buffer.get(), src->buffer.get(), src->buffer.bytes(), op);
  return wrap(env, std::move(t));
}

// JS: (handle) -> undefined. Returns the memory to the caching allocator now; later use throws.
Napi::Value free_device(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const char* op = "freeDevice";
  DeviceTensor* t = get_handle(info, 0, op);
  t->buffer = cuda::DeviceBuffer<float>();
  t->freed = true;
  return env.Undefined();
}

// JS: () -> the caching allocator's counters.
Napi::Value device_allocator_stats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const cuda::AllocatorStats s = cuda::allocator_stats();
  auto num = [&](double v) { return Napi::Number::New(env, v); };
  return new_object(env, {{"bytesInUse", num(static_cast<double>(s.bytes_in_use))},
                          {"bytesCached", num(static_cast<double>(s.bytes_cached))},
                          {"peakBytesInUse", num(static_cast<double>(s.peak_bytes_in_use))},
                          {"deviceMallocs", num(static_cast<double>(s.device_mallocs))},
                          {"allocations", num(static_cast<double>(s.allocations))}});
}

}  // namespace

void init_device(Napi::Env env, Napi::Object exports) {
  export_bindings(env, exports,
                  {{"cudaStatus", cuda_status}, {"cudaDeviceCount", cuda_device_count}, {"toDevice", to_device},
                   {"toHost", to_host}, {"copyDevice", copy_device}, {"freeDevice", free_device},
                   {"deviceAllocatorStats", device_allocator_stats}});
}

}  // namespace nodulab::binding

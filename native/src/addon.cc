// nodulab's Node-API addon: fills the kernel registry and exports every binding.
// Each binding/<family>.cc defines init_<family>(env, exports); uncomment a line when it lands.
#include <napi.h>

#include "binding/common.h"
#include "core/cpu_features.h"
#include "core/heap_reuse.h"
#include "core/registry.h"
#include "core/thread_pool.h"

namespace nodulab::binding {

void init_activation(Napi::Env env, Napi::Object exports);
void init_conv3d(Napi::Env env, Napi::Object exports);
void init_matmul(Napi::Env env, Napi::Object exports);
void init_pool3d(Napi::Env env, Napi::Object exports);
void init_batchnorm(Napi::Env env, Napi::Object exports);
void init_elementwise(Napi::Env env, Napi::Object exports);
void init_softmax(Napi::Env env, Napi::Object exports);
void init_contrastive(Napi::Env env, Napi::Object exports);
void init_noise(Napi::Env env, Napi::Object exports);
void init_svd(Napi::Env env, Napi::Object exports);
void init_device(Napi::Env env, Napi::Object exports);

namespace {

Napi::Value get_num_threads_js(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), get_num_threads());
}

Napi::Value set_num_threads_js(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const char* op = "setNumThreads";
  double n = get_number(info, 0, op, "n");
  THROW_IF(n < 1 || n > 256 || n != static_cast<int>(n), "n must be an integer in [1, 256], got " << n);
  set_num_threads(static_cast<int>(n));
  return env.Undefined();
}

Napi::Value get_isa_js(const Napi::CallbackInfo& info) {
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("active", isa_name(active_isa()));
  o.Set("detected", isa_name(detect_isa()));
  return o;
}

Napi::Value set_isa_js(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const char* op = "setIsa";
  THROW_IF(info.Length() < 1 || !info[0].IsString(), "isa must be a string");
  std::string name = info[0].As<Napi::String>().Utf8Value();
  Isa isa;
  THROW_IF(!parse_isa(name.c_str(), &isa), "unknown ISA '" << name << "' (expected scalar, avx2 or avx512)");
  set_isa(isa);
  return Napi::String::New(env, isa_name(active_isa()));
}

Napi::Value kernels_js(const Napi::CallbackInfo& info) {
  auto names = registered_kernels();
  Napi::Array arr = Napi::Array::New(info.Env(), names.size());
  for (uint32_t i = 0; i < names.size(); ++i) arr.Set(i, names[i]);
  return arr;
}

Napi::Object init_all(Napi::Env env, Napi::Object exports) {
  register_all_kernels();
  enable_heap_reuse();
  export_bindings(env, exports,
                  {{"getNumThreads", get_num_threads_js}, {"setNumThreads", set_num_threads_js},
                   {"getIsa", get_isa_js}, {"setIsa", set_isa_js}, {"kernels", kernels_js}});
  init_activation(env, exports);
  init_conv3d(env, exports);
  init_matmul(env, exports);
  init_pool3d(env, exports);
  init_batchnorm(env, exports);
  init_elementwise(env, exports);
  init_softmax(env, exports);
  init_contrastive(env, exports);
  init_noise(env, exports);
  init_svd(env, exports);
  init_device(env, exports);
  return exports;
}

// Module load, inside the same C++ -> JS boundary as every binding call.
Napi::Object init(Napi::Env env, Napi::Object exports) {
  return js_boundary(env, "nodulab", [&] { return init_all(env, exports); });
}

}  // namespace
}  // namespace nodulab::binding

static Napi::Object InitNodulab(Napi::Env env, Napi::Object exports) { return nodulab::binding::init(env, exports); }

NODE_API_MODULE(nodulab, InitNodulab)

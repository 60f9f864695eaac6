// Shared helpers for the thin N-API binding: argument validation that throws a JS error naming the
// op (THROW_IF), typed-array and shape readers, output allocation, backend lookup.
// Kernels never see N-API: bindings validate, marshal to plain pointers and call the registry.
#pragma once
#include <napi.h>

#include <cstdint>
#include <initializer_list>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "core/registry.h"

namespace nodulab::binding {

// Throws a JS Error "<op>: <message>" when cond holds. Usable only where `env` and `op` are in scope.
#define THROW_IF(cond, msg_stream)                                        \
  do {                                                                    \
    if (cond) {                                                           \
      std::ostringstream nodulab_msg_;                                    \
      nodulab_msg_ << op << ": " << msg_stream;                           \
      throw Napi::Error::New(env, nodulab_msg_.str());                    \
    }                                                                     \
  } while (0)

using Shape = std::vector<int64_t>;

std::string shape_str(const Shape& s);
// Product of the dims, or -1 if it exceeds 2^53.
int64_t numel(const Shape& s);

// Reads info[i] as a Float32Array named `name`; throws if it is not one.
Napi::Float32Array get_f32(const Napi::CallbackInfo& info, size_t i, const char* op, const char* name);
// Reads info[i] as a Float32Array or null/undefined (returns an empty handle for the latter).
Napi::Float32Array get_optional_f32(const Napi::CallbackInfo& info, size_t i, const char* op, const char* name);
// Reads info[i] as an Int32Array named `name`.
Napi::Int32Array get_i32(const Napi::CallbackInfo& info, size_t i, const char* op, const char* name);
// Reads info[i] as an array of non-negative integers (a shape or a triple of strides...).
Shape get_shape(const Napi::CallbackInfo& info, size_t i, const char* op, const char* name);
// Reads info[i] as a finite number.
double get_number(const Napi::CallbackInfo& info, size_t i, const char* op, const char* name);
// Reads info[i] as a boolean.
bool get_bool(const Napi::CallbackInfo& info, size_t i, const char* op, const char* name);
// Reads info[i] ("ref" | "cpu" | "cuda", or undefined for "cpu") as a backend.
Backend get_backend(const Napi::CallbackInfo& info, size_t i, const char* op);

// Checks that `arr` has exactly numel(shape) elements and that shape has `rank` dims.
void check_tensor(Napi::Env env, const char* op, const char* name, const Napi::Float32Array& arr,
                  const Shape& shape, size_t rank);

// Checks that a per-channel vector (skipped when absent) holds C = xs[1] values, C being x's channels.
void check_channels(Napi::Env env, const char* op, const char* name, const Napi::Float32Array& v, const Shape& xs);

// A new Float32Array of n floats owned by V8 (zero-filled by the allocator; kernels overwrite it).
Napi::Float32Array new_f32(Napi::Env env, int64_t n, float** data);
// A new Int32Array of n ints, likewise.
Napi::Int32Array new_i32(Napi::Env env, int64_t n, int32_t** data);

// A JS object with these fields, set in order (a result such as { y, mean, invstd }).
Napi::Object new_object(Napi::Env env, std::initializer_list<std::pair<const char*, Napi::Value>> fields);

// Finds kernel (name, backend) or throws "<op>: no <backend> kernel".
template <class Fn>
Fn require_kernel(Napi::Env env, const char* op, const char* kernel, Backend backend) {
  Fn fn = find_kernel<Fn>(kernel, backend);
  THROW_IF(!fn, "no " << backend_name(backend) << " kernel for " << kernel);
  return fn;
}

inline const float* ptr(const Napi::Float32Array& a) { return a.IsEmpty() ? nullptr : a.Data(); }

}  // namespace nodulab::binding

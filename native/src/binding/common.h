// Shared helpers for the thin N-API binding: argument validation that throws a JS error naming the
// op (THROW_IF), typed-array and shape readers, output allocation, backend lookup.
// Kernels never see N-API: bindings validate, marshal to plain pointers and call the registry.
//
// Two guarantees hold for every binding, because export_bindings runs each one through call_binding:
// - No C++ exception reaches JS or std::terminate: a kernel's std::exception (a CUDA error, bad_alloc,
//   one carried back from a pool thread) becomes a JS Error "<function>: <message>" (js_boundary).
// - JS runs only before any typed array is read: every plain-array argument (a shape, a triple, a seed)
//   is read once up front, running whatever getters it has, and readers take shapes from that copy.
//   So no getter can detach, transfer or resize an array after its data pointer and length are read,
//   and an array detached before the call is refused by name (get_f32, get_i32).
#pragma once
#include <napi.h>

#include <cstdint>
#include <exception>
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

// Reads info[i] as a Float32Array named `name`; throws if it is not one or its buffer is detached.
Napi::Float32Array get_f32(const Napi::CallbackInfo& info, size_t i, const char* op, const char* name);
// Reads info[i] as a Float32Array named `name` holding numel(shape) values (check_tensor).
Napi::Float32Array get_f32_of_shape(const Napi::CallbackInfo& info, size_t i, const char* op, const char* name,
                                    const Shape& shape);
// Reads info[i] as a Float32Array or null/undefined (returns an empty handle for the latter).
Napi::Float32Array get_optional_f32(const Napi::CallbackInfo& info, size_t i, const char* op, const char* name);
// Reads info[i] as an Int32Array named `name` (not detached).
Napi::Int32Array get_i32(const Napi::CallbackInfo& info, size_t i, const char* op, const char* name);
// Plain-array arguments longer than this are refused (shapes, triples and seeds are short).
constexpr uint32_t kMaxArrayArgument = 64;
// The elements of the plain-array argument info[i], as read before the binding ran (call_binding).
// Throws "<name> must be <what>" unless info[i] is an array of at most kMaxArrayArgument entries.
const std::vector<Napi::Value>& get_array(const Napi::CallbackInfo& info, size_t i, const char* op, const char* name,
                                          const char* what);
// Reads info[i] as an array of non-negative integers (a shape or a triple of strides...).
Shape get_shape(const Napi::CallbackInfo& info, size_t i, const char* op, const char* name);
// Reads info[i] as a finite number.
double get_number(const Napi::CallbackInfo& info, size_t i, const char* op, const char* name);
// Reads info[i] as a positive integer (at most 9e15, so exact in a double), e.g. a dimension.
int64_t get_positive_int(const Napi::CallbackInfo& info, size_t i, const char* op, const char* name);
// A (rows, cols) matrix shape.
struct MatrixShape {
  int64_t rows, cols;
};
// Reads rows and cols (JS names rows_name, cols_name) at info[i], info[i+1]: positive integers whose
// product is `length`, the element count of the array `name`.
MatrixShape get_matrix_shape(const Napi::CallbackInfo& info, size_t i, const char* op, const char* name,
                             size_t length, const char* rows_name = "rows", const char* cols_name = "cols");
// Reads info[i] as a boolean.
bool get_bool(const Napi::CallbackInfo& info, size_t i, const char* op, const char* name);
// Reads info[i] ("ref" | "cpu" | "cuda", or undefined for "cpu") as a backend.
Backend get_backend(const Napi::CallbackInfo& info, size_t i, const char* op);

// Reads info[i] as a 5-D (N, C, D, H, W) shape: every dimension >= 1, at most 2^34 elements and, with
// int32_volume, D*H*W below 2^31 (so int32 indices address a volume).
Shape get_ncdhw_shape(const Napi::CallbackInfo& info, size_t i, const char* op, const char* name,
                      bool int32_volume);

// A Float32Array and its shape, read from two adjacent arguments (e.g. x, xShape).
struct TensorArg {
  Napi::Float32Array data;
  Shape shape;
};
// x: (N, C, D, H, W) at info[0] and xShape at info[1] (get_ncdhw_shape), checked against each other.
TensorArg get_ncdhw_x(const Napi::CallbackInfo& info, const char* op, bool int32_volume);
// Reads the shape at info[i] with its own checks: get_shape, or a binding's stricter reader.
using ShapeReader = Shape (*)(const Napi::CallbackInfo& info, size_t i, const char* op, const char* name);
// Reads info[i] as the Float32Array `name`, info[i+1] as its shape `shape_name` (by read_shape), and
// checks that the array holds numel(shape) values.
TensorArg get_tensor(const Napi::CallbackInfo& info, size_t i, const char* op, const char* name,
                     const char* shape_name, ShapeReader read_shape);

// Checks that `arr` has exactly numel(shape) elements and that shape has `rank` dims.
void check_tensor(Napi::Env env, const char* op, const char* name, const Napi::Float32Array& arr,
                  const Shape& shape, size_t rank);

// Checks that a per-channel vector (skipped when absent) holds C = xs[1] values, C being x's channels.
void check_channels(Napi::Env env, const char* op, const char* name, const Napi::Float32Array& v, const Shape& xs);

// A new Float32Array of n floats owned by V8, not zero-filled: the kernel must write every element.
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

// The kernel named op for the backend at info[i] (see get_backend), or throws as require_kernel.
template <class Fn>
Fn kernel_at(const Napi::CallbackInfo& info, size_t i, const char* op) {
  return require_kernel<Fn>(info.Env(), op, op, get_backend(info, i, op));
}

// A new Float32Array of n floats that fill(float* data) writes (the kernel call), as new_f32.
template <class Fill>
Napi::Float32Array filled_f32(Napi::Env env, int64_t n, Fill&& fill) {
  float* data;
  Napi::Float32Array out = new_f32(env, n, &data);
  fill(data);
  return out;
}

// Throws "<a_name> has <n> elements but <b_name> has <m>" unless a and b have the same length.
void check_same_length(Napi::Env env, const char* op, const char* a_name, const Napi::Float32Array& a,
                       const char* b_name, const Napi::Float32Array& b);

// A JS Error for the C++ exception e, "<op>: <message>" (core/error_message.h).
Napi::Error js_error(Napi::Env env, const char* op, std::exception_ptr e);

// Runs fn() and turns any C++ exception other than a Napi::Error (already a JS error) into
// js_error(env, op, ...): the one boundary between C++ and JS. Every binding runs inside it
// (call_binding), and so does module load.
template <class Fn>
auto js_boundary(Napi::Env env, const char* op, Fn&& fn) -> decltype(fn()) {
  std::exception_ptr error;
  try {
    return fn();
  } catch (const Napi::Error&) {
    throw;
  } catch (...) {
    error = std::current_exception();
  }
  throw js_error(env, op, error);
}

// A binding as JS sees it: exports[name] = fn.
using BindingFn = Napi::Value (*)(const Napi::CallbackInfo&);
using Binding = std::pair<const char*, BindingFn>;
// Calls the binding fn, exported as `name`: reads the plain-array arguments first (get_array), then
// runs fn inside js_boundary.
Napi::Value call_binding(const char* name, BindingFn fn, const Napi::CallbackInfo& info);
// Sets each binding on exports, as a JS function of that name that runs through call_binding.
void export_bindings(Napi::Env env, Napi::Object exports, std::initializer_list<Binding> bindings);

inline const float* ptr(const Napi::Float32Array& a) { return a.IsEmpty() ? nullptr : a.Data(); }

}  // namespace nodulab::binding

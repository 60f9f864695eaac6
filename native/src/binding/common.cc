// Implementation of the binding helpers declared in common.h.
#include "binding/common.h"

#include "core/cuda_runtime.h"
#include "core/error_message.h"
#include "core/huge_pages.h"

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>

namespace nodulab::binding {

std::string shape_str(const Shape& s) {
  std::ostringstream o;
  o << "[";
  for (size_t i = 0; i < s.size(); ++i) o << (i ? ", " : "") << s[i];
  o << "]";
  return o.str();
}

int64_t numel(const Shape& s) {
  // -1 when the product would exceed 2^53 (no JS array can be that long), so it never wraps around.
  int64_t n = 1;
  for (int64_t d : s) {
    if (d != 0 && n > (int64_t(1) << 53) / d) return -1;
    n *= d;
  }
  return n;
}

namespace {

// The plain-array arguments of the binding call running on this thread, read before the binding ran
// (call_binding). A getter may call into the addon again, so calls nest: `outer` is the enclosing one.
struct CallArrays {
  const Napi::CallbackInfo* info = nullptr;
  std::vector<std::vector<Napi::Value>> elements;  // per argument: its elements, when it was read
  std::vector<bool> read;                          // whether argument i is an array read here
  CallArrays* outer = nullptr;
};
thread_local CallArrays* t_call = nullptr;

// Makes `call` the current call for its lifetime, after reading every plain-array argument of info
// of at most kMaxArrayArgument entries (element getters run here, and only here).
class CallScope {
 public:
  CallScope(const Napi::CallbackInfo& info, CallArrays& call) : call_(call) {
    call.info = &info;
    call.outer = t_call;
    for (size_t i = 0; i < info.Length(); ++i) {
      if (!info[i].IsArray()) continue;
      Napi::Array arr = info[i].As<Napi::Array>();
      const uint32_t length = arr.Length();
      if (length > kMaxArrayArgument) continue;
      if (call.elements.empty()) {
        call.elements.resize(info.Length());
        call.read.resize(info.Length());
      }
      call.elements[i].reserve(length);
      for (uint32_t k = 0; k < length; ++k) call.elements[i].push_back(arr.Get(k));
      call.read[i] = true;
    }
    t_call = &call;
  }
  ~CallScope() { t_call = call_.outer; }
  CallScope(const CallScope&) = delete;
  CallScope& operator=(const CallScope&) = delete;

 private:
  CallArrays& call_;
};

// Reads info[i] as the typed array Array of `type` (JS name type_name), or throws; refuses a detached one.
template <class Array>
Array get_typed(const Napi::CallbackInfo& info, size_t i, const char* op, const char* name, napi_typedarray_type type,
                const char* type_name) {
  Napi::Env env = info.Env();
  THROW_IF(info.Length() <= i || !info[i].IsTypedArray() || info[i].As<Napi::TypedArray>().TypedArrayType() != type,
           name << " must be " << type_name);
  THROW_IF(info[i].As<Napi::TypedArray>().ArrayBuffer().IsDetached(),
           name << " is detached (its ArrayBuffer was transferred): pass an array that owns its memory");
  return info[i].As<Array>();
}

}  // namespace

const std::vector<Napi::Value>& get_array(const Napi::CallbackInfo& info, size_t i, const char* op, const char* name,
                                          const char* what) {
  Napi::Env env = info.Env();
  const CallArrays* call = t_call;
  THROW_IF(call == nullptr || call->info != &info, name << " was read outside call_binding (a binding bug)");
  THROW_IF(info.Length() <= i || !info[i].IsArray(), name << " must be " << what);
  THROW_IF(i >= call->read.size() || !call->read[i], name << " must be " << what << " of at most " << kMaxArrayArgument
                                                          << " entries, got " << info[i].As<Napi::Array>().Length());
  return call->elements[i];
}

Napi::Float32Array get_f32(const Napi::CallbackInfo& info, size_t i, const char* op, const char* name) {
  return get_typed<Napi::Float32Array>(info, i, op, name, napi_float32_array, "a Float32Array");
}

Napi::Float32Array get_f32_of_shape(const Napi::CallbackInfo& info, size_t i, const char* op, const char* name,
                                    const Shape& shape) {
  Napi::Float32Array a = get_f32(info, i, op, name);
  check_tensor(info.Env(), op, name, a, shape, shape.size());
  return a;
}

Napi::Float32Array get_optional_f32(const Napi::CallbackInfo& info, size_t i, const char* op, const char* name) {
  if (info.Length() <= i || info[i].IsNull() || info[i].IsUndefined()) return Napi::Float32Array();
  return get_f32(info, i, op, name);
}

Napi::Int32Array get_i32(const Napi::CallbackInfo& info, size_t i, const char* op, const char* name) {
  return get_typed<Napi::Int32Array>(info, i, op, name, napi_int32_array, "an Int32Array");
}

Shape get_shape(const Napi::CallbackInfo& info, size_t i, const char* op, const char* name) {
  Napi::Env env = info.Env();
  const std::vector<Napi::Value>& arr = get_array(info, i, op, name, "an array of integers");
  Shape out(arr.size());
  for (size_t k = 0; k < arr.size(); ++k) {
    const Napi::Value& v = arr[k];
    THROW_IF(!v.IsNumber(), name << "[" << k << "] must be a number");
    double d = v.As<Napi::Number>().DoubleValue();
    THROW_IF(!(d >= 0) || d != std::floor(d) || d > 9.0e15, name << "[" << k << "] must be a non-negative integer, got " << d);
    out[k] = static_cast<int64_t>(d);
  }
  return out;
}

double get_number(const Napi::CallbackInfo& info, size_t i, const char* op, const char* name) {
  Napi::Env env = info.Env();
  THROW_IF(info.Length() <= i || !info[i].IsNumber(), name << " must be a number");
  double d = info[i].As<Napi::Number>().DoubleValue();
  THROW_IF(!std::isfinite(d), name << " must be finite, got " << d);
  return d;
}

int64_t get_positive_int(const Napi::CallbackInfo& info, size_t i, const char* op, const char* name) {
  Napi::Env env = info.Env();
  const double value = get_number(info, i, op, name);
  THROW_IF(value < 1 || value != std::floor(value) || value > 9.0e15,
           name << " must be a positive integer, got " << value);
  return static_cast<int64_t>(value);
}

MatrixShape get_matrix_shape(const Napi::CallbackInfo& info, size_t i, const char* op, const char* name,
                             size_t length, const char* rows_name, const char* cols_name) {
  Napi::Env env = info.Env();
  const int64_t r = get_positive_int(info, i, op, rows_name), c = get_positive_int(info, i + 1, op, cols_name);
  const double needed = static_cast<double>(r) * static_cast<double>(c);
  THROW_IF(needed != static_cast<double>(length),
           name << " has " << length << " elements but shape [" << r << ", " << c << "] needs " << needed);
  return {r, c};
}

bool get_bool(const Napi::CallbackInfo& info, size_t i, const char* op, const char* name) {
  Napi::Env env = info.Env();
  THROW_IF(info.Length() <= i || !info[i].IsBoolean(), name << " must be a boolean");
  return info[i].As<Napi::Boolean>().Value();
}

Backend get_backend(const Napi::CallbackInfo& info, size_t i, const char* op) {
  Napi::Env env = info.Env();
  if (info.Length() <= i || info[i].IsUndefined()) return Backend::Cpu;
  THROW_IF(!info[i].IsString(), "backend must be a string");
  Backend b;
  std::string name = info[i].As<Napi::String>().Utf8Value();
  THROW_IF(!parse_backend(name, &b), "unknown backend '" << name << "' (expected ref, cpu or cuda)");
  THROW_IF(b == Backend::Cuda && !cuda::available(), "backend 'cuda' is not available: " << cuda::status());
  return b;
}

void check_tensor(Napi::Env env, const char* op, const char* name, const Napi::Float32Array& arr,
                  const Shape& shape, size_t rank) {
  THROW_IF(shape.size() != rank, name << " must have " << rank << " dimensions, got shape " << shape_str(shape));
  THROW_IF(numel(shape) < 0, name << " shape " << shape_str(shape) << " is too large");
  THROW_IF(static_cast<int64_t>(arr.ElementLength()) != numel(shape),
           name << " has " << arr.ElementLength() << " elements but shape " << shape_str(shape) << " needs "
                << numel(shape));
}

Shape get_ncdhw_shape(const Napi::CallbackInfo& info, size_t i, const char* op, const char* name,
                      bool int32_volume) {
  Napi::Env env = info.Env();
  Shape s = get_shape(info, i, op, name);
  THROW_IF(s.size() != 5, name << " must have 5 dimensions (N, C, D, H, W), got " << shape_str(s));
  for (int64_t d : s) THROW_IF(d < 1, name << " " << shape_str(s) << " has a zero dimension");
  int64_t volume = 1, total = s[0];
  bool overflow = false;
  for (int a = 2; a < 5; ++a) {
    overflow |= __builtin_mul_overflow(volume, s[a], &volume);
    THROW_IF(int32_volume && (overflow || volume > INT32_MAX),
             name << " " << shape_str(s) << ": D*H*W must be below 2^31");
  }
  THROW_IF(overflow || __builtin_mul_overflow(total, s[1], &total) || __builtin_mul_overflow(total, volume, &total) ||
               total > (int64_t(1) << 34),
           name << " " << shape_str(s) << " is too large");
  return s;
}

TensorArg get_tensor(const Napi::CallbackInfo& info, size_t i, const char* op, const char* name,
                     const char* shape_name, ShapeReader read_shape) {
  TensorArg t{get_f32(info, i, op, name), {}};
  t.shape = read_shape(info, i + 1, op, shape_name);
  check_tensor(info.Env(), op, name, t.data, t.shape, t.shape.size());
  return t;
}

TensorArg get_ncdhw_x(const Napi::CallbackInfo& info, const char* op, bool int32_volume) {
  TensorArg x{get_f32(info, 0, op, "x"), get_ncdhw_shape(info, 1, op, "xShape", int32_volume)};
  check_tensor(info.Env(), op, "x", x.data, x.shape, 5);
  return x;
}

void check_channels(Napi::Env env, const char* op, const char* name, const Napi::Float32Array& v, const Shape& xs) {
  if (v.IsEmpty()) return;
  THROW_IF(static_cast<int64_t>(v.ElementLength()) != xs[1],
           name << " has " << v.ElementLength() << " elements but x " << shape_str(xs) << " has " << xs[1]
                << " channels");
}

void check_same_length(Napi::Env env, const char* op, const char* a_name, const Napi::Float32Array& a,
                       const char* b_name, const Napi::Float32Array& b) {
  THROW_IF(a.ElementLength() != b.ElementLength(),
           a_name << " has " << a.ElementLength() << " elements but " << b_name << " has " << b.ElementLength());
}

namespace {
// NODULAB_POISON_OUTPUTS=1 fills every new output with NaN (0xff bytes) before the kernel runs, so a
// test finds any kernel that reads its output before writing all of it (outputs are not zero-filled).
bool poison_outputs() {
  static const bool on = [] {
    const char* env = std::getenv("NODULAB_POISON_OUTPUTS");
    return env && std::strcmp(env, "1") == 0;
  }();
  return on;
}

// A V8-owned ArrayBuffer of n elements, not zero-filled: Node's Buffer allocation skips the memset that
// ArrayBuffer::New does (every kernel writes its whole output). V8 frees it during garbage collection,
// never while JS or an in-flight async call (which holds a reference) can still read it; the freed
// block is then reused, already mapped, by a later allocation (enable_heap_reuse). N-API finalizers of
// external buffers only run when the event loop turns, so a synchronous training loop would never
// release them: that is why the memory stays V8's. Large buffers are advised to use transparent huge
// pages: one fault per 2 MiB instead of one per 4 KiB the first time a kernel writes them.
Napi::ArrayBuffer new_buffer(Napi::Env env, int64_t n, size_t elem_size, void** data) {
  const char* op = "alloc";
  THROW_IF(n < 0 || n > (int64_t(1) << 34), "cannot allocate " << n << " elements");
  const size_t bytes = static_cast<size_t>(n) * elem_size;
  Napi::ArrayBuffer buf = Napi::Buffer<uint8_t>::New(env, bytes).ArrayBuffer();
  *data = buf.Data();
  if (poison_outputs()) std::memset(*data, 0xff, bytes);  // NaN floats, -1 ints
  advise_huge_pages(*data, bytes);
  return buf;
}
}  // namespace

Napi::Float32Array new_f32(Napi::Env env, int64_t n, float** data) {
  void* mem;
  Napi::ArrayBuffer buf = new_buffer(env, n, sizeof(float), &mem);
  *data = static_cast<float*>(mem);
  return Napi::Float32Array::New(env, static_cast<size_t>(n), buf, 0);
}

Napi::Int32Array new_i32(Napi::Env env, int64_t n, int32_t** data) {
  void* mem;
  Napi::ArrayBuffer buf = new_buffer(env, n, sizeof(int32_t), &mem);
  *data = static_cast<int32_t*>(mem);
  return Napi::Int32Array::New(env, static_cast<size_t>(n), buf, 0, napi_int32_array);
}

Napi::Object new_object(Napi::Env env, std::initializer_list<std::pair<const char*, Napi::Value>> fields) {
  Napi::Object o = Napi::Object::New(env);
  for (const auto& [name, value] : fields) o.Set(name, value);
  return o;
}

Napi::Error js_error(Napi::Env env, const char* op, std::exception_ptr e) {
  const std::string message = error_message(e, op);
  return Napi::Error::New(env, message.empty() ? "nodulab: a native call failed (out of memory)" : message);
}

Napi::Value call_binding(const char* name, BindingFn fn, const Napi::CallbackInfo& info) {
  return js_boundary(info.Env(), name, [&] {
    CallArrays call;
    CallScope scope(info, call);
    return fn(info);
  });
}

void export_bindings(Napi::Env env, Napi::Object exports, std::initializer_list<Binding> bindings) {
  for (const auto& [name, fn] : bindings) {
    auto guarded = [name = name, fn = fn](const Napi::CallbackInfo& info) { return call_binding(name, fn, info); };
    exports.Set(name, Napi::Function::New(env, guarded, name));
  }
}

}  // namespace nodulab::binding

// Exceptions never leave a thread: a chunk that throws on a pool thread is rethrown on the caller once
// every chunk has finished, and the pool keeps working; error_message turns any exception into one line.
#include <atomic>
#include <new>
#include <stdexcept>
#include <string>
#include <type_traits>

#include "core/cuda_runtime.h"
#include "core/error_message.h"
#include "core/thread_pool.h"
#include "test/harness.h"

namespace nodulab::test {
namespace {

// Runs fn and returns the message of the std::exception it throws ("" when it throws none).
template <class Fn>
std::string thrown_message(Fn&& fn) {
  try {
    fn();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

// Restores the thread count a test changed.
struct ThreadCountGuard {
  int saved = get_num_threads();
  ~ThreadCountGuard() { set_num_threads(saved); }
};

}  // namespace

NODULAB_TEST(thread_pool_rethrows_a_chunk_exception_on_the_caller) {
  ThreadCountGuard guard;
  set_num_threads(4);  // pool threads exist even on a 1- or 2-core machine
  for (int thrower = 0; thrower < 4; ++thrower) {
    std::atomic<int> finished{0};
    const std::string got = thrown_message([&] {
      parallel_chunks(4, 4, [&](int chunk, int64_t, int64_t) {
        if (chunk == thrower) throw std::runtime_error("chunk " + std::to_string(chunk) + " failed");
        finished.fetch_add(1);
      });
    });
    expect(got == "chunk " + std::to_string(thrower) + " failed",
           "chunk " + std::to_string(thrower) + "'s exception reaches the caller, got '" + got + "'");
    expect(finished.load() == 3, "the other chunks ran to the end: " + std::to_string(finished.load()) + " of 3");
  }
  bool bad_alloc = false;
  try {
    parallel_for(1000, 1, [](int64_t begin, int64_t) {
      if (begin > 0) throw std::bad_alloc();
    });
  } catch (const std::bad_alloc&) {
    bad_alloc = true;
  }
  expect(bad_alloc, "a std::bad_alloc from a pool thread keeps its type on the caller");
  std::atomic<int64_t> sum{0};
  parallel_for(1000, 1, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) sum.fetch_add(i);
  });
  expect(sum.load() == 999 * 1000 / 2, "the pool runs the next region after exceptions");
}

NODULAB_TEST(thread_pool_nested_region_exception_reaches_the_caller) {
  ThreadCountGuard guard;
  set_num_threads(3);
  const std::string got = thrown_message([] {
    parallel_for(3, 1, [](int64_t outer, int64_t) {
      parallel_for(10, 1, [outer](int64_t, int64_t) {
        if (outer == 2) throw std::out_of_range("inner");
      });
    });
  });
  expect(got == "inner", "an exception from a nested (serial) region reaches the caller, got '" + got + "'");
}

NODULAB_TEST(error_message_names_the_op_once) {
  auto message = [](auto&& thrown) { return error_message(std::make_exception_ptr(thrown), "relu"); };
  const std::string boom = message(std::runtime_error("boom")), oom = message(std::bad_alloc());
  expect(boom == "relu: boom", "prefixes the op: " + boom);
  expect(message(std::runtime_error("relu: cuda failed")) == "relu: cuda failed", "keeps a message naming the op");
  expect(message(std::runtime_error("relux: other")) == "relu: relux: other", "a longer name is not the op");
  expect(oom == "relu: out of memory (a native allocation failed)", "bad_alloc: " + oom);
  expect(message(42) == "relu: unknown native exception", "a non-std exception: " + message(42));
  expect(error_message(nullptr, "relu") == "relu: unknown native exception", "a null exception_ptr");
}

NODULAB_TEST(device_memory_frees_never_throw) {
  static_assert(noexcept(cuda::device_free(nullptr)), "device_free runs in destructors and finalizers");
  static_assert(std::is_nothrow_destructible_v<cuda::DeviceBuffer<float>>, "DeviceBuffer's destructor");
  cuda::device_free(nullptr);
  if (!cuda::available()) {
    const std::string got = thrown_message([] { cuda::DeviceBuffer<float> b(16, "test_op"); });
    expect(got.rfind("test_op: ", 0) == 0, "device_alloc without a device throws naming the op, got '" + got + "'");
  }
}

}  // namespace nodulab::test

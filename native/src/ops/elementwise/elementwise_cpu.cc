// Fast CPU elementwise arithmetic: vectorizable loops split across the thread pool.
#include "core/thread_pool.h"
#include "ops/elementwise/elementwise.h"

namespace nodulab {
namespace {
constexpr int64_t kGrain = 1 << 15;
}

void axpby_cpu(int64_t n, float alpha, const float* x, float beta, const float* y, float* out) {
  parallel_for(n, kGrain, [=](int64_t b, int64_t e) {
    if (beta == 0.f) {  // alpha*x alone: y may hold anything, even NaN, and must not leak in
      for (int64_t i = b; i < e; ++i) out[i] = alpha * x[i];
    } else {
      for (int64_t i = b; i < e; ++i) out[i] = alpha * x[i] + beta * y[i];
    }
  });
}

void mul_cpu(int64_t n, const float* a, const float* b, float* out) {
  parallel_for(n, kGrain, [=](int64_t s, int64_t e) {
    for (int64_t i = s; i < e; ++i) out[i] = a[i] * b[i];
  });
}

}  // namespace nodulab

// Fast CPU activations: memory-bound loops the compiler vectorizes, split across the thread pool.
#include <cmath>

#include "core/thread_pool.h"
#include "ops/activation/activation.h"

namespace nodulab {
namespace {
constexpr int64_t kGrain = 1 << 15;  // elements per chunk: keeps tiny tensors single-threaded
}

void relu_cpu(int64_t n, const float* x, float* y) {
  parallel_for(n, kGrain, [=](int64_t b, int64_t e) {
    // x != x keeps NaN; the select form vectorizes.
    for (int64_t i = b; i < e; ++i) y[i] = (x[i] > 0.f || x[i] != x[i]) ? x[i] : 0.f;
  });
}
void relu_grad_cpu(int64_t n, const float* x, const float* dy, float* dx) {
  parallel_for(n, kGrain, [=](int64_t b, int64_t e) {
    // Load dy unconditionally so the select vectorizes (a conditional load does not).
    for (int64_t i = b; i < e; ++i) {
      const float g = dy[i];
      dx[i] = x[i] > 0.f ? g : 0.f;
    }
  });
}
void leaky_relu_cpu(int64_t n, float alpha, const float* x, float* y) {
  parallel_for(n, kGrain, [=](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      const float v = x[i];
      y[i] = v > 0.f ? v : alpha * v;
    }
  });
}
void leaky_relu_grad_cpu(int64_t n, float alpha, const float* x, const float* dy, float* dx) {
  parallel_for(n, kGrain, [=](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      const float g = dy[i];
      dx[i] = x[i] > 0.f ? g : alpha * g;
    }
  });
}
void sigmoid_cpu(int64_t n, const float* x, float* y) {
  parallel_for(n, kGrain, [=](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) y[i] = 1.f / (1.f + std::exp(-x[i]));
  });
}
void sigmoid_grad_cpu(int64_t n, const float* y, const float* dy, float* dx) {
  parallel_for(n, kGrain, [=](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) dx[i] = dy[i] * y[i] * (1.f - y[i]);
  });
}

}  // namespace nodulab

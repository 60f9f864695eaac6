// Fast CPU softmax / log-softmax: rows split across the thread pool; within a row, a vectorizable
// exp (fast_exp.h) and sums kept in 8 fixed lanes combined in a fixed order (deterministic).
#include <algorithm>
#include <cmath>

#include "core/thread_pool.h"
#include "ops/softmax/fast_exp.h"
#include "ops/softmax/softmax.h"

namespace nodulab {
namespace {

constexpr int kLanes = 8;

int64_t row_grain(int64_t cols) { return std::max<int64_t>(1, (1 << 14) / std::max<int64_t>(cols, 1)); }

// Sum of v[0..n) accumulated in kLanes interleaved partial sums, then added in lane order.
float lane_sum(const float* v, int64_t n) {
  float part[kLanes] = {};
  int64_t j = 0;
  for (; j + kLanes <= n; j += kLanes)
    for (int l = 0; l < kLanes; ++l) part[l] += v[j + l];
  float s = 0.f;
  for (; j < n; ++j) s += v[j];
  for (int l = 0; l < kLanes; ++l) s += part[l];
  return s;
}

// Sum of a[j] * b[j], as lane_sum.
float lane_dot(const float* a, const float* b, int64_t n) {
  float part[kLanes] = {};
  int64_t j = 0;
  for (; j + kLanes <= n; j += kLanes)
    for (int l = 0; l < kLanes; ++l) part[l] += a[j + l] * b[j + l];
  float s = 0.f;
  for (; j < n; ++j) s += a[j] * b[j];
  for (int l = 0; l < kLanes; ++l) s += part[l];
  return s;
}

// Max of a row, NaN ignored (a NaN still reaches the output through exp(NaN - max)).
float row_max(const float* x, int64_t n) {
  float part[kLanes];
  std::fill(part, part + kLanes, -INFINITY);
  int64_t j = 0;
  for (; j + kLanes <= n; j += kLanes)
    for (int l = 0; l < kLanes; ++l) part[l] = x[j + l] > part[l] ? x[j + l] : part[l];
  float m = -INFINITY;
  for (; j < n; ++j) m = x[j] > m ? x[j] : m;
  for (int l = 0; l < kLanes; ++l) m = part[l] > m ? part[l] : m;
  return m;
}

// Writes e = exp(x - max) into out and returns (max, sum of e).
void exp_shifted(const float* x, int64_t n, float* out, float* max, float* sum) {
  const float m = row_max(x, n);
  for (int64_t j = 0; j < n; ++j) out[j] = fast_exp(x[j] - m);
  *max = m;
  *sum = lane_sum(out, n);
}

}  // namespace

void softmax_cpu(int64_t rows, int64_t cols, const float* x, float* y) {
  parallel_for(rows, row_grain(cols), [=](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      float* yr = y + i * cols;
      float m, s;
      exp_shifted(x + i * cols, cols, yr, &m, &s);
      const float inv = 1.f / s;
      for (int64_t j = 0; j < cols; ++j) yr[j] *= inv;
    }
  });
}

void log_softmax_cpu(int64_t rows, int64_t cols, const float* x, float* y) {
  parallel_for(rows, row_grain(cols), [=](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      const float* xr = x + i * cols;
      float* yr = y + i * cols;
      float m, s;
      exp_shifted(xr, cols, yr, &m, &s);  // yr is scratch here, overwritten below
      const float shift = m + std::log(s);
      for (int64_t j = 0; j < cols; ++j) yr[j] = xr[j] - shift;
    }
  });
}

void softmax_grad_cpu(int64_t rows, int64_t cols, const float* y, const float* dy, float* dx) {
  parallel_for(rows, row_grain(cols), [=](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      const float* yr = y + i * cols;
      const float* gr = dy + i * cols;
      const float dot = lane_dot(gr, yr, cols);
      for (int64_t j = 0; j < cols; ++j) dx[i * cols + j] = yr[j] * (gr[j] - dot);
    }
  });
}

void log_softmax_grad_cpu(int64_t rows, int64_t cols, const float* y, const float* dy, float* dx) {
  parallel_for(rows, row_grain(cols), [=](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      const float* yr = y + i * cols;
      const float* gr = dy + i * cols;
      const float total = lane_sum(gr, cols);
      for (int64_t j = 0; j < cols; ++j) dx[i * cols + j] = gr[j] - fast_exp(yr[j]) * total;
    }
  });
}

}  // namespace nodulab

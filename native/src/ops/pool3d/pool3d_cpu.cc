// Fast CPU 3-D pooling: output rows (n, c, od, oh) split across the thread pool, backward passes
// per (n, c) plane (each plane written by one thread: deterministic), and a vector path for the
// common 2x2x2 stride-2 max pool chosen by ISA at run time.
#include <algorithm>
#include <cstring>
#include <limits>

#include "core/cpu_features.h"
#include "core/thread_pool.h"
#include "ops/pool3d/pool3d.h"

namespace nodulab {
namespace {

constexpr int64_t kGrainWork = 1 << 14;  // window elements visited per chunk, at least

int64_t row_grain(const Pool3dGeom& g) {
  return std::max<int64_t>(1, kGrainWork / std::max<int64_t>(1, g.ow * g.kd * g.kh * g.kw));
}

// Scalar 2x2x2 stride-2 row: the same scan order and rule as the reference.
void max_pool222_row_scalar(const float* x0, int32_t base, int64_t w, int64_t hw, int64_t ow, float* y,
                            int32_t* indices) {
  max_pool222_row_tail(x0, base, w, hw, 0, ow, y, indices);
}

// One output row (plane p, od, oh) of a general max pool.
void max_pool_row(const Pool3dGeom& g, const float* xp, int64_t od, int64_t oh, float* y, int32_t* indices) {
  const int64_t z0 = std::max<int64_t>(od * g.sd - g.pd, 0), z1 = std::min(od * g.sd - g.pd + g.kd, g.d);
  const int64_t y0 = std::max<int64_t>(oh * g.sh - g.ph, 0), y1 = std::min(oh * g.sh - g.ph + g.kh, g.h);
  for (int64_t ow = 0; ow < g.ow; ++ow) {
    const int64_t x0 = std::max<int64_t>(ow * g.sw - g.pw, 0), x1 = std::min(ow * g.sw - g.pw + g.kw, g.w);
    float best = -std::numeric_limits<float>::infinity();
    int32_t best_index = static_cast<int32_t>((z0 * g.h + y0) * g.w + x0);
    for (int64_t z = z0; z < z1; ++z)
      for (int64_t yy = y0; yy < y1; ++yy) {
        const int64_t row = (z * g.h + yy) * g.w;
        for (int64_t xx = x0; xx < x1; ++xx) max_pool_take(xp[row + xx], static_cast<int32_t>(row + xx), best, best_index);
      }
    y[ow] = best;
    indices[ow] = best_index;
  }
}

// The in-bounds part [z0, z1) x [y0, y1) x [x0, x1) of output (od, oh, ow)'s average-pool window and
// its divisor: the padded window's size with count_include_pad, else the in-bounds element count.
struct AvgWindow {
  int64_t z0, z1, y0, y1, x0, x1, divisor;
};

AvgWindow avg_window(const Pool3dGeom& g, bool count_include_pad, int64_t od, int64_t oh, int64_t ow) {
  const int64_t zs = od * g.sd - g.pd, ys = oh * g.sh - g.ph, xs = ow * g.sw - g.pw;
  AvgWindow a{std::max<int64_t>(zs, 0), std::min(zs + g.kd, g.d), std::max<int64_t>(ys, 0), std::min(ys + g.kh, g.h),
              std::max<int64_t>(xs, 0), std::min(xs + g.kw, g.w), 0};
  a.divisor = count_include_pad ? (std::min(zs + g.kd, g.d + g.pd) - zs) * (std::min(ys + g.kh, g.h + g.ph) - ys) *
                                      (std::min(xs + g.kw, g.w + g.pw) - xs)
                                : (a.z1 - a.z0) * (a.y1 - a.y0) * (a.x1 - a.x0);
  return a;
}

}  // namespace

void max_pool3d_cpu(const Pool3dGeom& g, const float* x, float* y, int32_t* indices) {
  const int64_t rows = g.planes() * g.od * g.oh;
  const bool fast = g.is_222();
  const Isa isa = active_isa();
  auto row222 = isa == Isa::Avx512 ? &max_pool222_row_avx512
                : isa == Isa::Avx2 ? &max_pool222_row_avx2
                                   : &max_pool222_row_scalar;
  parallel_for(rows, row_grain(g), [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) {
      const int64_t p = r / (g.od * g.oh), od = (r / g.oh) % g.od, oh = r % g.oh;
      const float* xp = x + p * g.in_plane();
      float* yr = y + r * g.ow;
      int32_t* ir = indices + r * g.ow;
      if (fast) {
        const int64_t base = (2 * od * g.h + 2 * oh) * g.w;
        row222(xp + base, static_cast<int32_t>(base), g.w, g.h * g.w, g.ow, yr, ir);
      } else {
        max_pool_row(g, xp, od, oh, yr, ir);
      }
    }
  });
}

void max_pool3d_grad_cpu(const Pool3dGeom& g, const float* dy, const int32_t* indices, float* dx) {
  const int64_t in = g.in_plane(), out = g.out_plane();
  parallel_for(g.planes(), std::max<int64_t>(1, kGrainWork / std::max<int64_t>(1, in)), [&](int64_t b, int64_t e) {
    for (int64_t p = b; p < e; ++p) {
      float* dxp = dx + p * in;
      const float* dyp = dy + p * out;
      const int32_t* ip = indices + p * out;
      std::memset(dxp, 0, sizeof(float) * in);
      for (int64_t o = 0; o < out; ++o) dxp[ip[o]] += dyp[o];
    }
  });
}

void avg_pool3d_cpu(const Pool3dGeom& g, bool count_include_pad, const float* x, float* y) {
  const int64_t rows = g.planes() * g.od * g.oh;
  parallel_for(rows, row_grain(g), [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) {
      const int64_t p = r / (g.od * g.oh), od = (r / g.oh) % g.od, oh = r % g.oh;
      const float* xp = x + p * g.in_plane();
      for (int64_t ow = 0; ow < g.ow; ++ow) {
        const AvgWindow a = avg_window(g, count_include_pad, od, oh, ow);
        float sum = 0.f;
        for (int64_t z = a.z0; z < a.z1; ++z)
          for (int64_t yy = a.y0; yy < a.y1; ++yy) {
            const float* row = xp + (z * g.h + yy) * g.w;
            for (int64_t xx = a.x0; xx < a.x1; ++xx) sum += row[xx];
          }
        y[r * g.ow + ow] = sum / static_cast<float>(a.divisor);
      }
    }
  });
}

void avg_pool3d_grad_cpu(const Pool3dGeom& g, bool count_include_pad, const float* dy, float* dx) {
  const int64_t in = g.in_plane(), out = g.out_plane();
  parallel_for(g.planes(), std::max<int64_t>(1, kGrainWork / std::max<int64_t>(1, in)), [&](int64_t b, int64_t e) {
    for (int64_t p = b; p < e; ++p) {
      float* dxp = dx + p * in;
      const float* dyp = dy + p * out;
      std::memset(dxp, 0, sizeof(float) * in);
      for (int64_t od = 0; od < g.od; ++od)
        for (int64_t oh = 0; oh < g.oh; ++oh)
          for (int64_t ow = 0; ow < g.ow; ++ow) {
            const AvgWindow a = avg_window(g, count_include_pad, od, oh, ow);
            const float share = dyp[(od * g.oh + oh) * g.ow + ow] / static_cast<float>(a.divisor);
            for (int64_t z = a.z0; z < a.z1; ++z)
              for (int64_t yy = a.y0; yy < a.y1; ++yy) {
                float* row = dxp + (z * g.h + yy) * g.w;
                for (int64_t xx = a.x0; xx < a.x1; ++xx) row[xx] += share;
              }
          }
    }
  });
}

void global_avg_pool3d_cpu(int64_t planes, int64_t size, const float* x, float* y) {
  parallel_for(planes, std::max<int64_t>(1, kGrainWork / std::max<int64_t>(1, size)), [&](int64_t b, int64_t e) {
    for (int64_t p = b; p < e; ++p) {
      const float* xp = x + p * size;
      double lanes[8] = {0, 0, 0, 0, 0, 0, 0, 0};  // independent lanes: vectorizable, fixed order
      int64_t i = 0;
      for (; i + 8 <= size; i += 8)
        for (int j = 0; j < 8; ++j) lanes[j] += xp[i + j];
      double sum = 0;
      for (; i < size; ++i) sum += xp[i];
      for (int j = 0; j < 8; ++j) sum += lanes[j];
      y[p] = static_cast<float>(sum / static_cast<double>(size));
    }
  });
}

void global_avg_pool3d_grad_cpu(int64_t planes, int64_t size, const float* dy, float* dx) {
  parallel_for(planes, std::max<int64_t>(1, kGrainWork / std::max<int64_t>(1, size)), [&](int64_t b, int64_t e) {
    for (int64_t p = b; p < e; ++p) std::fill(dx + p * size, dx + (p + 1) * size, dy[p] / static_cast<float>(size));
  });
}

}  // namespace nodulab

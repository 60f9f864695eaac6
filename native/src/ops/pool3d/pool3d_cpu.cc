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

bool is_222(const Pool3dGeom& g) {
  return g.kd == 2 && g.kh == 2 && g.kw == 2 && g.sd == 2 && g.sh == 2 && g.sw == 2 && g.pd == 0 && g.ph == 0 &&
         g.pw == 0;
}

// Scalar 2x2x2 stride-2 row: the same scan order and rule as the reference.
void max_pool222_row_scalar(const float* x0, int32_t base, int64_t w, int64_t hw, int64_t ow, float* y,
                            int32_t* indices) {
  const int64_t offsets[8] = {0, 1, w, w + 1, hw, hw + 1, hw + w, hw + w + 1};
  for (int64_t o = 0; o < ow; ++o) {
    float best = -std::numeric_limits<float>::infinity();
    int32_t best_index = base + static_cast<int32_t>(2 * o);
    for (int64_t k = 0; k < 8; ++k) {
      const int64_t i = 2 * o + offsets[k];
      max_pool_take(x0[i], base + static_cast<int32_t>(i), best, best_index);
    }
    y[o] = best;
    indices[o] = best_index;
  }
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

}  // namespace

void max_pool3d_cpu(const Pool3dGeom& g, const float* x, float* y, int32_t* indices) {
  const int64_t rows = g.planes() * g.od * g.oh;
  const bool fast = is_222(g);
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
      const int64_t zs = od * g.sd - g.pd, ys = oh * g.sh - g.ph;
      const int64_t z0 = std::max<int64_t>(zs, 0), z1 = std::min(zs + g.kd, g.d);
      const int64_t y0 = std::max<int64_t>(ys, 0), y1 = std::min(ys + g.kh, g.h);
      const int64_t zy_padded = (std::min(zs + g.kd, g.d + g.pd) - zs) * (std::min(ys + g.kh, g.h + g.ph) - ys);
      for (int64_t ow = 0; ow < g.ow; ++ow) {
        const int64_t xs = ow * g.sw - g.pw;
        const int64_t x0 = std::max<int64_t>(xs, 0), x1 = std::min(xs + g.kw, g.w);
        const int64_t divisor = count_include_pad ? zy_padded * (std::min(xs + g.kw, g.w + g.pw) - xs)
                                                  : (z1 - z0) * (y1 - y0) * (x1 - x0);
        float sum = 0.f;
        for (int64_t z = z0; z < z1; ++z)
          for (int64_t yy = y0; yy < y1; ++yy) {
            const float* row = xp + (z * g.h + yy) * g.w;
            for (int64_t xx = x0; xx < x1; ++xx) sum += row[xx];
          }
        y[r * g.ow + ow] = sum / static_cast<float>(divisor);
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
      for (int64_t od = 0; od < g.od; ++od) {
        const int64_t zs = od * g.sd - g.pd;
        const int64_t z0 = std::max<int64_t>(zs, 0), z1 = std::min(zs + g.kd, g.d);
        for (int64_t oh = 0; oh < g.oh; ++oh) {
          const int64_t ys = oh * g.sh - g.ph;
          const int64_t y0 = std::max<int64_t>(ys, 0), y1 = std::min(ys + g.kh, g.h);
          const int64_t zy_padded = (std::min(zs + g.kd, g.d + g.pd) - zs) * (std::min(ys + g.kh, g.h + g.ph) - ys);
          for (int64_t ow = 0; ow < g.ow; ++ow) {
            const int64_t xs = ow * g.sw - g.pw;
            const int64_t x0 = std::max<int64_t>(xs, 0), x1 = std::min(xs + g.kw, g.w);
            const int64_t divisor = count_include_pad ? zy_padded * (std::min(xs + g.kw, g.w + g.pw) - xs)
                                                      : (z1 - z0) * (y1 - y0) * (x1 - x0);
            const float share = dyp[(od * g.oh + oh) * g.ow + ow] / static_cast<float>(divisor);
            for (int64_t z = z0; z < z1; ++z)
              for (int64_t yy = y0; yy < y1; ++yy) {
                float* row = dxp + (z * g.h + yy) * g.w;
                for (int64_t xx = x0; xx < x1; ++xx) row[xx] += share;
              }
          }
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

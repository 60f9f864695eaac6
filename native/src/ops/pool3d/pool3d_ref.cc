// Reference 3-D pooling: one obvious loop nest per kernel, straight from the PyTorch definitions.
#include <algorithm>
#include <limits>

#include "ops/pool3d/pool3d.h"

namespace nodulab {

namespace {

// The window of output (od, oh, ow) clipped to the real input, and its average-pool divisor.
struct Window {
  int64_t z0, z1, y0, y1, x0, x1;
  int64_t divisor;
};

Window window(const Pool3dGeom& g, int64_t od, int64_t oh, int64_t ow, bool count_include_pad) {
  Window win;
  int64_t z0 = od * g.sd - g.pd, y0 = oh * g.sh - g.ph, x0 = ow * g.sw - g.pw;
  int64_t z1 = std::min(z0 + g.kd, g.d + g.pd), y1 = std::min(y0 + g.kh, g.h + g.ph),
          x1 = std::min(x0 + g.kw, g.w + g.pw);
  const int64_t padded_size = (z1 - z0) * (y1 - y0) * (x1 - x0);
  win.z0 = std::max<int64_t>(z0, 0), win.y0 = std::max<int64_t>(y0, 0), win.x0 = std::max<int64_t>(x0, 0);
  win.z1 = std::min(z1, g.d), win.y1 = std::min(y1, g.h), win.x1 = std::min(x1, g.w);
  win.divisor = count_include_pad ? padded_size : (win.z1 - win.z0) * (win.y1 - win.y0) * (win.x1 - win.x0);
  return win;
}

// Calls fn(p, o, win) for every output, in (plane p, od, oh, ow) order: o is its flat index, win its window.
template <class Fn>
void for_each_window(const Pool3dGeom& g, bool count_include_pad, Fn fn) {
  for (int64_t p = 0; p < g.planes(); ++p)
    for (int64_t od = 0; od < g.od; ++od)
      for (int64_t oh = 0; oh < g.oh; ++oh)
        for (int64_t ow = 0; ow < g.ow; ++ow)
          fn(p, p * g.out_plane() + (od * g.oh + oh) * g.ow + ow, window(g, od, oh, ow, count_include_pad));
}

// Calls fn(i) for each input element of win in scan order (d, h, w); i is its flat index in the plane.
template <class Fn>
void for_each_in_window(const Pool3dGeom& g, const Window& win, Fn fn) {
  for (int64_t z = win.z0; z < win.z1; ++z)
    for (int64_t yy = win.y0; yy < win.y1; ++yy)
      for (int64_t xx = win.x0; xx < win.x1; ++xx) fn((z * g.h + yy) * g.w + xx);
}

}  // namespace

template <class T> void max_pool3d_ref(const Pool3dGeom& g, const T* x, T* y, int32_t* indices) {
  for_each_window(g, true, [&](int64_t p, int64_t o, const Window& win) {
    const T* xp = x + p * g.in_plane();
    T best = -std::numeric_limits<T>::infinity();
    int32_t best_index = static_cast<int32_t>((win.z0 * g.h + win.y0) * g.w + win.x0);
    for_each_in_window(g, win, [&](int64_t i) { max_pool_take(xp[i], static_cast<int32_t>(i), best, best_index); });
    y[o] = best;
    indices[o] = best_index;
  });
}

template <class T> void max_pool3d_grad_ref(const Pool3dGeom& g, const T* dy, const int32_t* indices, T* dx) {
  std::fill(dx, dx + g.planes() * g.in_plane(), T(0));
  for (int64_t p = 0; p < g.planes(); ++p)
    for (int64_t o = 0; o < g.out_plane(); ++o)
      dx[p * g.in_plane() + indices[p * g.out_plane() + o]] += dy[p * g.out_plane() + o];
}

template <class T> void avg_pool3d_ref(const Pool3dGeom& g, bool count_include_pad, const T* x, T* y) {
  for_each_window(g, count_include_pad, [&](int64_t p, int64_t o, const Window& win) {
    const T* xp = x + p * g.in_plane();
    T sum = 0;
    for_each_in_window(g, win, [&](int64_t i) { sum += xp[i]; });
    y[o] = sum / static_cast<T>(win.divisor);
  });
}

template <class T> void avg_pool3d_grad_ref(const Pool3dGeom& g, bool count_include_pad, const T* dy, T* dx) {
  std::fill(dx, dx + g.planes() * g.in_plane(), T(0));
  for_each_window(g, count_include_pad, [&](int64_t p, int64_t o, const Window& win) {
    T* dxp = dx + p * g.in_plane();
    const T share = dy[o] / static_cast<T>(win.divisor);
    for_each_in_window(g, win, [&](int64_t i) { dxp[i] += share; });
  });
}

template <class T> void global_avg_pool3d_ref(int64_t planes, int64_t size, const T* x, T* y) {
  for (int64_t p = 0; p < planes; ++p) {
    double sum = 0;
    for (int64_t i = 0; i < size; ++i) sum += x[p * size + i];
    y[p] = static_cast<T>(sum / static_cast<double>(size));
  }
}

template <class T> void global_avg_pool3d_grad_ref(int64_t planes, int64_t size, const T* dy, T* dx) {
  for (int64_t p = 0; p < planes; ++p)
    for (int64_t i = 0; i < size; ++i) dx[p * size + i] = dy[p] / static_cast<T>(size);
}

#define NODULAB_INSTANTIATE(T)                                                                        \
  template void max_pool3d_ref<T>(const Pool3dGeom&, const T*, T*, int32_t*);                         \
  template void max_pool3d_grad_ref<T>(const Pool3dGeom&, const T*, const int32_t*, T*);              \
  template void avg_pool3d_ref<T>(const Pool3dGeom&, bool, const T*, T*);                             \
  template void avg_pool3d_grad_ref<T>(const Pool3dGeom&, bool, const T*, T*);                        \
  template void global_avg_pool3d_ref<T>(int64_t, int64_t, const T*, T*);                             \
  template void global_avg_pool3d_grad_ref<T>(int64_t, int64_t, const T*, T*);
NODULAB_INSTANTIATE(float)
NODULAB_INSTANTIATE(double)
#undef NODULAB_INSTANTIATE

}  // namespace nodulab

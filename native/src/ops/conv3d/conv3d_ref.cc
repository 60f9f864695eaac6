// Reference Conv3D, Conv3DBackpropInput and Conv3DBackpropFilter: direct loops over every output
// and every filter tap, skipping taps that land in the zero padding.
#include <algorithm>

#include "ops/conv3d/conv3d.h"

namespace nodulab {
namespace {

// Calls fn(x_index, w_index) for each tap of output (od, oh, ow) that lands inside the input of
// channel ci (indices relative to the (ci) input volume and the (co, ci) filter).
template <class Fn>
void for_each_tap(const Conv3DParams& p, int64_t od, int64_t oh, int64_t ow, Fn fn) {
  for (int64_t kd = 0; kd < p.kD; ++kd) {
    const int64_t id = od * p.stride[0] - p.padding[0] + kd * p.dilation[0];
    if (id < 0 || id >= p.D) continue;
    for (int64_t kh = 0; kh < p.kH; ++kh) {
      const int64_t ih = oh * p.stride[1] - p.padding[1] + kh * p.dilation[1];
      if (ih < 0 || ih >= p.H) continue;
      for (int64_t kw = 0; kw < p.kW; ++kw) {
        const int64_t iw = ow * p.stride[2] - p.padding[2] + kw * p.dilation[2];
        if (iw < 0 || iw >= p.W) continue;
        fn((id * p.H + ih) * p.W + iw, (kd * p.kH + kh) * p.kW + kw);
      }
    }
  }
}

// One output of the convolution: batch n, channel co, position (od, oh, ow), flat index o into y.
struct OutPos {
  int64_t n, co, od, oh, ow, o;
};

// Calls fn(at) for every output, in (n, co, od, oh, ow) order.
template <class Fn>
void for_each_output(const Conv3DParams& p, Fn fn) {
  for (int64_t n = 0; n < p.N; ++n)
    for (int64_t co = 0; co < p.Co; ++co)
      for (int64_t od = 0; od < p.oD; ++od)
        for (int64_t oh = 0; oh < p.oH; ++oh)
          for (int64_t ow = 0; ow < p.oW; ++ow)
            fn(OutPos{n, co, od, oh, ow, (((n * p.Co + co) * p.oD + od) * p.oH + oh) * p.oW + ow});
}

// Calls fn(x_index, w_index) for each input channel ci in order and each tap of output `at` that lands
// inside the input (flat indices into x (N,Ci,D,H,W) and w (Co,Ci,kD,kH,kW)).
template <class Fn>
void for_each_input(const Conv3DParams& p, const OutPos& at, Fn fn) {
  const int64_t S = p.in_spatial(), KS = p.kD * p.kH * p.kW;
  for (int64_t ci = 0; ci < p.Ci; ++ci) {
    const int64_t x0 = (at.n * p.Ci + ci) * S, w0 = (at.co * p.Ci + ci) * KS;
    for_each_tap(p, at.od, at.oh, at.ow, [&](int64_t xi, int64_t wi) { fn(x0 + xi, w0 + wi); });
  }
}

}  // namespace

template <class T> void conv3d_ref(const Conv3DParams& p, const T* x, const T* w, const T* b, T* y) {
  for_each_output(p, [&](const OutPos& at) {
    T s = b ? b[at.co] : T(0);
    for_each_input(p, at, [&](int64_t xi, int64_t wi) { s += w[wi] * x[xi]; });
    y[at.o] = s;
  });
}

template <class T> void conv3d_backprop_input_ref(const Conv3DParams& p, const T* dy, const T* w, T* dx) {
  std::fill(dx, dx + p.N * p.Ci * p.in_spatial(), T(0));
  for_each_output(p, [&](const OutPos& at) {
    const T g = dy[at.o];
    for_each_input(p, at, [&](int64_t xi, int64_t wi) { dx[xi] += w[wi] * g; });
  });
}

template <class T> void conv3d_backprop_filter_ref(const Conv3DParams& p, const T* x, const T* dy, T* dw, T* db) {
  std::fill(dw, dw + p.Co * p.Ci * p.kD * p.kH * p.kW, T(0));
  if (db) std::fill(db, db + p.Co, T(0));
  for_each_output(p, [&](const OutPos& at) {
    const T g = dy[at.o];
    if (db) db[at.co] += g;
    for_each_input(p, at, [&](int64_t xi, int64_t wi) { dw[wi] += x[xi] * g; });
  });
}

#define NODULAB_INSTANTIATE(T)                                                                      \
  template void conv3d_ref<T>(const Conv3DParams&, const T*, const T*, const T*, T*);              \
  template void conv3d_backprop_input_ref<T>(const Conv3DParams&, const T*, const T*, T*);          \
  template void conv3d_backprop_filter_ref<T>(const Conv3DParams&, const T*, const T*, T*, T*);
NODULAB_INSTANTIATE(float)
NODULAB_INSTANTIATE(double)
#undef NODULAB_INSTANTIATE

}  // namespace nodulab

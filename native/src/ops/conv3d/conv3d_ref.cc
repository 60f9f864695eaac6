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

}  // namespace

template <class T> void conv3d_ref(const Conv3DParams& p, const T* x, const T* w, const T* b, T* y) {
  const int64_t S = p.in_spatial(), KS = p.kD * p.kH * p.kW;
  for (int64_t n = 0; n < p.N; ++n)
    for (int64_t co = 0; co < p.Co; ++co)
      for (int64_t od = 0; od < p.oD; ++od)
        for (int64_t oh = 0; oh < p.oH; ++oh)
          for (int64_t ow = 0; ow < p.oW; ++ow) {
            T s = b ? b[co] : T(0);
            for (int64_t ci = 0; ci < p.Ci; ++ci) {
              const T* xc = x + (n * p.Ci + ci) * S;
              const T* wc = w + (co * p.Ci + ci) * KS;
              for_each_tap(p, od, oh, ow, [&](int64_t xi, int64_t wi) { s += wc[wi] * xc[xi]; });
            }
            y[(((n * p.Co + co) * p.oD + od) * p.oH + oh) * p.oW + ow] = s;
          }
}

template <class T> void conv3d_backprop_input_ref(const Conv3DParams& p, const T* dy, const T* w, T* dx) {
  const int64_t S = p.in_spatial(), KS = p.kD * p.kH * p.kW;
  std::fill(dx, dx + p.N * p.Ci * S, T(0));
  for (int64_t n = 0; n < p.N; ++n)
    for (int64_t co = 0; co < p.Co; ++co)
      for (int64_t od = 0; od < p.oD; ++od)
        for (int64_t oh = 0; oh < p.oH; ++oh)
          for (int64_t ow = 0; ow < p.oW; ++ow) {
            const T g = dy[(((n * p.Co + co) * p.oD + od) * p.oH + oh) * p.oW + ow];
            for (int64_t ci = 0; ci < p.Ci; ++ci) {
              T* dxc = dx + (n * p.Ci + ci) * S;
              const T* wc = w + (co * p.Ci + ci) * KS;
              for_each_tap(p, od, oh, ow, [&](int64_t xi, int64_t wi) { dxc[xi] += wc[wi] * g; });
            }
          }
}

template <class T> void conv3d_backprop_filter_ref(const Conv3DParams& p, const T* x, const T* dy, T* dw, T* db) {
  const int64_t S = p.in_spatial(), KS = p.kD * p.kH * p.kW;
  std::fill(dw, dw + p.Co * p.Ci * KS, T(0));
  if (db) std::fill(db, db + p.Co, T(0));
  for (int64_t n = 0; n < p.N; ++n)
    for (int64_t co = 0; co < p.Co; ++co)
      for (int64_t od = 0; od < p.oD; ++od)
        for (int64_t oh = 0; oh < p.oH; ++oh)
          for (int64_t ow = 0; ow < p.oW; ++ow) {
            const T g = dy[(((n * p.Co + co) * p.oD + od) * p.oH + oh) * p.oW + ow];
            if (db) db[co] += g;
            for (int64_t ci = 0; ci < p.Ci; ++ci) {
              const T* xc = x + (n * p.Ci + ci) * S;
              T* dwc = dw + (co * p.Ci + ci) * KS;
              for_each_tap(p, od, oh, ow, [&](int64_t xi, int64_t wi) { dwc[wi] += xc[xi] * g; });
            }
          }
}

#define NODULAB_INSTANTIATE(T)                                                                      \
  template void conv3d_ref<T>(const Conv3DParams&, const T*, const T*, const T*, T*);              \
  template void conv3d_backprop_input_ref<T>(const Conv3DParams&, const T*, const T*, T*);          \
  template void conv3d_backprop_filter_ref<T>(const Conv3DParams&, const T*, const T*, T*, T*);
NODULAB_INSTANTIATE(float)
NODULAB_INSTANTIATE(double)
#undef NODULAB_INSTANTIATE

}  // namespace nodulab

// Padded-sample copies, filter-tap offsets and im2col panel packing for the fast conv3d kernels.
#include "ops/conv3d/conv3d_im2col.h"

#include <algorithm>
#include <cstring>

namespace nodulab::conv {

PaddedVolume padded_volume(int64_t C, int64_t D, int64_t H, int64_t W, const int64_t pad[3], int64_t min_size) {
  PaddedVolume pv;
  pv.C = C, pv.D = D, pv.H = H, pv.W = W;
  pv.pd = pad[0], pv.ph = pad[1], pv.pw = pad[2];
  pv.Dp = D + 2 * pad[0], pv.Hp = H + 2 * pad[1], pv.Wp = W + 2 * pad[2];
  pv.plane = pv.Hp * pv.Wp;
  pv.vol = pv.Dp * pv.plane;
  pv.size = std::max(C * pv.vol, min_size);
  return pv;
}

void pad_sample(const PaddedVolume& pv, const float* x, float* xpad) {
  const bool no_pad = pv.pd == 0 && pv.ph == 0 && pv.pw == 0;
  if (no_pad) {
    std::memcpy(xpad, x, pv.C * pv.vol * sizeof(float));
    std::fill(xpad + pv.C * pv.vol, xpad + pv.size, 0.f);
    return;
  }
  std::fill(xpad, xpad + pv.size, 0.f);
  for (int64_t c = 0; c < pv.C; ++c)
    for (int64_t d = 0; d < pv.D; ++d)
      for (int64_t h = 0; h < pv.H; ++h) {
        const float* src = x + ((c * pv.D + d) * pv.H + h) * pv.W;
        float* dst = xpad + c * pv.vol + (d + pv.pd) * pv.plane + (h + pv.ph) * pv.Wp + pv.pw;
        std::memcpy(dst, src, pv.W * sizeof(float));
      }
}

void tap_offsets(const Conv3DParams& p, const PaddedVolume& pv, int64_t* off) {
  int64_t k = 0;
  for (int64_t ci = 0; ci < p.Ci; ++ci)
    for (int64_t kd = 0; kd < p.kD; ++kd)
      for (int64_t kh = 0; kh < p.kH; ++kh)
        for (int64_t kw = 0; kw < p.kW; ++kw)
          off[k++] = ci * pv.vol + kd * p.dilation[0] * pv.plane + kh * p.dilation[1] * pv.Wp + kw * p.dilation[2];
}

void im2col_panel(int64_t K, const int64_t* off, const int64_t* origin, int64_t P, int64_t p0, int nr,
                  const float* xpad, float* dst) {
  const int cols = static_cast<int>(std::min<int64_t>(nr, P - p0));
  const int64_t* org = origin + p0;
  for (int64_t k = 0; k < K; ++k) {
    const float* xk = xpad + off[k];
    float* row = dst + k * nr;
    for (int j = 0; j < cols; ++j) row[j] = xk[org[j]];
    for (int j = cols; j < nr; ++j) row[j] = 0.f;
  }
}

}  // namespace nodulab::conv

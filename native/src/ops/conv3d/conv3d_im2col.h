// Layout helpers for the fast conv3d kernels: a sample copied into a zero-padded volume, the offset
// of every filter tap inside it, and im2col packing of output positions (for strided convolutions).
#pragma once
#include <cstdint>

#include "ops/conv3d/conv3d.h"

namespace nodulab::conv {

// A (C, Dp, Hp, Wp) zero-padded copy of one sample: xpad[c][d + pd][h + ph][w + pw] = x[c][d][h][w].
struct PaddedVolume {
  int64_t C = 0, D = 0, H = 0, W = 0;    // the unpadded sample
  int64_t pd = 0, ph = 0, pw = 0;        // padding per side
  int64_t Dp = 0, Hp = 0, Wp = 0;        // padded sizes
  int64_t plane = 0, vol = 0;            // Hp*Wp, Dp*Hp*Wp
  int64_t size = 0;                      // floats to allocate: C*vol plus slack for over-reads
};

// Geometry of the padded copy of a (C, D, H, W) sample; `min_size` extends `size` (zero slack).
PaddedVolume padded_volume(int64_t C, int64_t D, int64_t H, int64_t W, const int64_t pad[3], int64_t min_size = 0);
// Writes the padded copy of x (C, D, H, W) into xpad (pv.size floats; borders and slack zeroed).
void pad_sample(const PaddedVolume& pv, const float* x, float* xpad);
// off[k] for every filter tap k = ((ci*kD + kd)*kH + kh)*kW + kw: the offset of that tap, relative to
// an output's window origin, inside the padded volume (ci*vol + kd*dD*plane + kh*dH*Wp + kw*dW).
void tap_offsets(const Conv3DParams& p, const PaddedVolume& pv, int64_t* off);
// Offset of output (od, oh, ow)'s window origin inside the padded volume.
inline int64_t window_origin(const Conv3DParams& p, const PaddedVolume& pv, int64_t od, int64_t oh, int64_t ow) {
  return od * p.stride[0] * pv.plane + oh * p.stride[1] * pv.Wp + ow * p.stride[2];
}

// im2col of output positions [p0, p0 + nr) (clipped to P; origin[p] = window_origin of position p)
// into a (K x nr) panel dst[k*nr + j] = xpad[off[k] + origin[p0 + j]], zero past P.
void im2col_panel(int64_t K, const int64_t* off, const int64_t* origin, int64_t P, int64_t p0, int nr,
                  const float* xpad, float* dst);

}  // namespace nodulab::conv

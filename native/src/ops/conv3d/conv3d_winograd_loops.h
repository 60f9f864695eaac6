// The per-tile Winograd F(2,3) transforms (conv3d_winograd.h), written once as loops over groups of
// kWinoGroup channels (a compile-time trip count, so each group is a few whole vectors) and compiled per
// ISA: included by conv3d_winograd.cc (baseline), conv3d_winograd_avx2.cc and conv3d_winograd_avx512.cc.
// Internal linkage on purpose. 1-D transforms: B^T d = (d0 - d2, d1 + d2, d2 - d1, d1 - d3);
// A^T m = (m0 + m1 + m2, m1 - m2 - m3); A g = (g0, g0 + g1, g0 - g1, -g1); G w = (w0, (w0 + w1 + w2)/2,
// (w0 - w1 + w2)/2, w2). A 3-D transform applies one along each axis.
#pragma once
#include <cstdint>

#include "ops/conv3d/conv3d_winograd.h"

namespace nodulab {
namespace {

// Channels per group: 16 (one AVX-512 or two AVX2 vectors) where the including file defines
// NODULAB_WINO_GROUP so, else 4. Every channel count handed to these loops is a multiple of 16.
#ifndef NODULAB_WINO_GROUP
#define NODULAB_WINO_GROUP 4
#endif
constexpr int kG = NODULAB_WINO_GROUP;
static_assert(kWinoChannelAlign % kG == 0, "channel groups must divide the channel padding");

void wino_input_tile(const float* __restrict src, int64_t sd, int64_t sh, int64_t sw, int64_t C,
                     float* __restrict dst, int64_t dxi) {
  alignas(64) float t[64][kG], u[64][kG];
  for (int64_t c0 = 0; c0 < C; c0 += kG) {
    for (int ij = 0; ij < 16; ++ij) {  // along w: t[ij*4 + k], ij = i*4 + j
      const float* r = src + (ij >> 2) * sd + (ij & 3) * sh + c0;
      for (int c = 0; c < kG; ++c) {
        const float d0 = r[c], d1 = r[sw + c], d2 = r[2 * sw + c], d3 = r[3 * sw + c];
        t[ij * 4][c] = d0 - d2, t[ij * 4 + 1][c] = d1 + d2, t[ij * 4 + 2][c] = d2 - d1, t[ij * 4 + 3][c] = d1 - d3;
      }
    }
    for (int i = 0; i < 4; ++i)  // along h: u[(i*4 + b)*4 + k]
      for (int k = 0; k < 4; ++k) {
        const int s = i * 16 + k;
        for (int c = 0; c < kG; ++c) {
          const float d0 = t[s][c], d1 = t[s + 4][c], d2 = t[s + 8][c], d3 = t[s + 12][c];
          u[s][c] = d0 - d2, u[s + 4][c] = d1 + d2, u[s + 8][c] = d2 - d1, u[s + 12][c] = d1 - d3;
        }
      }
    for (int bk = 0; bk < 16; ++bk) {  // along d: dst[(a*16 + bk)*dxi]
      float* o = dst + bk * dxi + c0;
      for (int c = 0; c < kG; ++c) {
        const float d0 = u[bk][c], d1 = u[16 + bk][c], d2 = u[32 + bk][c], d3 = u[48 + bk][c];
        o[c] = d0 - d2, o[16 * dxi + c] = d1 + d2, o[32 * dxi + c] = d2 - d1, o[48 * dxi + c] = d1 - d3;
      }
    }
  }
}

// The 8 outputs o[q][c] = (A^T m A)(q) + bias of channels [c0, c0 + kG) of a tile.
inline void wino_output_group(const float* __restrict m, int64_t mxi, int64_t c0, const float* __restrict bias,
                              float (&o)[8][kG]) {
  alignas(64) float s[32][kG], r[16][kG];
  for (int ab = 0; ab < 16; ++ab) {  // along w: s[ab*2 + ww]
    const float* m0 = m + (ab * 4) * mxi + c0;
    for (int c = 0; c < kG; ++c) {
      const float v0 = m0[c], v1 = m0[mxi + c], v2 = m0[2 * mxi + c], v3 = m0[3 * mxi + c];
      s[ab * 2][c] = v0 + v1 + v2, s[ab * 2 + 1][c] = v1 - v2 - v3;
    }
  }
  for (int a = 0; a < 4; ++a)  // along h: r[(a*2 + hh)*2 + ww]
    for (int ww = 0; ww < 2; ++ww) {
      const int q = a * 8 + ww;
      for (int c = 0; c < kG; ++c) {
        const float v0 = s[q][c], v1 = s[q + 2][c], v2 = s[q + 4][c], v3 = s[q + 6][c];
        r[a * 4 + ww][c] = v0 + v1 + v2, r[a * 4 + 2 + ww][c] = v1 - v2 - v3;
      }
    }
  for (int q = 0; q < 4; ++q)  // along d: o[dd*4 + q], q = hh*2 + ww
    for (int c = 0; c < kG; ++c) {
      const float v0 = r[q][c], v1 = r[4 + q][c], v2 = r[8 + q][c], v3 = r[12 + q][c];
      o[q][c] = v0 + v1 + v2 + bias[c0 + c], o[4 + q][c] = v1 - v2 - v3 + bias[c0 + c];
    }
}

void wino_output_tile(const float* __restrict m, int64_t mxi, int64_t C, const float* __restrict bias, bool relu,
                      float* const* dst, int64_t cs) {
  alignas(64) float o[8][kG];
  for (int64_t c0 = 0; c0 < C; c0 += kG) {
    wino_output_group(m, mxi, c0, bias, o);
    if (relu)
      for (int q = 0; q < 8; ++q)
        for (int c = 0; c < kG; ++c) o[q][c] = o[q][c] > 0.f ? o[q][c] : 0.f;
    for (int q = 0; q < 8; ++q)
      if (dst[q])
        for (int c = 0; c < kG; ++c) dst[q][(c0 + c) * cs] = o[q][c];
  }
}

void wino_output_tile_relu_max(const float* __restrict m, int64_t mxi, int64_t C, const float* __restrict bias,
                               float* __restrict dst) {
  alignas(64) float o[8][kG];
  for (int64_t c0 = 0; c0 < C; c0 += kG) {
    wino_output_group(m, mxi, c0, bias, o);
    for (int c = 0; c < kG; ++c) {  // relu(v) then the max: max(0, v_0, ..., v_7); a NaN counts as 0
      float best = 0.f;
      for (int q = 0; q < 8; ++q) best = o[q][c] > best ? o[q][c] : best;
      dst[c0 + c] = best;
    }
  }
}

void wino_grad_tile(const float* __restrict src, int64_t sd, int64_t sh, int64_t sw, int64_t C,
                    float* __restrict dst, int64_t dxi) {
  alignas(64) float t[16][kG], u[32][kG];  // after w: t[(dd*2 + hh)*4 + k]; after h: u[(dd*4 + b)*4 + k]
  for (int64_t c0 = 0; c0 < C; c0 += kG) {
    for (int dh = 0; dh < 4; ++dh) {
      const float* g = src + (dh >> 1) * sd + (dh & 1) * sh + c0;
      for (int c = 0; c < kG; ++c) {
        const float g0 = g[c], g1 = g[sw + c];
        t[dh * 4][c] = g0, t[dh * 4 + 1][c] = g0 + g1, t[dh * 4 + 2][c] = g0 - g1, t[dh * 4 + 3][c] = -g1;
      }
    }
    for (int dd = 0; dd < 2; ++dd)
      for (int k = 0; k < 4; ++k)
        for (int c = 0; c < kG; ++c) {
          const float g0 = t[dd * 8 + k][c], g1 = t[dd * 8 + 4 + k][c];
          u[dd * 16 + k][c] = g0, u[dd * 16 + 4 + k][c] = g0 + g1, u[dd * 16 + 8 + k][c] = g0 - g1,
                         u[dd * 16 + 12 + k][c] = -g1;
        }
    for (int bk = 0; bk < 16; ++bk) {
      float* o = dst + bk * dxi + c0;
      for (int c = 0; c < kG; ++c) {
        const float g0 = u[bk][c], g1 = u[16 + bk][c];
        o[c] = g0, o[16 * dxi + c] = g0 + g1, o[32 * dxi + c] = g0 - g1, o[48 * dxi + c] = -g1;
      }
    }
  }
}

void wino_filter_tile(const float* __restrict src, int64_t C, float* __restrict dst, int64_t dxi) {
  alignas(64) float t[4][9][kG], u[16][3][kG];
  for (int64_t c0 = 0; c0 < C; c0 += kG) {
    for (int jk = 0; jk < 9; ++jk)  // along d: t[a][j*3 + k]
      for (int c = 0; c < kG; ++c) {
        const float w0 = src[jk * C + c0 + c], w1 = src[(9 + jk) * C + c0 + c], w2 = src[(18 + jk) * C + c0 + c];
        t[0][jk][c] = w0, t[1][jk][c] = 0.5f * (w0 + w1 + w2), t[2][jk][c] = 0.5f * (w0 - w1 + w2), t[3][jk][c] = w2;
      }
    for (int a = 0; a < 4; ++a)  // along h: u[a*4 + b][k]
      for (int k = 0; k < 3; ++k)
        for (int c = 0; c < kG; ++c) {
          const float w0 = t[a][k][c], w1 = t[a][3 + k][c], w2 = t[a][6 + k][c];
          u[a * 4][k][c] = w0, u[a * 4 + 1][k][c] = 0.5f * (w0 + w1 + w2), u[a * 4 + 2][k][c] = 0.5f * (w0 - w1 + w2),
                   u[a * 4 + 3][k][c] = w2;
        }
    for (int ab = 0; ab < 16; ++ab) {  // along w: dst[(ab*4 + c)*dxi]
      float* o = dst + ab * 4 * dxi + c0;
      for (int c = 0; c < kG; ++c) {
        const float w0 = u[ab][0][c], w1 = u[ab][1][c], w2 = u[ab][2][c];
        o[c] = w0, o[dxi + c] = 0.5f * (w0 + w1 + w2), o[2 * dxi + c] = 0.5f * (w0 - w1 + w2), o[3 * dxi + c] = w2;
      }
    }
  }
}

constexpr WinogradLoops kWinogradLoops{&wino_input_tile, &wino_output_tile, &wino_output_tile_relu_max, &wino_grad_tile,
                                       &wino_filter_tile};

}  // namespace
}  // namespace nodulab

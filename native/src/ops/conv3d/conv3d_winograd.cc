// Winograd F(2x2x2, 3x3x3) Conv3D forward and filter gradient (see conv3d_winograd.h). Per block of tiles,
// in (sample, td, th, tw) order: the input patches are transformed from a channel-last padded copy of the
// sample into V[xi][tile][ci]; 64 GEMMs give M[xi][tile][co] = V[xi] U[xi] (forward) or accumulate
// dU[xi][co][ci] += G[xi]^T V[xi] (filter gradient, G the transformed output gradient). Forward: the output
// transform (with ReLU, or ReLU and a 2x2x2 max pool, fused in when asked) writes a work item's whole output
// planes channel-last, and vector transposes store them into y, so y is written once, row after row. Every
// output is written by one item and the filter-gradient partial sums are added in chunk order, so results do
// not depend on the thread count.
#include "ops/conv3d/conv3d_winograd.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <numeric>
#include <vector>

#include "core/cpu_features.h"
#include "core/thread_pool.h"
#include "ops/conv3d/conv3d_winograd_loops.h"
#include "ops/matmul/gemm.h"

namespace nodulab {

const WinogradLoops& winograd_loops_scalar() { return kWinogradLoops; }

namespace {

const WinogradLoops& winograd_loops() {
  switch (active_isa()) {
    case Isa::Avx512: return winograd_loops_avx512();
    case Isa::Avx2: return winograd_loops_avx2();
    default: return winograd_loops_scalar();
  }
}

inline int64_t round_up(int64_t v, int64_t m) { return (v + m - 1) / m * m; }

// Tile grid and the channel-last padded sample it reads: xcl[d][h][w][c] = x[c][d - pd][h - ph][w - pw]
// (zero outside and for c >= Ci), sized so that every tile's 4x4x4 patch is inside.
struct TileGrid {
  int64_t TD, TH, TW, T;  // tiles per axis and per sample
  int64_t Dp, Hp, Wp;     // padded extent: 2*T? + 2
  int64_t C;              // channel stride of the padded copy: Ci rounded up to kWinoChannelAlign
  int64_t size() const { return Dp * Hp * Wp * C; }
  // Offset of tile t's patch origin in xcl.
  int64_t origin(int64_t t) const {
    const int64_t td = t / (TH * TW), th = (t / TW) % TH, tw = t % TW;
    return ((2 * td * Hp + 2 * th) * Wp + 2 * tw) * C;
  }
};

TileGrid tile_grid(const Conv3DParams& p) {
  TileGrid g;
  g.TD = (p.oD + 1) / 2, g.TH = (p.oH + 1) / 2, g.TW = (p.oW + 1) / 2;
  g.T = g.TD * g.TH * g.TW;
  g.Dp = 2 * g.TD + 2, g.Hp = 2 * g.TH + 2, g.Wp = 2 * g.TW + 2;
  g.C = round_up(p.Ci, kWinoChannelAlign);
  return g;
}

// Channel-last padded copy of sample x (Ci, D, H, W) into xcl (g.size() floats).
void pad_channel_last(const Conv3DParams& p, const TileGrid& g, const gemm::Kernels& kern, const float* x,
                      float* xcl) {
  std::fill(xcl, xcl + g.size(), 0.f);
  const int64_t S = p.in_spatial();
  for (int64_t d = 0; d < p.D; ++d)
    for (int64_t h = 0; h < p.H; ++h)  // dst[w*C + c] = x[c][d][h][w]
      kern.transpose(x + (d * p.H + h) * p.W, S, p.Ci, p.W,
                     xcl + (((d + p.padding[0]) * g.Hp + h + p.padding[1]) * g.Wp + p.padding[2]) * g.C, g.C);
}

// Distance in floats between the 64 per-frequency slices of a block buffer: `floats` plus one cache line
// when that is a multiple of 1 KiB, so the slices do not all fall into the same L1 sets.
int64_t xi_stride(int64_t floats) { return floats % 256 == 0 ? floats + 16 : floats; }

// Tiles per work item: whole microkernel panels, as many as keep the block's V and M in about 256 KiB.
int64_t block_tiles(int mr, int64_t cols_in, int64_t cols_out) {
  const int64_t per_panel = 64 * 4 * (cols_in + cols_out) * mr;
  return mr * std::max<int64_t>(1, std::min<int64_t>(8, (int64_t(256) << 10) / per_panel));
}

// Grow-only per-thread scratch: a buffer is handed out again, already mapped, on the next call (no page
// faults or kernel zeroing per call). `call` buffers belong to the calling thread for a whole call, `chunk`
// buffers to the thread running a chunk (the calling thread runs one too, hence two sets).
struct Scratch {
  std::vector<float> buf[4];
  float* get(int i, int64_t n) {
    if (static_cast<int64_t>(buf[i].size()) < n) buf[i].resize(n);
    return buf[i].data();
  }
};
thread_local Scratch t_call, t_chunk;
thread_local std::vector<std::vector<float>> t_partials;

}  // namespace

bool conv3d_winograd_applies(const Conv3DParams& p) {
  static const bool enabled = [] {
    const char* e = std::getenv("NODULAB_WINOGRAD");
    return !(e && std::strcmp(e, "0") == 0);
  }();
  // Where the transforms pay (measured on NoduleNet3D and ResNet3D-10 layers): AVX-512's direct kernel is
  // fast enough that they need 32 channels each way; on AVX2, 16 each way and 32 on one side (16 -> 16 at
  // 32^3 is faster direct, 16 -> 32 and 32 -> 16 at 16^3 faster by Winograd).
  const bool avx512 = active_isa() == Isa::Avx512;
  const int64_t lo = std::min(p.Ci, p.Co), hi = std::max(p.Ci, p.Co);
  bool ok = enabled && p.kD == 3 && p.kH == 3 && p.kW == 3 && lo >= (avx512 ? 32 : 16) && hi >= 32;
  for (int a = 0; a < 3; ++a) ok = ok && p.stride[a] == 1 && p.dilation[a] == 1;
  return ok && p.oD >= 2 && p.oH >= 2 && p.oW >= 2;
}

void conv3d_winograd_cpu(const Conv3DParams& p, const float* x, const float* w, const float* b, float* y,
                         WinogradEpilogue epilogue) {
  const gemm::Kernels& kern = gemm::active_kernels();
  const WinogradLoops& loops = winograd_loops();
  const int mr = kern.at_mr, nr = kern.at_nr;
  const TileGrid g = tile_grid(p);
  const int64_t Ci = p.Ci, CiA = g.C, Co = p.Co, CoP = round_up(Co, std::max<int64_t>(nr, kWinoChannelAlign));
  const int64_t CP = CoP / nr, P = p.P();
  const bool pooled = epilogue == WinogradEpilogue::kReluMaxPool2, relu = epilogue == WinogradEpilogue::kRelu;
  const int64_t PD = p.oD / 2, PH = p.oH / 2, PW = p.oW / 2, PP = PD * PH * PW;  // pooled output sizes

  // U[xi][ci][co] = (G w G^T)[xi] per (co, ci), from wt[ci][k][co] = w[co][ci][k] (zero past Co).
  float *wt = t_call.get(1, Ci * 27 * CoP), *U = t_call.get(0, 64 * Ci * CoP), *bias = t_call.get(2, CoP);
  if (CoP > Co) std::fill(wt, wt + Ci * 27 * CoP, 0.f);
  kern.transpose(w, Ci * 27, Co, Ci * 27, wt, CoP);
  std::fill(bias, bias + CoP, 0.f);
  if (b) std::copy(b, b + Co, bias);
  parallel_for(Ci, 1, [&](int64_t c0, int64_t c1) {
    for (int64_t ci = c0; ci < c1; ++ci) loops.filter_tile(wt + ci * 27 * CoP, CoP, U + ci * CoP, Ci * CoP);
  });

  // Work items: G consecutive tile slabs (all tiles of one td of one sample; an item may cross samples), so an
  // item's outputs are whole output planes. G makes an item about 64 tiles or more, and a multiple of mr tiles
  // where that stays small (no padding rows in the GEMM panels), with at least two items per thread.
  const int64_t slab = g.TH * g.TW, slabs = p.N * g.TD;
  const int64_t G_exact = mr / std::gcd<int64_t>(slab, mr);
  int64_t G = G_exact * slab <= 1024 ? G_exact * std::max<int64_t>(1, (64 + G_exact * slab - 1) / (G_exact * slab))
                                     : std::max<int64_t>(1, (64 + slab - 1) / slab);
  G = std::max<int64_t>(1, std::min<int64_t>(G, slabs / (2 * get_num_threads())));
  const int64_t items = (slabs + G - 1) / G;
  const int64_t TB = block_tiles(mr, CiA, CoP), NP = TB / mr;
  const int64_t m_xi = xi_stride(NP * CP * mr * nr), v_xi = xi_stride(TB * CiA);  // M[xi][panel][cp][i][j]
  // out, plain: [plane 2*ls + dd][row 2*th + hh][col 2*tw + ww][co] over the tile grid (2TH x 2TW), ls the slab
  // within the item; pooled: [ls][th][tw][co], one pooling window per tile. (The slab count does not change
  // what any output sums, so results stay bit-identical across thread counts.)
  const int64_t out_size = (pooled ? 1 : 8) * G * slab * CoP;
  parallel_for(items, 1, [&](int64_t i0, int64_t i1) {
    float *xcl = t_chunk.get(0, g.size()), *V = t_chunk.get(1, 64 * v_xi), *M = t_chunk.get(2, 64 * m_xi),
          *out = t_chunk.get(3, out_size);
    std::vector<int64_t> a_off(mr);
    const int64_t row0 = 0;
    int64_t cur_n = -1;
    for (int64_t item = i0; item < i1; ++item) {
      const int64_t s0 = item * G, s1 = std::min(s0 + G, slabs), tile0 = s0 * slab, tiles = (s1 - s0) * slab;
      for (int64_t b0 = 0; b0 < tiles; b0 += TB) {
        const int64_t cnt = std::min(TB, tiles - b0);
        for (int64_t t = 0; t < cnt; ++t) {
          const int64_t n = (tile0 + b0 + t) / g.T;
          if (n != cur_n) pad_channel_last(p, g, kern, x + n * Ci * p.in_spatial(), xcl), cur_n = n;
          loops.input_tile(xcl + g.origin((tile0 + b0 + t) % g.T), g.Hp * g.Wp * CiA, g.Wp * CiA, CiA, CiA, V + t * CiA,
                           v_xi);
        }
        const int64_t panels = (cnt + mr - 1) / mr;
        for (int64_t tp = 0; tp < panels; ++tp) {
          for (int i = 0; i < mr; ++i) a_off[i] = std::min<int64_t>(tp * mr + i, cnt - 1) * CiA;
          for (int xi = 0; xi < 64; ++xi)
            for (int64_t cp = 0; cp < CP; ++cp)
              kern.tile_atb(1, &row0, Ci, 1, V + xi * v_xi, a_off.data(), U + xi * Ci * CoP + cp * nr, CoP,
                            M + xi * m_xi + (tp * CP + cp) * mr * nr);
        }
        for (int64_t t = 0; t < cnt; ++t) {
          const int64_t u = b0 + t, lt = u / slab, th = (u / g.TW) % g.TH, tw = u % g.TW;  // lt: slab in the item
          const int64_t tp = t / mr, i = t % mr;
          for (int64_t cp = 0; cp < CP; ++cp) {
            const float* m = M + (tp * CP + cp) * mr * nr + i * nr;
            if (pooled) {
              loops.output_tile_relu_max(m, m_xi, nr, bias + cp * nr, out + u * CoP + cp * nr);
              continue;
            }
            float* dst[8];
            for (int q = 0; q < 8; ++q) {
              const int64_t plane = 2 * lt + (q >> 2), row = 2 * th + ((q >> 1) & 1), col = 2 * tw + (q & 1);
              dst[q] = out + ((plane * 2 * g.TH + row) * 2 * g.TW + col) * CoP + cp * nr;
            }
            loops.output_tile(m, m_xi, nr, bias + cp * nr, relu, dst, 1);
          }
        }
      }
      // Channel-last -> NCDHW, slab by slab: whole planes when the tile grid has no padding row or column, else
      // row by row.
      for (int64_t ls = 0; ls < s1 - s0; ++ls) {
        const int64_t n = (s0 + ls) / g.TD, td = (s0 + ls) % g.TD;
        if (pooled) {
          if (td >= PD) continue;
          const float* src = out + ls * slab * CoP;
          float* yp = y + n * Co * PP + td * PH * PW;
          if (g.TH == PH && g.TW == PW) {
            kern.transpose(src, CoP, PH * PW, Co, yp, PP);
            continue;
          }
          for (int64_t th = 0; th < PH; ++th) kern.transpose(src + th * g.TW * CoP, CoP, PW, Co, yp + th * PW, PP);
          continue;
        }
        for (int64_t od = 2 * td; od < std::min(2 * td + 2, p.oD); ++od) {
          const float* src = out + (2 * ls + od - 2 * td) * 4 * slab * CoP;
          float* yp = y + n * Co * P + od * p.oH * p.oW;
          if (2 * g.TH == p.oH && 2 * g.TW == p.oW) {
            kern.transpose(src, CoP, p.oH * p.oW, Co, yp, P);
            continue;
          }
          for (int64_t oh = 0; oh < p.oH; ++oh)
            kern.transpose(src + oh * 2 * g.TW * CoP, CoP, p.oW, Co, yp + oh * p.oW, P);
        }
      }
    }
  });
}

void conv3d_winograd_backprop_filter_cpu(const Conv3DParams& p, const float* x, const float* dy, float* dw) {
  const gemm::Kernels& kern = gemm::active_kernels();
  const WinogradLoops& loops = winograd_loops();
  const int mr = kern.at_mr, nr = kern.at_nr;
  const TileGrid g = tile_grid(p);
  const int64_t Ci = p.Ci, CiA = g.C, CiP = round_up(Ci, std::max<int64_t>(nr, kWinoChannelAlign));
  const int64_t Co = p.Co, CoA = round_up(Co, kWinoChannelAlign), CoR = round_up(Co, mr), P = p.P();
  // The output gradient, channel-last on the tile grid (zero past the outputs): gcl[od][oh][ow][co].
  const int64_t GD = 2 * g.TD, GH = 2 * g.TH, GW = 2 * g.TW;
  // Tiles per work item: the reduction length of each GEMM; V and G of a block in about 768 KiB.
  const int64_t TB = std::max<int64_t>(16, std::min<int64_t>(128, (int64_t(768) << 10) / (64 * 4 * (CiP + CoA))));
  const int64_t total = p.N * g.T, blocks = (total + TB - 1) / TB;
  const int chunks = static_cast<int>(std::min<int64_t>(blocks, get_num_threads()));
  const int64_t v_xi = xi_stride(TB * CiP), g_xi = xi_stride(TB * CoA);
  // dU[xi][co][ci] (CoR x CiP per xi), one per chunk
  std::vector<std::vector<float>>& partial = t_partials;
  if (static_cast<int>(partial.size()) < chunks) partial.resize(chunks);
  parallel_chunks(blocks, chunks, [&](int c, int64_t b0, int64_t b1) {
    std::vector<float>& acc = partial[c];
    acc.assign(64 * CoR * CiP, 0.f);
    float *xcl = t_chunk.get(0, g.size()), *gcl = t_chunk.get(1, GD * GH * GW * CoA),
          *V = t_chunk.get(2, 64 * v_xi), *G = t_chunk.get(3, 64 * g_xi);
    if (CiP > CiA) std::fill(V, V + 64 * v_xi, 0.f);  // columns past CiA are never written: keep them zero
    std::vector<float> tile(static_cast<size_t>(mr) * nr);
    std::vector<int64_t> a_off(mr);
    const int64_t row0 = 0;
    int64_t cur_n = -1;
    for (int64_t blk = b0; blk < b1; ++blk) {
      const int64_t t0 = blk * TB, cnt = std::min(TB, total - t0);
      for (int64_t t = 0; t < cnt; ++t) {
        const int64_t n = (t0 + t) / g.T, tt = (t0 + t) % g.T;
        if (n != cur_n) {
          pad_channel_last(p, g, kern, x + n * Ci * p.in_spatial(), xcl);
          std::fill(gcl, gcl + GD * GH * GW * CoA, 0.f);
          for (int64_t od = 0; od < p.oD; ++od)
            for (int64_t oh = 0; oh < p.oH; ++oh)
              kern.transpose(dy + n * Co * P + (od * p.oH + oh) * p.oW, P, Co, p.oW,
                             gcl + (od * GH + oh) * GW * CoA, CoA);
          cur_n = n;
        }
        loops.input_tile(xcl + g.origin(tt), g.Hp * g.Wp * CiA, g.Wp * CiA, CiA, CiA, V + t * CiP, v_xi);
        const int64_t td = tt / (g.TH * g.TW), th = (tt / g.TW) % g.TH, tw = tt % g.TW;
        loops.grad_tile(gcl + ((2 * td * GH + 2 * th) * GW + 2 * tw) * CoA, GH * GW * CoA, GW * CoA, CoA, CoA,
                        G + t * CoA, g_xi);
      }
      // acc[xi][co][ci] += sum over the block's tiles of G[xi][tile][co] * V[xi][tile][ci]
      for (int64_t cb = 0; cb < CoR / mr; ++cb) {
        for (int i = 0; i < mr; ++i) a_off[i] = std::min<int64_t>(cb * mr + i, Co - 1);
        for (int xi = 0; xi < 64; ++xi)
          for (int64_t cp = 0; cp < CiP / nr; ++cp) {
            kern.tile_atb(1, &row0, cnt, CoA, G + xi * g_xi, a_off.data(), V + xi * v_xi + cp * nr, CiP,
                          tile.data());
            float* dst = acc.data() + (xi * CoR + cb * mr) * CiP + cp * nr;
            for (int i = 0; i < mr; ++i)
              for (int j = 0; j < nr; ++j) dst[i * CiP + j] += tile[i * nr + j];
          }
      }
    }
  });
  for (int c = 1; c < chunks; ++c)
    for (size_t i = 0; i < partial[0].size(); ++i) partial[0][i] += partial[c][i];
  // dw = G^T dU G per (co, ci), G^T = (1 .5 .5 0; 0 .5 -.5 0; 0 .5 .5 1) along each axis.
  const float* dU = partial[0].data();
  parallel_for(Co, 1, [&](int64_t c0, int64_t c1) {
    for (int64_t co = c0; co < c1; ++co)
      for (int64_t ci = 0; ci < Ci; ++ci) {
        float u[4][4][4], t[4][4][3], s[4][3][3];
        for (int xi = 0; xi < 64; ++xi) u[xi >> 4][(xi >> 2) & 3][xi & 3] = dU[(xi * CoR + co) * CiP + ci];
        for (int a = 0; a < 4; ++a)
          for (int bb = 0; bb < 4; ++bb) {
            const float* v = u[a][bb];
            t[a][bb][0] = v[0] + 0.5f * (v[1] + v[2]), t[a][bb][1] = 0.5f * (v[1] - v[2]),
            t[a][bb][2] = 0.5f * (v[1] + v[2]) + v[3];
          }
        for (int a = 0; a < 4; ++a)
          for (int k = 0; k < 3; ++k) {
            const float v0 = t[a][0][k], v1 = t[a][1][k], v2 = t[a][2][k], v3 = t[a][3][k];
            s[a][0][k] = v0 + 0.5f * (v1 + v2), s[a][1][k] = 0.5f * (v1 - v2), s[a][2][k] = 0.5f * (v1 + v2) + v3;
          }
        float* f = dw + (co * Ci + ci) * 27;
        for (int j = 0; j < 3; ++j)
          for (int k = 0; k < 3; ++k) {
            const float v0 = s[0][j][k], v1 = s[1][j][k], v2 = s[2][j][k], v3 = s[3][j][k];
            f[j * 3 + k] = v0 + 0.5f * (v1 + v2), f[9 + j * 3 + k] = 0.5f * (v1 - v2), f[18 + j * 3 + k] = 0.5f * (v1 + v2) + v3;
          }
      }
  });
}

}  // namespace nodulab

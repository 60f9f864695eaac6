// Fast Conv3D backward kernels.
// BackpropInput: dx is a stride-1 forward convolution of dy with the filter flipped and its channel
// axes swapped; for strides > 1 (or padding beyond the kernel span) dy is first spread onto a grid
// of zeros, one sample at a time, so the fast forward kernel does all the arithmetic.
// BackpropFilter: stride-1 3x3x3 filters with enough channels take the Winograd path
// (conv3d_winograd.cc); otherwise dw^T (K x Co) = sum over positions of im2col(x) (K x P) times dy^T (P x Co), on the
// "AtB" microkernel that broadcasts x straight from the padded sample (no im2col buffer) and reads a
// per-sample transposed dy. Per-chunk partial sums are added in chunk order: bit-identical results
// for a given thread count. Few output channels use a one-vector-wide AtB tile.
#include <algorithm>
#include <cstring>
#include <vector>

#include "core/thread_pool.h"
#include "ops/conv3d/conv3d.h"
#include "ops/conv3d/conv3d_im2col.h"
#include "ops/conv3d/conv3d_winograd.h"
#include "ops/matmul/gemm.h"

namespace nodulab {

void conv3d_backprop_input_cpu(const Conv3DParams& p, const float* dy, const float* w, float* dx) {
  const int64_t S = p.in_spatial();
  if (p.N == 0 || p.Ci == 0 || S == 0) return;
  const int64_t ks[3] = {p.kD, p.kH, p.kW}, in[3] = {p.D, p.H, p.W}, out[3] = {p.oD, p.oH, p.oW};
  // The equivalent forward problem q: input (N, Co, L), filter (Ci, Co, k) flipped, stride 1.
  Conv3DParams q;
  q.N = p.N, q.Ci = p.Co, q.Co = p.Ci, q.kD = p.kD, q.kH = p.kH, q.kW = p.kW;
  int64_t L[3], shift[3];
  bool direct = true;
  for (int a = 0; a < 3; ++a) {
    const int64_t span = p.dilation[a] * (ks[a] - 1);
    q.padding[a] = std::max<int64_t>(0, span - p.padding[a]);
    q.dilation[a] = p.dilation[a];
    shift[a] = p.padding[a] - span + q.padding[a];
    L[a] = in[a] + span - 2 * q.padding[a];
    direct = direct && p.stride[a] == 1 && shift[a] == 0 && L[a] == out[a];
  }
  q.D = L[0], q.H = L[1], q.W = L[2];
  set_conv3d_output(q);  // == (D, H, W)

  const int64_t KS = p.kD * p.kH * p.kW;
  std::vector<float> wf(p.Ci * p.Co * KS);
  for (int64_t co = 0; co < p.Co; ++co)
    for (int64_t ci = 0; ci < p.Ci; ++ci)
      for (int64_t k = 0; k < KS; ++k) wf[(ci * p.Co + co) * KS + (KS - 1 - k)] = w[(co * p.Ci + ci) * KS + k];

  if (direct) {
    conv3d_cpu(q, dy, wf.data(), nullptr, dx);
    return;
  }
  // Spread dy[o] to position o*s - shift of a zero grid of size L, one sample at a time.
  Conv3DParams q1 = q;
  q1.N = 1;
  const int64_t LS = L[0] * L[1] * L[2], P = p.P();
  std::vector<float> grid(p.Co * LS);
  for (int64_t n = 0; n < p.N; ++n) {
    std::fill(grid.begin(), grid.end(), 0.f);
    for (int64_t co = 0; co < p.Co; ++co) {
      const float* src = dy + (n * p.Co + co) * P;
      float* dst = grid.data() + co * LS;
      for (int64_t od = 0; od < p.oD; ++od) {
        const int64_t gd = od * p.stride[0] - shift[0];
        if (gd < 0 || gd >= L[0]) continue;
        for (int64_t oh = 0; oh < p.oH; ++oh) {
          const int64_t gh = oh * p.stride[1] - shift[1];
          if (gh < 0 || gh >= L[1]) continue;
          for (int64_t ow = 0; ow < p.oW; ++ow) {
            const int64_t gw = ow * p.stride[2] - shift[2];
            if (gw < 0 || gw >= L[2]) continue;
            dst[(gd * L[1] + gh) * L[2] + gw] = src[(od * p.oH + oh) * p.oW + ow];
          }
        }
      }
    }
    conv3d_cpu(q1, grid.data(), wf.data(), nullptr, dx + n * p.Ci * S);
  }
}

void conv3d_backprop_filter_cpu(const Conv3DParams& p, const float* x, const float* dy, float* dw, float* db) {
  const int64_t K = p.K(), P = p.P(), Co = p.Co;
  std::fill(dw, dw + Co * K, 0.f);
  if (db) std::fill(db, db + Co, 0.f);
  if (p.N == 0 || P == 0 || K == 0 || Co == 0) return;

  // db: one channel per item, summed in double in (n, position) order.
  if (db) {
    parallel_for(Co, 1, [&](int64_t c0, int64_t c1) {
      for (int64_t co = c0; co < c1; ++co) {
        double s = 0;
        for (int64_t n = 0; n < p.N; ++n) {
          const float* g = dy + (n * Co + co) * P;
          for (int64_t i = 0; i < P; ++i) s += g[i];
        }
        db[co] = static_cast<float>(s);
      }
    });
  }
  if (conv3d_winograd_applies(p)) return conv3d_winograd_backprop_filter_cpu(p, x, dy, dw);

  const gemm::Kernels& kern = gemm::active_kernels();
  // Few output channels (the first layer's 16): the one-vector-wide tile wastes no columns.
  const bool narrow = Co <= kern.atn_nr && kern.atn_nr < kern.at_nr;
  const int mr = narrow ? kern.atn_mr : kern.at_mr, nr = narrow ? kern.atn_nr : kern.at_nr;
  const gemm::TileAtbFn tile_atb = narrow ? kern.tile_atb_narrow : kern.tile_atb;
  const conv::PaddedVolume pv = conv::padded_volume(p.Ci, p.D, p.H, p.W, p.padding);
  std::vector<int64_t> off(K);
  conv::tap_offsets(p, pv, off.data());
  const int64_t kpanels = (K + mr - 1) / mr, CoP = (Co + nr - 1) / nr * nr;
  std::vector<int64_t> a_off(kpanels * mr);
  for (int64_t k = 0; k < kpanels * mr; ++k) a_off[k] = k < K ? off[k] : 0;
  // Window origin of the first output of every output row (od, oh); a row's outputs are step sW apart.
  std::vector<int64_t> rows(p.oD * p.oH);
  for (int64_t od = 0; od < p.oD; ++od)
    for (int64_t oh = 0; oh < p.oH; ++oh) rows[od * p.oH + oh] = conv::window_origin(p, pv, od, oh, 0);

  // Work items: (sample, block of output rows); a block's transposed dy stays in L2 while every
  // filter-tap panel streams over it.
  const int64_t nrows = p.oD * p.oH;
  const int64_t block_rows = std::max<int64_t>(1, std::min<int64_t>(nrows, (64 << 10) / std::max<int64_t>(1, p.oW * CoP)));
  const int64_t blocks = (nrows + block_rows - 1) / block_rows;
  const int64_t items = p.N * blocks;
  const int chunks = static_cast<int>(std::min<int64_t>(items, get_num_threads()));
  std::vector<std::vector<float>> partial(chunks);
  parallel_chunks(items, chunks, [&](int c, int64_t i0, int64_t i1) {
    std::vector<float>& acc = partial[c];
    acc.assign(K * CoP, 0.f);
    std::vector<float> xpad(pv.size), dyt(block_rows * p.oW * CoP, 0.f), tile(static_cast<size_t>(mr) * nr);
    int64_t cur_n = -1;
    for (int64_t it = i0; it < i1; ++it) {
      const int64_t n = it / blocks, r0 = (it % blocks) * block_rows, r1 = std::min(nrows, r0 + block_rows);
      if (n != cur_n) {
        conv::pad_sample(pv, x + n * p.Ci * p.in_spatial(), xpad.data());
        cur_n = n;
      }
      // dyt[pos - pos0][co] = dy[n][co][pos] for the block's positions.
      const int64_t pos0 = r0 * p.oW, npos = (r1 - r0) * p.oW;
      kern.transpose(dy + n * Co * P + pos0, P, Co, npos, dyt.data(), CoP);
      for (int64_t kp = 0; kp < kpanels; ++kp) {
        const int krows = static_cast<int>(std::min<int64_t>(mr, K - kp * mr));
        for (int64_t cp = 0; cp < CoP / nr; ++cp) {
          tile_atb(r1 - r0, rows.data() + r0, p.oW, p.stride[2], xpad.data(), a_off.data() + kp * mr,
                        dyt.data() + cp * nr, CoP, tile.data());
          for (int i = 0; i < krows; ++i) {
            float* dst = acc.data() + (kp * mr + i) * CoP + cp * nr;
            const float* src = tile.data() + i * nr;
            for (int j = 0; j < nr; ++j) dst[j] += src[j];
          }
        }
      }
    }
  });
  // dw[co][k] = sum over chunks, in chunk order.
  for (int c = 0; c < chunks; ++c) {
    const float* acc = partial[c].data();
    for (int64_t co = 0; co < Co; ++co)
      for (int64_t k = 0; k < K; ++k) dw[co * K + k] += acc[k * CoP + co];
  }
}

}  // namespace nodulab

// Fast Conv3D backward kernels.
// BackpropInput: dx is a stride-1 forward convolution of dy with the filter flipped and its channel
// axes swapped. For strides > 1 (or padding beyond the kernel span) without dilation, each residue
// class of input positions mod the stride is a stride-1 convolution of dy with a sub-filter
// ("polyphase"); with dilation, dy is spread onto a grid of zeros, one sample at a time. Either way the
// fast forward kernel does all the arithmetic.
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
namespace {

// One axis of a residue class r (input positions i = s*m + r, m < M): the filter taps k = k0 + j*s (j < J)
// reach it, from output gradient positions o = m + cmin + (J - 1 - j). The class's stride-1 convolution of
// dy uses symmetric padding P and is read from output index m + cmin + P.
struct PhaseAxis {
  int64_t r, M, k0, J, cmin, P;
};

PhaseAxis phase_axis(int64_t r, int64_t in, int64_t out, int64_t k, int64_t s, int64_t pad) {
  PhaseAxis a{r, (in - r + s - 1) / s, (r + pad) % s, 0, 0, 0};
  if (a.M <= 0 || a.k0 >= k) return a;  // no position or no tap: zero gradient
  a.J = (k - a.k0 + s - 1) / s;
  a.cmin = (r + pad) / s - (a.J - 1);
  a.P = std::max<int64_t>({0, -a.cmin, a.M - 1 + a.cmin + a.J - out});
  return a;
}

// Strided (or padded beyond the kernel span), undilated BackpropInput as s_d*s_h*s_w stride-1 forward
// convolutions of dy ("polyphase"): the input positions of one residue class mod the stride get their
// gradient from a sub-filter of the flipped taps, so no multiply-add is spent on the zeros a spread-out dy
// would hold. Each class's result is written to its positions of dx (every position in one class).
void backprop_input_polyphase(const Conv3DParams& p, const float* dy, const float* w, float* dx) {
  const int64_t in[3] = {p.D, p.H, p.W}, out[3] = {p.oD, p.oH, p.oW}, ks[3] = {p.kD, p.kH, p.kW};
  const int64_t S = p.in_spatial(), KS = p.kD * p.kH * p.kW;
  std::vector<float> wsub, part;
  for (int64_t rd = 0; rd < p.stride[0]; ++rd)
    for (int64_t rh = 0; rh < p.stride[1]; ++rh)
      for (int64_t rw = 0; rw < p.stride[2]; ++rw) {
        const int64_t r[3] = {rd, rh, rw};
        PhaseAxis ax[3];
        for (int a = 0; a < 3; ++a) ax[a] = phase_axis(r[a], in[a], out[a], ks[a], p.stride[a], p.padding[a]);
        if (ax[0].M <= 0 || ax[1].M <= 0 || ax[2].M <= 0) continue;  // no input position in this class
        const bool empty = ax[0].J == 0 || ax[1].J == 0 || ax[2].J == 0;
        Conv3DParams q;
        if (!empty) {
          q.N = p.N, q.Ci = p.Co, q.Co = p.Ci, q.D = p.oD, q.H = p.oH, q.W = p.oW;
          q.kD = ax[0].J, q.kH = ax[1].J, q.kW = ax[2].J;
          for (int a = 0; a < 3; ++a) q.padding[a] = ax[a].P;
          set_conv3d_output(q);
          // wsub[ci][co][jd][jh][jw] = w[co][ci][k0 + (J-1-j)*s] per axis
          const int64_t JS = q.kD * q.kH * q.kW;
          wsub.resize(p.Ci * p.Co * JS);
          for (int64_t ci = 0; ci < p.Ci; ++ci)
            for (int64_t co = 0; co < p.Co; ++co)
              for (int64_t jd = 0; jd < q.kD; ++jd)
                for (int64_t jh = 0; jh < q.kH; ++jh)
                  for (int64_t jw = 0; jw < q.kW; ++jw) {
                    const int64_t kd = ax[0].k0 + (q.kD - 1 - jd) * p.stride[0];
                    const int64_t kh = ax[1].k0 + (q.kH - 1 - jh) * p.stride[1];
                    const int64_t kw = ax[2].k0 + (q.kW - 1 - jw) * p.stride[2];
                    wsub[((ci * p.Co + co) * q.kD + jd) * q.kH * q.kW + jh * q.kW + jw] =
                        w[(co * p.Ci + ci) * KS + (kd * p.kH + kh) * p.kW + kw];
                  }
          part.resize(q.N * q.Co * q.P());
          conv3d_cpu(q, dy, wsub.data(), nullptr, part.data());
        }
        // dx[n][c][s*m + r] = part[n][c][m + cmin + P] per axis (0 for a class without taps)
        parallel_for(p.N * p.Ci, 1, [&](int64_t i0, int64_t i1) {
          for (int64_t nc = i0; nc < i1; ++nc) {
            float* dst = dx + nc * S;
            const float* src = empty ? nullptr : part.data() + nc * q.P();
            for (int64_t md = 0; md < ax[0].M; ++md)
              for (int64_t mh = 0; mh < ax[1].M; ++mh) {
                float* drow = dst + ((md * p.stride[0] + rd) * p.H + mh * p.stride[1] + rh) * p.W + rw;
                if (empty) {
                  for (int64_t mw = 0; mw < ax[2].M; ++mw) drow[mw * p.stride[2]] = 0.f;
                  continue;
                }
                const float* srow = src + ((md + ax[0].cmin + ax[0].P) * q.oH + mh + ax[1].cmin + ax[1].P) * q.oW +
                                    ax[2].cmin + ax[2].P;
                for (int64_t mw = 0; mw < ax[2].M; ++mw) drow[mw * p.stride[2]] = srow[mw];
              }
          }
        });
      }
}

}  // namespace

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
  if (p.dilation[0] == 1 && p.dilation[1] == 1 && p.dilation[2] == 1) return backprop_input_polyphase(p, dy, w, dx);
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

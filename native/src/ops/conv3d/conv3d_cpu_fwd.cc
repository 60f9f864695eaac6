// Fast Conv3D forward. Each sample is copied once into a zero-padded volume; output channels are the
// microkernel's rows (weights packed once per call) and output positions its vector columns.
// Stride 1: every vector of a tile reads xpad directly at (segment origin + tap offset), a contiguous
// run of positions, so there is no im2col at all ("segments" cover the valid outputs, possibly
// spanning rows). Other strides: im2col of nr positions into a packed panel. Work is split over
// (sample, tile) with static chunks; each output is written by exactly one tile, so results do not
// depend on the thread count.
#include <algorithm>
#include <cstring>
#include <vector>

#include "core/thread_pool.h"
#include "ops/conv3d/conv3d.h"
#include "ops/conv3d/conv3d_im2col.h"
#include "ops/matmul/gemm.h"

namespace nodulab {
namespace {

// A run of vw consecutive padded-volume positions starting at origin xq; lane l is output
// position lanes[l] (or -1). When the valid lanes are exactly [0, contig) and map to p0 + l, the
// copy-out is a plain memcpy of `contig` floats.
struct Segments {
  std::vector<int64_t> xq, p0;
  std::vector<int> contig;
  std::vector<int64_t> lanes;  // vw per segment
};

Segments stride1_segments(const Conv3DParams& p, const conv::PaddedVolume& pv, int vw) {
  Segments s;
  int64_t pos = 0;
  for (int64_t od = 0; od < p.oD; ++od)
    for (int64_t oh = 0; oh < p.oH; ++oh)
      for (int64_t ow = 0; ow < p.oW; ++ow, ++pos) {
        const int64_t xq = conv::window_origin(p, pv, od, oh, ow);
        if (s.xq.empty() || xq >= s.xq.back() + vw) {
          s.xq.push_back(xq);
          s.p0.push_back(pos);
          s.lanes.insert(s.lanes.end(), vw, -1);
        }
        s.lanes[(s.xq.size() - 1) * vw + (xq - s.xq.back())] = pos;
      }
  s.contig.resize(s.xq.size());
  for (size_t i = 0; i < s.xq.size(); ++i) {
    const int64_t* l = s.lanes.data() + i * vw;
    int cnt = 0;
    while (cnt < vw && l[cnt] == s.p0[i] + cnt) ++cnt;
    bool rest_empty = true;
    for (int j = cnt; j < vw; ++j) rest_empty = rest_empty && l[j] < 0;
    s.contig[i] = rest_empty ? cnt : 0;
  }
  return s;
}

}  // namespace

void conv3d_cpu(const Conv3DParams& p, const float* x, const float* w, const float* b, float* y) {
  const gemm::Kernels& kern = gemm::active_kernels();
  const int mr = kern.mr, nr = kern.nr, vw = kern.vw, nv = nr / vw;
  const int64_t K = p.K(), P = p.P(), Co = p.Co;
  if (p.N == 0 || Co == 0 || P == 0) return;
  const bool stride1 = p.stride[0] == 1 && p.stride[1] == 1 && p.stride[2] == 1;

  conv::PaddedVolume pv = conv::padded_volume(p.Ci, p.D, p.H, p.W, p.padding);
  std::vector<int64_t> off(std::max<int64_t>(K, 1));
  conv::tap_offsets(p, pv, off.data());
  const int64_t max_off = K > 0 ? *std::max_element(off.begin(), off.begin() + K) : 0;

  Segments segs;
  std::vector<int64_t> origin, panel_off;
  int64_t tiles;
  if (stride1) {
    segs = stride1_segments(p, pv, vw);
    tiles = (static_cast<int64_t>(segs.xq.size()) + nv - 1) / nv;
    pv.size = std::max(pv.size, segs.xq.back() + vw + max_off);  // vectors may read past the volume
  } else {
    origin.resize(P);
    int64_t pos = 0;
    for (int64_t od = 0; od < p.oD; ++od)
      for (int64_t oh = 0; oh < p.oH; ++oh)
        for (int64_t ow = 0; ow < p.oW; ++ow) origin[pos++] = conv::window_origin(p, pv, od, oh, ow);
    panel_off.resize(std::max<int64_t>(K, 1));
    for (int64_t k = 0; k < K; ++k) panel_off[k] = k * nr;
    tiles = (P + nr - 1) / nr;
  }

  // Weights (Co, K) packed into mr-row panels; bias padded to a multiple of mr.
  const int64_t cpanels = (Co + mr - 1) / mr;
  std::vector<float> wp(cpanels * std::max<int64_t>(K, 1) * mr), bias(cpanels * mr, 0.f);
  gemm::pack_a(Co, K, w, K, false, mr, wp.data());
  if (b) std::copy(b, b + Co, bias.begin());

  parallel_for(p.N * tiles, 1, [&](int64_t t0, int64_t t1) {
    std::vector<float> xpad(pv.size), panel(stride1 ? 0 : K * nr), tile(static_cast<size_t>(mr) * nr);
    std::vector<int64_t> seg(nv);
    int64_t cur_n = -1;
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t n = t / tiles, j = t % tiles;
      if (n != cur_n) {
        conv::pad_sample(pv, x + n * p.Ci * p.in_spatial(), xpad.data());
        cur_n = n;
      }
      const float* bsrc;
      const int64_t* boff;
      int nseg = nv;
      if (stride1) {
        nseg = static_cast<int>(std::min<int64_t>(nv, static_cast<int64_t>(segs.xq.size()) - j * nv));
        for (int v = 0; v < nv; ++v) seg[v] = segs.xq[j * nv + (v < nseg ? v : 0)];
        bsrc = xpad.data();
        boff = off.data();
      } else {
        conv::im2col_panel(K, off.data(), origin.data(), P, j * nr, nr, xpad.data(), panel.data());
        for (int v = 0; v < nv; ++v) seg[v] = static_cast<int64_t>(v) * vw;
        bsrc = panel.data();
        boff = panel_off.data();
      }
      for (int64_t cp = 0; cp < cpanels; ++cp) {
        kern.tile_ab(K, wp.data() + cp * K * mr, bsrc, seg.data(), boff, b ? bias.data() + cp * mr : nullptr,
                     tile.data());
        const int rows = static_cast<int>(std::min<int64_t>(mr, Co - cp * mr));
        for (int i = 0; i < rows; ++i) {
          float* yrow = y + (n * Co + cp * mr + i) * P;
          const float* trow = tile.data() + i * nr;
          if (!stride1) {
            std::memcpy(yrow + j * nr, trow, std::min<int64_t>(nr, P - j * nr) * sizeof(float));
            continue;
          }
          for (int v = 0; v < nseg; ++v) {
            const int64_t s = j * nv + v;
            if (segs.contig[s] > 0) {
              std::memcpy(yrow + segs.p0[s], trow + v * vw, segs.contig[s] * sizeof(float));
            } else {
              const int64_t* l = segs.lanes.data() + s * vw;
              for (int q = 0; q < vw; ++q)
                if (l[q] >= 0) yrow[l[q]] = trow[v * vw + q];
            }
          }
        }
      }
    }
  });
}

}  // namespace nodulab

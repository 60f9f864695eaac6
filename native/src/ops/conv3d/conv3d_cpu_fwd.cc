// Fast Conv3D forward. Stride-1 3x3x3 filters with enough channels take the Winograd path
// (conv3d_winograd.cc). Otherwise each sample is copied once into a zero-padded volume; output channels are the
// microkernel's rows (weights packed once per call) and output positions its vector columns.
// Stride 1: every vector of a tile reads xpad directly at (segment origin + tap offset), a contiguous
// run of positions, so there is no im2col at all ("segments" cover the valid outputs, possibly
// spanning rows); a tile whose segments are nr consecutive outputs is stored straight into y. Rows
// of at most half a vector (e.g. 8 at 8^3 with AVX-512) are paired instead, two rows per vector, so
// no lane is spent on the padding between rows. Other strides: im2col of nr positions into a packed panel.
// The per-call setup is a DirectPlan and each tile a direct_tile call (conv3d_direct.h), which the fused
// inference block also runs on a few output planes at a time. Work is split over (sample, tile) with static
// chunks; each output is written by exactly one tile, so results do not depend on the thread count.
#include <algorithm>
#include <cstring>
#include <vector>

#include "core/thread_pool.h"
#include "ops/conv3d/conv3d.h"
#include "ops/conv3d/conv3d_direct.h"
#include "ops/conv3d/conv3d_im2col.h"
#include "ops/conv3d/conv3d_winograd.h"
#include "ops/matmul/gemm.h"

namespace nodulab {
namespace conv {
namespace {

// Segments of the outputs in planes [0, planes).
Segments stride1_segments(const Conv3DParams& p, const PaddedVolume& pv, int64_t planes, int vw) {
  Segments s;
  int64_t pos = 0;
  for (int64_t od = 0; od < planes; ++od)
    for (int64_t oh = 0; oh < p.oH; ++oh)
      for (int64_t ow = 0; ow < p.oW; ++ow, ++pos) {
        const int64_t xq = window_origin(p, pv, od, oh, ow);
        if (s.xq.empty() || xq >= s.xq.back() + vw) {
          s.xq.push_back(xq);
          s.p0.push_back(pos);
          s.lanes.insert(s.lanes.end(), vw, -1);
        }
        s.lanes[(s.xq.size() - 1) * vw + (xq - s.xq.back())] = pos;
      }
  return s;
}

// Row pairs: vector i holds output rows 2i (lanes [0, vw/2)) and 2i + 1 (lanes [vw/2, vw)), each
// read from its own window origin. Needs oW <= vw / 2.
Segments row_pair_segments(const Conv3DParams& p, const PaddedVolume& pv, int64_t planes, int vw) {
  Segments s;
  const int half = vw / 2;
  const int64_t rows = planes * p.oH;
  auto origin = [&](int64_t r) { return window_origin(p, pv, r / p.oH, r % p.oH, 0); };
  for (int64_t r = 0; r < rows; r += 2) {
    const bool pair = r + 1 < rows;
    s.xq.push_back(origin(r));
    s.xq_hi.push_back(pair ? origin(r + 1) : origin(r));
    s.p0.push_back(r * p.oW);
    for (int l = 0; l < vw; ++l) {
      const int64_t row = l < half ? r : r + 1, col = l < half ? l : l - half;
      s.lanes.push_back(col < p.oW && (l < half || pair) ? row * p.oW + col : -1);
    }
  }
  return s;
}

// Fills contig: the valid lanes of a segment are exactly [0, contig) mapping to p0 + lane (else 0).
void set_contiguity(Segments& s, int vw) {
  s.contig.resize(s.xq.size());
  for (size_t i = 0; i < s.xq.size(); ++i) {
    const int64_t* l = s.lanes.data() + i * vw;
    int cnt = 0;
    while (cnt < vw && l[cnt] == s.p0[i] + cnt) ++cnt;
    bool rest_empty = true;
    for (int j = cnt; j < vw; ++j) rest_empty = rest_empty && l[j] < 0;
    s.contig[i] = rest_empty ? cnt : 0;
  }
}

// Marks the tiles (nv segments each) that cover nv*vw consecutive output positions.
void mark_direct_tiles(Segments& s, int vw, int nv) {
  const int64_t count = static_cast<int64_t>(s.xq.size()), tiles = (count + nv - 1) / nv;
  s.direct.assign(tiles, 0);
  for (int64_t j = 0; j < tiles; ++j) {
    bool ok = (j + 1) * nv <= count;
    for (int v = 0; ok && v < nv; ++v) {
      const int64_t i = j * nv + v;
      ok = s.contig[i] == vw && s.p0[i] == s.p0[j * nv] + v * vw;
    }
    s.direct[j] = ok;
  }
}

}  // namespace

DirectPlan make_direct_plan(const Conv3DParams& p, int64_t planes, const float* w, const float* b) {
  const gemm::Kernels& kern = gemm::active_kernels();
  const int mr = kern.mr, nr = kern.nr, vw = kern.vw, nv = nr / vw;
  const int64_t K = p.K(), Co = p.Co;
  DirectPlan plan;
  plan.p = p;
  plan.kern = &kern;
  plan.planes = planes;
  plan.PP = planes * p.oH * p.oW;
  plan.stride1 = p.stride[0] == 1 && p.stride[1] == 1 && p.stride[2] == 1;
  plan.pv = padded_volume(p.Ci, p.D, p.H, p.W, p.padding);
  PaddedVolume& pv = plan.pv;
  plan.off.resize(std::max<int64_t>(K, 1));
  tap_offsets(p, pv, plan.off.data());
  const int64_t max_off = K > 0 ? *std::max_element(plan.off.begin(), plan.off.begin() + K) : 0;
  const int64_t shift = (p.oD - planes) * p.stride[0] * pv.plane;  // origin of the last run's first plane
  // Row pairs when a row fills at most half a vector and a padded row is longer than that (so
  // runs over the padded volume would waste more lanes).
  plan.pairs = plan.stride1 && kern.tile_ab_halves && 2 * p.oW <= vw && 2 * pv.Wp > vw;
  if (plan.stride1) {
    Segments& segs = plan.segs;
    segs = plan.pairs ? row_pair_segments(p, pv, planes, vw) : stride1_segments(p, pv, planes, vw);
    set_contiguity(segs, vw);
    mark_direct_tiles(segs, vw, nv);
    plan.tiles = (static_cast<int64_t>(segs.xq.size()) + nv - 1) / nv;
    const int64_t last = plan.pairs ? *std::max_element(segs.xq_hi.begin(), segs.xq_hi.end()) : segs.xq.back();
    pv.size = std::max(pv.size, shift + last + vw + max_off);  // vectors may read past the volume
  } else {
    plan.origin.resize(plan.PP);
    int64_t pos = 0;
    for (int64_t od = 0; od < planes; ++od)
      for (int64_t oh = 0; oh < p.oH; ++oh)
        for (int64_t ow = 0; ow < p.oW; ++ow) plan.origin[pos++] = window_origin(p, pv, od, oh, ow);
    plan.panel_off.resize(std::max<int64_t>(K, 1));
    for (int64_t k = 0; k < K; ++k) plan.panel_off[k] = k * nr;
    plan.tiles = (plan.PP + nr - 1) / nr;
  }
  // Weights (Co, K) packed into mr-row panels; bias padded to a multiple of mr.
  plan.cpanels = (Co + mr - 1) / mr;
  plan.wp.resize(plan.cpanels * std::max<int64_t>(K, 1) * mr);
  plan.bias.assign(plan.cpanels * mr, 0.f);
  gemm::pack_a(Co, K, w, K, false, mr, plan.wp.data());
  plan.has_bias = b != nullptr;
  if (b) std::copy(b, b + Co, plan.bias.begin());
  return plan;
}

DirectScratch direct_scratch(const DirectPlan& plan) {
  const gemm::Kernels& kern = *plan.kern;
  DirectScratch s;
  s.seg.resize(2 * (kern.nr / kern.vw));
  s.tile.resize(static_cast<size_t>(kern.mr) * kern.nr);
  if (!plan.stride1) s.panel.resize(plan.p.K() * kern.nr);
  return s;
}

void direct_tile(const DirectPlan& plan, const float* xpad, int64_t od0, int64_t j, float* y, DirectScratch& s) {
  const gemm::Kernels& kern = *plan.kern;
  const int mr = kern.mr, nr = kern.nr, vw = kern.vw, nv = nr / vw;
  const Conv3DParams& p = plan.p;
  const Segments& segs = plan.segs;
  const int64_t K = p.K(), Co = p.Co, P = plan.PP;
  xpad += od0 * p.stride[0] * plan.pv.plane;
  const float* bsrc;
  const int64_t* boff;
  int nseg = nv;
  if (plan.stride1) {
    nseg = static_cast<int>(std::min<int64_t>(nv, static_cast<int64_t>(segs.xq.size()) - j * nv));
    for (int v = 0; v < nv; ++v) {
      s.seg[v] = segs.xq[j * nv + (v < nseg ? v : 0)];
      if (plan.pairs) s.seg[nv + v] = segs.xq_hi[j * nv + (v < nseg ? v : 0)];
    }
    bsrc = xpad;
    boff = plan.off.data();
  } else {
    im2col_panel(K, plan.off.data(), plan.origin.data(), P, j * nr, nr, xpad, s.panel.data());
    for (int v = 0; v < nv; ++v) s.seg[v] = static_cast<int64_t>(v) * vw;
    bsrc = s.panel.data();
    boff = plan.panel_off.data();
  }
  const gemm::TileAbFn tile_ab = plan.pairs ? kern.tile_ab_halves : kern.tile_ab;
  for (int64_t cp = 0; cp < plan.cpanels; ++cp) {
    const float* init = plan.has_bias ? plan.bias.data() + cp * mr : nullptr;
    const float* a = plan.wp.data() + cp * K * mr;
    if (plan.stride1 && segs.direct[j] && (cp + 1) * mr <= Co) {  // a full tile of consecutive outputs
      tile_ab(K, a, bsrc, s.seg.data(), boff, init, y + cp * mr * P + segs.p0[j * nv], P);
      continue;
    }
    tile_ab(K, a, bsrc, s.seg.data(), boff, init, s.tile.data(), nr);
    const int rows = static_cast<int>(std::min<int64_t>(mr, Co - cp * mr));
    for (int i = 0; i < rows; ++i) {
      float* yrow = y + (cp * mr + i) * P;
      const float* trow = s.tile.data() + i * nr;
      if (!plan.stride1) {
        std::memcpy(yrow + j * nr, trow, std::min<int64_t>(nr, P - j * nr) * sizeof(float));
        continue;
      }
      for (int v = 0; v < nseg; ++v) {
        const int64_t sg = j * nv + v;
        if (segs.contig[sg] > 0) {
          std::memcpy(yrow + segs.p0[sg], trow + v * vw, segs.contig[sg] * sizeof(float));
        } else {
          const int64_t* l = segs.lanes.data() + sg * vw;
          for (int q = 0; q < vw; ++q)
            if (l[q] >= 0) yrow[l[q]] = trow[v * vw + q];
        }
      }
    }
  }
}

}  // namespace conv

void conv3d_cpu(const Conv3DParams& p, const float* x, const float* w, const float* b, float* y) {
  if (p.N == 0 || p.Co == 0 || p.P() == 0) return;
  if (conv3d_winograd_applies(p)) return conv3d_winograd_cpu(p, x, w, b, y);
  const conv::DirectPlan plan = conv::make_direct_plan(p, p.oD, w, b);
  const int64_t tiles = plan.tiles;
  parallel_for(p.N * tiles, 1, [&](int64_t t0, int64_t t1) {
    std::vector<float> xpad(plan.pv.size);
    conv::DirectScratch s = conv::direct_scratch(plan);
    int64_t cur_n = -1;
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t n = t / tiles, j = t % tiles;
      if (n != cur_n) {
        conv::pad_sample(plan.pv, x + n * p.Ci * p.in_spatial(), xpad.data());
        cur_n = n;
      }
      conv::direct_tile(plan, xpad.data(), 0, j, y + n * p.Co * p.P(), s);
    }
  });
}

}  // namespace nodulab

// Fast Conv3D forward. Stride-1 3x3x3 filters with enough channels take the Winograd path
// (conv3d_winograd.cc). Otherwise each sample is copied once into a zero-padded volume; output channels are the
// microkernel's rows (weights packed once per call) and output positions its vector columns.
// Stride 1: every vector of a tile reads xpad directly at (segment origin + tap offset), a contiguous
// run of positions, so there is no im2col at all ("segments" cover the valid outputs, possibly
// spanning rows); a tile whose segments are nr consecutive outputs is stored straight into y. Rows
// of at most half a vector (e.g. 8 at 8^3 with AVX-512) are paired instead, two rows per vector, so
// no lane is spent on the padding between rows. Other strides: im2col of nr positions into a packed panel. Work is split over
// (sample, tile) with static chunks; each output is written by exactly one tile, so results do not
// depend on the thread count.
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

// A run of vw consecutive padded-volume positions starting at origin xq; lane l is output
// position lanes[l] (or -1). When the valid lanes are exactly [0, contig) and map to p0 + l, the
// copy-out is a plain memcpy of `contig` floats.
struct Segments {
  std::vector<int64_t> xq, p0;
  std::vector<int64_t> xq_hi;  // row pairs only: origin of the upper half of each vector
  std::vector<int> contig;
  std::vector<int64_t> lanes;  // vw per segment
  std::vector<char> direct;    // per tile of nv segments: outputs p0[first] .. + nv*vw, all valid
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
  return s;
}

// Row pairs: vector i holds output rows 2i (lanes [0, vw/2)) and 2i + 1 (lanes [vw/2, vw)), each
// read from its own window origin. Needs oW <= vw / 2.
Segments row_pair_segments(const Conv3DParams& p, const conv::PaddedVolume& pv, int vw) {
  Segments s;
  const int half = vw / 2;
  const int64_t rows = p.oD * p.oH;
  auto origin = [&](int64_t r) { return conv::window_origin(p, pv, r / p.oH, r % p.oH, 0); };
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

void conv3d_cpu(const Conv3DParams& p, const float* x, const float* w, const float* b, float* y) {
  const gemm::Kernels& kern = gemm::active_kernels();
  const int mr = kern.mr, nr = kern.nr, vw = kern.vw, nv = nr / vw;
  const int64_t K = p.K(), P = p.P(), Co = p.Co;
  if (p.N == 0 || Co == 0 || P == 0) return;
  if (conv3d_winograd_applies(p)) return conv3d_winograd_cpu(p, x, w, b, y);
  const bool stride1 = p.stride[0] == 1 && p.stride[1] == 1 && p.stride[2] == 1;

  conv::PaddedVolume pv = conv::padded_volume(p.Ci, p.D, p.H, p.W, p.padding);
  std::vector<int64_t> off(std::max<int64_t>(K, 1));
  conv::tap_offsets(p, pv, off.data());
  const int64_t max_off = K > 0 ? *std::max_element(off.begin(), off.begin() + K) : 0;

  Segments segs;
  std::vector<int64_t> origin, panel_off;
  int64_t tiles;
  // Row pairs when a row fills at most half a vector and a padded row is longer than that (so
  // runs over the padded volume would waste more lanes).
  const bool pairs = stride1 && kern.tile_ab_halves && 2 * p.oW <= vw && 2 * pv.Wp > vw;
  if (stride1) {
    segs = pairs ? row_pair_segments(p, pv, vw) : stride1_segments(p, pv, vw);
    set_contiguity(segs, vw);
    mark_direct_tiles(segs, vw, nv);
    tiles = (static_cast<int64_t>(segs.xq.size()) + nv - 1) / nv;
    const int64_t last = pairs ? *std::max_element(segs.xq_hi.begin(), segs.xq_hi.end()) : segs.xq.back();
    pv.size = std::max(pv.size, last + vw + max_off);  // vectors may read past the volume
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
    std::vector<int64_t> seg(2 * nv);
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
        for (int v = 0; v < nv; ++v) {
          seg[v] = segs.xq[j * nv + (v < nseg ? v : 0)];
          if (pairs) seg[nv + v] = segs.xq_hi[j * nv + (v < nseg ? v : 0)];
        }
        bsrc = xpad.data();
        boff = off.data();
      } else {
        conv::im2col_panel(K, off.data(), origin.data(), P, j * nr, nr, xpad.data(), panel.data());
        for (int v = 0; v < nv; ++v) seg[v] = static_cast<int64_t>(v) * vw;
        bsrc = panel.data();
        boff = panel_off.data();
      }
      const gemm::TileAbFn tile_ab = pairs ? kern.tile_ab_halves : kern.tile_ab;
      for (int64_t cp = 0; cp < cpanels; ++cp) {
        const float* init = b ? bias.data() + cp * mr : nullptr;
        if (stride1 && segs.direct[j] && (cp + 1) * mr <= Co) {  // a full tile of consecutive outputs
          tile_ab(K, wp.data() + cp * K * mr, bsrc, seg.data(), boff, init, y + (n * Co + cp * mr) * P + segs.p0[j * nv],
                  P);
          continue;
        }
        tile_ab(K, wp.data() + cp * K * mr, bsrc, seg.data(), boff, init, tile.data(), nr);
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

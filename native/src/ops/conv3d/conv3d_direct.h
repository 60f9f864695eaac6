// The direct (non-Winograd) fast Conv3D forward of conv3d_cpu_fwd.cc split into a plan, built once per call,
// and a per-tile step, so a fused kernel can compute a few output planes of one sample at a time into a
// scratch that stays in cache (conv3d_fused.cc) with the same arithmetic as conv3d_cpu.
#pragma once
#include <cstdint>
#include <vector>

#include "ops/conv3d/conv3d.h"
#include "ops/conv3d/conv3d_im2col.h"
#include "ops/matmul/gemm.h"

namespace nodulab::conv {

// A run of vw consecutive padded-volume positions starting at origin xq; lane l is output position
// lanes[l] (or -1). When the valid lanes are exactly [0, contig) and map to p0 + l, the copy-out is a
// plain memcpy of `contig` floats.
struct Segments {
  std::vector<int64_t> xq, p0;
  std::vector<int64_t> xq_hi;  // row pairs only: origin of the upper half of each vector
  std::vector<int> contig;
  std::vector<int64_t> lanes;  // vw per segment
  std::vector<char> direct;    // per tile of nv segments: outputs p0[first] .. + nv*vw, all valid
};

// What the tiles of one call share: the padded-volume geometry, tap offsets, the output positions of
// `planes` output D-planes (segments for stride 1, window origins for im2col) and the packed weights.
struct DirectPlan {
  Conv3DParams p;        // the whole call's parameters
  const gemm::Kernels* kern = nullptr;  // the microkernels of the ISA active when the plan was made
  int64_t planes = 0;    // output D-planes covered by one run of the tiles (p.oD for a whole sample)
  int64_t PP = 0;        // output positions per channel in those planes: planes * oH * oW
  PaddedVolume pv;       // pv.size covers the reads of a run starting at any plane od0 <= p.oD - planes
  bool stride1 = false, pairs = false;
  int64_t tiles = 0;     // tiles per run
  int64_t cpanels = 0;   // mr-row panels of output channels
  std::vector<int64_t> off, origin, panel_off;
  Segments segs;
  std::vector<float> wp, bias;  // packed weights (cpanels x K x mr), bias padded to cpanels * mr
  bool has_bias = false;
};

// The plan for runs of `planes` output D-planes (1 <= planes <= p.oD) of p with weights w (Co, K), bias b
// (may be null).
DirectPlan make_direct_plan(const Conv3DParams& p, int64_t planes, const float* w, const float* b);

// Per-thread buffers of direct_tile, sized for one plan (direct_scratch).
struct DirectScratch {
  std::vector<float> panel, tile;
  std::vector<int64_t> seg;
};
DirectScratch direct_scratch(const DirectPlan& plan);

// Tile j (< plan.tiles) of the run over output planes [od0, od0 + plan.planes) of one sample, read from its
// padded copy xpad (pad_sample, plan.pv): writes y[co * plan.PP + q] for the tile's positions q (relative to
// plane od0) and every output channel co.
void direct_tile(const DirectPlan& plan, const float* xpad, int64_t od0, int64_t j, float* y, DirectScratch& s);

}  // namespace nodulab::conv

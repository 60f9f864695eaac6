// Winograd F(2x2x2, 3x3x3) Conv3D for stride-1, undilated 3x3x3 filters: each 2x2x2 block of outputs
// ("tile") costs 64 multiply-adds per (ci, co) pair instead of 216. x (N,Ci,D,H,W), w (Co,Ci,3,3,3).
// Transforms run on channel-last data, one vector over channels; the 64 per-frequency products are
// the AtB GEMM microkernel (gemm.h). Used by conv3d_cpu (and so by the stride-1 backprop-input) and
// conv3d_backprop_filter_cpu when conv3d_winograd_applies.
#pragma once
#include <cstdint>

#include "ops/conv3d/conv3d.h"

namespace nodulab {

// Channel counts of the transformed buffers are padded to a multiple of this (zeros in the padding).
constexpr int64_t kWinoChannelAlign = 16;

// The per-tile transforms over C channels (contiguous floats, C a multiple of kWinoChannelAlign),
// compiled per ISA (conv3d_winograd_loops.h). xi indexes the 64 frequencies (a*4 + b)*4 + c of a tile.
struct WinogradLoops {
  // dst[xi*dxi + c] = (B^T d B) of the 4x4x4 input patch d(i, j, k) = src[i*sd + j*sh + k*sw + c].
  void (*input_tile)(const float* src, int64_t sd, int64_t sh, int64_t sw, int64_t C, float* dst, int64_t dxi);
  // For the 8 outputs q = (dd*2 + hh)*2 + ww of a tile: dst[q][c*cs] = (A^T m A)(q) + bias[c], with
  // m(xi) = m[xi*mxi + c], then max(0, .) when relu; outputs whose dst[q] is null are skipped.
  void (*output_tile)(const float* m, int64_t mxi, int64_t C, const float* bias, bool relu, float* const* dst,
                      int64_t cs);
  // dst[c] = max(0, max over q of (A^T m A)(q) + bias[c]): ReLU, then the tile as one 2x2x2 max-pool window.
  void (*output_tile_relu_max)(const float* m, int64_t mxi, int64_t C, const float* bias, float* dst);
  // dst[xi*dxi + c] = (A g A^T) of the 2x2x2 output gradient g(dd, hh, ww) = src[dd*sd + hh*sh + ww*sw + c]:
  // the transpose of output_tile, for the filter gradient.
  void (*grad_tile)(const float* src, int64_t sd, int64_t sh, int64_t sw, int64_t C, float* dst, int64_t dxi);
  // dst[xi*dxi + c] = (G w G^T) of the 3x3x3 filter w(kd, kh, kw) = src[((kd*3 + kh)*3 + kw)*C + c].
  void (*filter_tile)(const float* src, int64_t C, float* dst, int64_t dxi);
};
const WinogradLoops& winograd_loops_scalar();
const WinogradLoops& winograd_loops_avx2();
const WinogradLoops& winograd_loops_avx512();

// Whether the Winograd path runs for p: 3x3x3 filter, stride 1, dilation 1, every output size >= 2, and
// enough channels: 32 each way on AVX-512; elsewhere 16 each way and 32 on one side. NODULAB_WINOGRAD=0
// turns it off (for comparisons).
bool conv3d_winograd_applies(const Conv3DParams& p);

// What the output transform applies before its one store of y: nothing, ReLU, or ReLU then the 2x2x2 stride-2
// max pool (each tile is one pooling window; y is then (N, Co, oD/2, oH/2, oW/2), floor mode).
enum class WinogradEpilogue { kNone, kRelu, kReluMaxPool2 };

// y = epilogue(conv(x, w) + b) (b may be null), for conv3d_winograd_applies(p).
void conv3d_winograd_cpu(const Conv3DParams& p, const float* x, const float* w, const float* b, float* y,
                         WinogradEpilogue epilogue = WinogradEpilogue::kNone);
// dw (Co, Ci, 3, 3, 3) from x and dy (db is left to the caller), for conv3d_winograd_applies(p).
void conv3d_winograd_backprop_filter_cpu(const Conv3DParams& p, const float* x, const float* dy, float* dw);

}  // namespace nodulab

// 3-D pooling kernels: max (with argmax indices), average and global average, forward and backward.
// x: (N,C,D,H,W) -> y: (N,C,oD,oH,oW); plain pointers and shapes, no N-API.
#pragma once
#include <cstdint>

namespace nodulab {

// The geometry of one pooling call, PyTorch semantics (floor mode): o = (i + 2p - k) / s + 1.
// Callers guarantee k >= 1, s >= 1, 0 <= p <= k / 2 and every output size >= 1, so every window
// holds at least one real (unpadded) input element.
struct Pool3dGeom {
  int64_t n, c;             // batch, channels
  int64_t d, h, w;          // input volume
  int64_t od, oh, ow;       // output volume
  int64_t kd, kh, kw;       // window
  int64_t sd, sh, sw;       // stride
  int64_t pd, ph, pw;       // padding (implicit -inf for max, 0 for average)
  int64_t planes() const { return n * c; }
  int64_t in_plane() const { return d * h * w; }
  int64_t out_plane() const { return od * oh * ow; }
  // A 2x2x2 window at stride 2 without padding: the case with dedicated row kernels.
  bool is_222() const {
    return kd == 2 && kh == 2 && kw == 2 && sd == 2 && sh == 2 && sw == 2 && pd == 0 && ph == 0 && pw == 0;
  }
};

// Output length of one axis in floor mode: floor((in + 2p - k) / s) + 1, which may be <= 0.
inline int64_t pool_out_size(int64_t in, int64_t k, int64_t s, int64_t p) {
  const int64_t span = in + 2 * p - k;
  return span < 0 ? 0 : span / s + 1;
}

// Fills od/oh/ow from the input size, kernel, stride and padding.
inline void pool3d_output_size(Pool3dGeom* g) {
  g->od = pool_out_size(g->d, g->kd, g->sd, g->pd);
  g->oh = pool_out_size(g->h, g->kh, g->sh, g->ph);
  g->ow = pool_out_size(g->w, g->kw, g->sw, g->pw);
}

// MaxPool3D: y = max over each window; indices = flat index (z*H + y)*W + x of the chosen element
// within its (n, c) volume. Scan order d, h, w; the first maximum wins a tie; NaN wins over numbers
// (a later NaN replaces an earlier one), as PyTorch's CPU kernel does.
using MaxPool3dFn = void (*)(const Pool3dGeom& g, const float* x, float* y, int32_t* indices);
// MaxPool3DGrad: dx = 0, then dx[plane][indices[o]] += dy[o] (windows may overlap).
// Needs only n, c, the input and output volume sizes of g.
using MaxPool3dGradFn = void (*)(const Pool3dGeom& g, const float* dy, const int32_t* indices, float* dx);
// AvgPool3D: y = sum over the window / divisor, divisor = the window size clipped to the padded
// volume when count_include_pad, else the number of real elements in it.
using AvgPool3dFn = void (*)(const Pool3dGeom& g, bool count_include_pad, const float* x, float* y);
// AvgPool3DGrad: every input element receives dy / divisor from each window that holds it.
using AvgPool3dGradFn = void (*)(const Pool3dGeom& g, bool count_include_pad, const float* dy, float* dx);
// GlobalAvgPool3D: x (planes, size) -> y (planes) mean of each plane; Grad spreads dy / size back.
using GlobalAvgPool3dFn = void (*)(int64_t planes, int64_t size, const float* x, float* y);
using GlobalAvgPool3dGradFn = void (*)(int64_t planes, int64_t size, const float* dy, float* dx);

// Reference kernels, templated so the finite-difference tests can run them in double.
template <class T> void max_pool3d_ref(const Pool3dGeom& g, const T* x, T* y, int32_t* indices);
template <class T> void max_pool3d_grad_ref(const Pool3dGeom& g, const T* dy, const int32_t* indices, T* dx);
template <class T> void avg_pool3d_ref(const Pool3dGeom& g, bool count_include_pad, const T* x, T* y);
template <class T> void avg_pool3d_grad_ref(const Pool3dGeom& g, bool count_include_pad, const T* dy, T* dx);
template <class T> void global_avg_pool3d_ref(int64_t planes, int64_t size, const T* x, T* y);
template <class T> void global_avg_pool3d_grad_ref(int64_t planes, int64_t size, const T* dy, T* dx);

// Fast CPU kernels (parallel over (n, c) planes; a vector fast path for the 2x2x2 stride-2 max pool).
void max_pool3d_cpu(const Pool3dGeom& g, const float* x, float* y, int32_t* indices);
void max_pool3d_grad_cpu(const Pool3dGeom& g, const float* dy, const int32_t* indices, float* dx);
void avg_pool3d_cpu(const Pool3dGeom& g, bool count_include_pad, const float* x, float* y);
void avg_pool3d_grad_cpu(const Pool3dGeom& g, bool count_include_pad, const float* dy, float* dx);
void global_avg_pool3d_cpu(int64_t planes, int64_t size, const float* x, float* y);
void global_avg_pool3d_grad_cpu(int64_t planes, int64_t size, const float* dy, float* dx);

// The max-pool update rule shared by every kernel: a larger value or a NaN takes the window.
template <class T>
inline void max_pool_take(T v, int32_t i, T& best, int32_t& best_index) {
  if (v > best || v != v) {
    best = v;
    best_index = i;
  }
}

// One output row of the 2x2x2 stride-2 unpadded max pool, per ISA (pool3d_cpu_avx2.cc / _avx512.cc).
// x0 points at input (2*od, 2*oh, 0) of a plane and base is its flat index; the window rows are
// x0, x0 + w, x0 + hw, x0 + hw + w (scan order). Writes y[0..ow) and indices[0..ow).
// Outputs [o_begin, ow) of such a row, scalar: the scalar path and the vector paths' tails.
inline void max_pool222_row_tail(const float* x0, int32_t base, int64_t w, int64_t hw, int64_t o_begin, int64_t ow,
                                 float* y, int32_t* indices) {
  const int64_t offsets[8] = {0, 1, w, w + 1, hw, hw + 1, hw + w, hw + w + 1};
  for (int64_t o = o_begin; o < ow; ++o) {
    float best = -__builtin_inff();
    int32_t best_index = base + static_cast<int32_t>(2 * o);
    for (int64_t k = 0; k < 8; ++k) {
      const int64_t i = 2 * o + offsets[k];
      max_pool_take(x0[i], base + static_cast<int32_t>(i), best, best_index);
    }
    y[o] = best;
    indices[o] = best_index;
  }
}
void max_pool222_row_avx2(const float* x0, int32_t base, int64_t w, int64_t hw, int64_t ow, float* y,
                          int32_t* indices);
void max_pool222_row_avx512(const float* x0, int32_t base, int64_t w, int64_t hw, int64_t ow, float* y,
                            int32_t* indices);

// The same row for inference after a ReLU: y[o] = max(0, max of the window), no indices (a NaN counts as
// 0, like relu(NaN)). Scalar (the vector paths' tails) and per ISA.
inline void max_pool222_relu_row_tail(const float* x0, int64_t w, int64_t hw, int64_t o_begin, int64_t ow, float* y) {
  const int64_t offsets[8] = {0, 1, w, w + 1, hw, hw + 1, hw + w, hw + w + 1};
  for (int64_t o = o_begin; o < ow; ++o) {
    float best = 0.f;
    for (int64_t k = 0; k < 8; ++k) {
      const float v = x0[2 * o + offsets[k]];
      best = v > best ? v : best;
    }
    y[o] = best;
  }
}
void max_pool222_row_avx2_relu(const float* x0, int64_t w, int64_t hw, int64_t ow, float* y);
void max_pool222_row_avx512_relu(const float* x0, int64_t w, int64_t hw, int64_t ow, float* y);

}  // namespace nodulab

// Conv3D and its two backward kernels: x (N,Ci,D,H,W), w (Co,Ci,kD,kH,kW), b (Co) -> y (N,Co,oD,oH,oW),
// with per-axis stride, zero padding and dilation (PyTorch Conv3d semantics, cross-correlation).
#pragma once
#include <cstdint>

namespace nodulab {

struct Conv3DParams {
  int64_t N = 0, Ci = 0, D = 0, H = 0, W = 0;  // input
  int64_t Co = 0, kD = 0, kH = 0, kW = 0;      // filter
  int64_t stride[3] = {1, 1, 1};               // (d, h, w)
  int64_t padding[3] = {0, 0, 0};
  int64_t dilation[3] = {1, 1, 1};
  int64_t oD = 0, oH = 0, oW = 0;              // output, from make_conv3d_params

  int64_t K() const { return Ci * kD * kH * kW; }  // reduction length of one output
  int64_t P() const { return oD * oH * oW; }       // output positions per (n, co)
  int64_t in_spatial() const { return D * H * W; }
};

// floor((in + 2p - d(k-1) - 1) / s) + 1, or 0 when the dilated kernel exceeds the padded input.
inline int64_t conv_out_size(int64_t in, int64_t k, int64_t s, int64_t p, int64_t d) {
  const int64_t span = in + 2 * p - d * (k - 1) - 1;
  return span < 0 ? 0 : span / s + 1;
}

// Fills the output sizes of p from its input, filter, stride, padding and dilation.
inline void set_conv3d_output(Conv3DParams& p) {
  p.oD = conv_out_size(p.D, p.kD, p.stride[0], p.padding[0], p.dilation[0]);
  p.oH = conv_out_size(p.H, p.kH, p.stride[1], p.padding[1], p.dilation[1]);
  p.oW = conv_out_size(p.W, p.kW, p.stride[2], p.padding[2], p.dilation[2]);
}

// y = conv(x, w) + b; b may be null.
using Conv3DFn = void (*)(const Conv3DParams& p, const float* x, const float* w, const float* b, float* y);
// dx (N,Ci,D,H,W) from dy (N,Co,oD,oH,oW) and w. Also the forward pass of a transposed convolution.
using Conv3DBackpropInputFn = void (*)(const Conv3DParams& p, const float* dy, const float* w, float* dx);
// dw (Co,Ci,kD,kH,kW) from x and dy; db (Co) = sum of dy over (N, oD, oH, oW) when db is non-null.
using Conv3DBackpropFilterFn = void (*)(const Conv3DParams& p, const float* x, const float* dy, float* dw,
                                        float* db);

// Reference kernels: direct loops, templated so the finite-difference tests run them in double.
template <class T> void conv3d_ref(const Conv3DParams& p, const T* x, const T* w, const T* b, T* y);
template <class T> void conv3d_backprop_input_ref(const Conv3DParams& p, const T* dy, const T* w, T* dx);
template <class T> void conv3d_backprop_filter_ref(const Conv3DParams& p, const T* x, const T* dy, T* dw, T* db);

// Fast CPU kernels (packed-GEMM microkernels, multi-threaded; see conv3d_cpu_fwd.cc / _bwd.cc).
void conv3d_cpu(const Conv3DParams& p, const float* x, const float* w, const float* b, float* y);
void conv3d_backprop_input_cpu(const Conv3DParams& p, const float* dy, const float* w, float* dx);
void conv3d_backprop_filter_cpu(const Conv3DParams& p, const float* x, const float* dy, float* dw, float* db);

}  // namespace nodulab

// CUDA 3-D pooling (device pointers; pool3d_ref.cc semantics: scan order d, h, w, the first maximum
// wins a tie, NaN wins). No atomics: the average-pool gradient gathers, per input element, the
// windows covering it; the max-pool gradient scatters by index in the reference's order (below).
#include "core/cuda_check.cuh"
#include "core/registry.h"
#include "ops/kernel_names.h"
#include "ops/pool3d/pool3d.h"

namespace nodulab {
namespace {
using cuda::kThreads;
using cuda::launch_grid_stride;

// The window of output (od, oh, ow) clipped to the real input, and its average-pool divisor
// (the same arithmetic as the reference's window()).
struct Win {
  int64_t z0, z1, y0, y1, x0, x1, divisor;
};
__device__ inline Win window_of(const Pool3dGeom& g, int64_t od, int64_t oh, int64_t ow, bool count_include_pad) {
  Win w;
  const int64_t z0 = od * g.sd - g.pd, y0 = oh * g.sh - g.ph, x0 = ow * g.sw - g.pw;
  const int64_t z1 = min(z0 + g.kd, g.d + g.pd), y1 = min(y0 + g.kh, g.h + g.ph), x1 = min(x0 + g.kw, g.w + g.pw);
  const int64_t padded = (z1 - z0) * (y1 - y0) * (x1 - x0);
  w.z0 = (z0 > 0 ? z0 : int64_t{0}), w.y0 = (y0 > 0 ? y0 : int64_t{0}), w.x0 = (x0 > 0 ? x0 : int64_t{0});
  w.z1 = min(z1, g.d), w.y1 = min(y1, g.h), w.x1 = min(x1, g.w);
  w.divisor = count_include_pad ? padded : (w.z1 - w.z0) * (w.y1 - w.y0) * (w.x1 - w.x0);
  return w;
}

// The window of flat output o (plane p, then od, oh, ow), and *xp = x's plane p.
__device__ inline Win output_window(const Pool3dGeom& g, int64_t o, bool count_include_pad, const float* x,
                                    const float** xp) {
  const int64_t p = o / (g.od * g.oh * g.ow), r = o % (g.od * g.oh * g.ow);
  const int64_t od = r / (g.oh * g.ow), oh = (r / g.ow) % g.oh, ow = r % g.ow;
  *xp = x + p * (g.d * g.h * g.w);
  return window_of(g, od, oh, ow, count_include_pad);
}

// The range of outputs [lo, hi) along one axis whose windows (start o*s - p, length k) hold input i.
__device__ inline void covering(int64_t i, int64_t k, int64_t s, int64_t p, int64_t out, int64_t* lo, int64_t* hi) {
  // o*s - p <= i  and  o*s - p + k > i   <=>   (i + p - k) / s < o <= (i + p) / s
  const int64_t a = i + p - k + 1;  // o >= ceil(a / s)
  *lo = a <= 0 ? 0 : (a + s - 1) / s;
  *hi = min((i + p) / s + 1, out);
}

__global__ void max_pool_kernel(Pool3dGeom g, const float* x, float* y, int32_t* indices) {
  const int64_t total = (g.n * g.c) * (g.od * g.oh * g.ow);
  NODULAB_GRID_STRIDE(o, total) {
    const float* xp;
    const Win w = output_window(g, o, true, x, &xp);
    float best = -INFINITY;
    int32_t best_index = static_cast<int32_t>((w.z0 * g.h + w.y0) * g.w + w.x0);
    for (int64_t z = w.z0; z < w.z1; ++z)
      for (int64_t yy = w.y0; yy < w.y1; ++yy)
        for (int64_t xx = w.x0; xx < w.x1; ++xx) {
          const int64_t i = (z * g.h + yy) * g.w + xx;
          const float v = xp[i];
          if (v > best || v != v) best = v, best_index = static_cast<int32_t>(i);
        }
    y[o] = best;
    indices[o] = best_index;
  }
}

// MaxPool3DGrad needs only the sizes of g (the binding passes no window), so it scatters by index:
// one warp per plane walks its outputs 32 at a time in increasing order; lanes holding the same
// index are grouped (__match_any_sync) and the lowest lane adds their dy in lane order. Every dx
// element thus receives its dy values in increasing output order, exactly as the reference sums
// them, with no atomics.
constexpr int kWarpsPerBlock = kThreads / 32;
__global__ void max_pool_grad_kernel(int64_t planes, int64_t in_plane, int64_t out_plane, const float* dy,
                                     const int32_t* indices, float* dx) {
  __shared__ float vals[kWarpsPerBlock][32];
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const int64_t p = static_cast<int64_t>(blockIdx.x) * kWarpsPerBlock + warp;
  if (p >= planes) return;  // whole warps leave together
  float* dxp = dx + p * in_plane;
  for (int64_t i = lane; i < in_plane; i += 32) dxp[i] = 0.f;
  __syncwarp();
  for (int64_t base = 0; base < out_plane; base += 32) {
    const int64_t o = base + lane;
    const bool valid = o < out_plane;
    const int key = valid ? indices[p * out_plane + o] : -1 - lane;
    vals[warp][lane] = valid ? dy[p * out_plane + o] : 0.f;
    const unsigned peers = __match_any_sync(0xffffffffu, key);
    __syncwarp();
    if (valid && lane == __ffs(peers) - 1) {
      float acc = dxp[key];
      for (unsigned m = peers; m; m &= m - 1) acc += vals[warp][__ffs(m) - 1];
      dxp[key] = acc;
    }
    __syncwarp();
  }
}

__global__ void avg_pool_kernel(Pool3dGeom g, bool count_include_pad, const float* x, float* y) {
  const int64_t total = (g.n * g.c) * (g.od * g.oh * g.ow);
  NODULAB_GRID_STRIDE(o, total) {
    const float* xp;
    const Win w = output_window(g, o, count_include_pad, x, &xp);
    float sum = 0.f;
    for (int64_t z = w.z0; z < w.z1; ++z)
      for (int64_t yy = w.y0; yy < w.y1; ++yy)
        for (int64_t xx = w.x0; xx < w.x1; ++xx) sum += xp[(z * g.h + yy) * g.w + xx];
    y[o] = sum / static_cast<float>(w.divisor);
  }
}

__global__ void avg_pool_grad_kernel(Pool3dGeom g, bool count_include_pad, const float* dy, float* dx) {
  const int64_t total = (g.n * g.c) * (g.d * g.h * g.w);
  NODULAB_GRID_STRIDE(e, total) {
    const int64_t p = e / (g.d * g.h * g.w), i = e % (g.d * g.h * g.w);
    const int64_t z = i / (g.h * g.w), yy = (i / g.w) % g.h, xx = i % g.w;
    int64_t zl, zh, yl, yh, xl, xh;
    covering(z, g.kd, g.sd, g.pd, g.od, &zl, &zh);
    covering(yy, g.kh, g.sh, g.ph, g.oh, &yl, &yh);
    covering(xx, g.kw, g.sw, g.pw, g.ow, &xl, &xh);
    float s = 0.f;
    for (int64_t od = zl; od < zh; ++od)
      for (int64_t oh = yl; oh < yh; ++oh)
        for (int64_t ow = xl; ow < xh; ++ow) {
          // The window must also hold i after clipping to the real input (it does: i is real).
          const Win w = window_of(g, od, oh, ow, count_include_pad);
          s += dy[p * (g.od * g.oh * g.ow) + (od * g.oh + oh) * g.ow + ow] / static_cast<float>(w.divisor);
        }
    dx[e] = s;
  }
}

// One block per plane: the mean in double, summed per thread in a fixed stride then a fixed tree.
__global__ void global_avg_kernel(int64_t size, const float* x, float* y) {
  __shared__ double scratch[kThreads];
  const float* xp = x + blockIdx.x * size;
  double s = 0;
  for (int64_t i = threadIdx.x; i < size; i += blockDim.x) s += xp[i];
  s = cuda::block_sum(s, scratch);
  if (threadIdx.x == 0) y[blockIdx.x] = static_cast<float>(s / static_cast<double>(size));
}

__global__ void global_avg_grad_kernel(int64_t planes, int64_t size, const float* dy, float* dx) {
  NODULAB_GRID_STRIDE(e, planes * size) dx[e] = dy[e / size] / static_cast<float>(size);
}

void max_pool3d_cuda(const Pool3dGeom& g, const float* x, float* y, int32_t* indices) {
  launch_grid_stride(kernels::kMaxPool3D, (g.n * g.c) * (g.od * g.oh * g.ow), max_pool_kernel, g, x, y, indices);
}
void max_pool3d_grad_cuda(const Pool3dGeom& g, const float* dy, const int32_t* indices, float* dx) {
  if ((g.n * g.c) <= 0 || (g.d * g.h * g.w) <= 0) return;
  const int64_t blocks = ((g.n * g.c) + kWarpsPerBlock - 1) / kWarpsPerBlock;
  max_pool_grad_kernel<<<static_cast<unsigned>(blocks), kThreads>>>((g.n * g.c), (g.d * g.h * g.w), (g.od * g.oh * g.ow), dy,
                                                                    indices, dx);
  NODULAB_CUDA_LAUNCHED(kernels::kMaxPool3DGrad);
}
void avg_pool3d_cuda(const Pool3dGeom& g, bool count_include_pad, const float* x, float* y) {
  launch_grid_stride(kernels::kAvgPool3D, (g.n * g.c) * (g.od * g.oh * g.ow), avg_pool_kernel, g, count_include_pad,
                     x, y);
}
void avg_pool3d_grad_cuda(const Pool3dGeom& g, bool count_include_pad, const float* dy, float* dx) {
  launch_grid_stride(kernels::kAvgPool3DGrad, (g.n * g.c) * (g.d * g.h * g.w), avg_pool_grad_kernel, g,
                     count_include_pad, dy, dx);
}
void global_avg_pool3d_cuda(int64_t planes, int64_t size, const float* x, float* y) {
  if (planes <= 0 || size <= 0) return;
  global_avg_kernel<<<static_cast<unsigned>(planes), kThreads>>>(size, x, y);
  NODULAB_CUDA_LAUNCHED(kernels::kGlobalAvgPool3D);
}
void global_avg_pool3d_grad_cuda(int64_t planes, int64_t size, const float* dy, float* dx) {
  if (planes <= 0 || size <= 0) return;
  launch_grid_stride(kernels::kGlobalAvgPool3DGrad, planes * size, global_avg_grad_kernel, planes, size, dy, dx);
}

}  // namespace

void register_pool3d_cuda() {
  using namespace kernels;
  register_kernel<MaxPool3dFn>(kMaxPool3D, Backend::Cuda, &max_pool3d_cuda);
  register_kernel<MaxPool3dGradFn>(kMaxPool3DGrad, Backend::Cuda, &max_pool3d_grad_cuda);
  register_kernel<AvgPool3dFn>(kAvgPool3D, Backend::Cuda, &avg_pool3d_cuda);
  register_kernel<AvgPool3dGradFn>(kAvgPool3DGrad, Backend::Cuda, &avg_pool3d_grad_cuda);
  register_kernel<GlobalAvgPool3dFn>(kGlobalAvgPool3D, Backend::Cuda, &global_avg_pool3d_cuda);
  register_kernel<GlobalAvgPool3dGradFn>(kGlobalAvgPool3DGrad, Backend::Cuda, &global_avg_pool3d_grad_cuda);
}

}  // namespace nodulab

// CUDA SupCon / NT-Xent: the fused loss + gradient (device pointers: z, labels, loss, grad, anchors;
// contrastive.h semantics) computed blockwise like contrastive_cpu_impl.h, never holding the (n, n)
// similarity matrix: blocks of B anchor rows with B * n <= 4M floats.
//   pass 1 per block: S = Z_blk Z^T / tau (tiled GEMM), then per row lse_i = logsumexp_{j != i} s_ij and
//           loss_i = -(1/|P(i)|) sum_{p in P(i)} (s_ip - lse_i);
//   loss  = sum of loss_i over anchors / anchors (one block, fixed order);
//   pass 2 per block (when grad is asked): S again, W_kj = c_kj + c_jk with
//           c_ij = (exp(s_ij - lse_i) - [j in P(i)]/|P(i)|) / anchors (s_jk = s_kj), grad_blk = W Z / tau.
// Every sum has a fixed order: deterministic, no atomics; the anchor count stays on the device.
#include <algorithm>

#include "core/cuda_gemm.cuh"
#include "core/registry.h"
#include "ops/contrastive/contrastive.h"
#include "ops/kernel_names.h"

namespace nodulab {
namespace {
using cuda::DeviceBuffer;
using cuda::kThreads;

// positives[i] = |P(i)| = #{j != i : labels[j] == labels[i]}.
__global__ void positives_kernel(int64_t n, const int32_t* labels, int32_t* positives) {
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int32_t li = labels[i];
    int32_t count = 0;
    for (int64_t j = 0; j < n; ++j) count += (j != i && labels[j] == li) ? 1 : 0;
    positives[i] = count;
  }
}

// *anchors = #{i : |P(i)| > 0} (one block; fixed tree order).
__global__ void anchors_kernel(int64_t n, const int32_t* positives, int64_t* anchors) {
  __shared__ int64_t scratch[kThreads];
  int64_t c = 0;
  for (int64_t i = threadIdx.x; i < n; i += blockDim.x) c += positives[i] > 0 ? 1 : 0;
  c = cuda::block_sum(c, scratch);
  if (threadIdx.x == 0) *anchors = c;
}

struct SimilarityLoader {  // S (rows, n) = z[i0 ..] z^T / tau
  const float* z;
  float* S;
  int64_t n, dim, i0;
  float tau;
  __device__ float a(int64_t r, int64_t k) const { return z[(i0 + r) * dim + k]; }
  __device__ float b(int64_t k, int64_t j) const { return z[j * dim + k]; }
  __device__ void store(int64_t r, int64_t j, int, float v) const { S[r * n + j] = v / tau; }
};

struct GradientLoader {  // grad[i0 ..] (rows, dim) = W (rows, n) z / tau
  const float* W;
  const float* z;
  float* grad;
  int64_t n, dim, i0;
  float tau;
  __device__ float a(int64_t r, int64_t j) const { return W[r * n + j]; }
  __device__ float b(int64_t j, int64_t d) const { return z[j * dim + d]; }
  __device__ void store(int64_t r, int64_t d, int, float v) const { grad[(i0 + r) * dim + d] = v / tau; }
};

// One block per anchor row i = i0 + blockIdx.x of S: lse[i] and row_loss[i] (0 without a positive).
__global__ void row_loss_kernel(int64_t n, int64_t i0, const float* S, const int32_t* labels,
                                const int32_t* positives, float* lse, float* row_loss) {
  __shared__ float fscratch[kThreads];
  const int64_t r = blockIdx.x, i = i0 + r;
  const float* s = S + r * n;
  const int32_t li = labels[i];
  float m = -INFINITY;
  for (int64_t j = threadIdx.x; j < n; j += blockDim.x)
    if (j != i) m = fmaxf(m, s[j]);
  m = cuda::block_max(m, fscratch);
  float sum = 0.f;
  for (int64_t j = threadIdx.x; j < n; j += blockDim.x)
    if (j != i) sum += expf(s[j] - m);
  sum = cuda::block_sum(sum, fscratch);
  const float l = m + logf(sum);
  float pos = 0.f;
  for (int64_t j = threadIdx.x; j < n; j += blockDim.x)
    if (j != i && labels[j] == li) pos += s[j] - l;
  pos = cuda::block_sum(pos, fscratch);
  if (threadIdx.x == 0) {
    lse[i] = l;
    row_loss[i] = positives[i] > 0 ? -pos / static_cast<float>(positives[i]) : 0.f;
  }
}

// *loss = sum of row_loss over anchors / anchors (0 when there is none); one block, fixed order.
__global__ void loss_kernel(int64_t n, const float* row_loss, const int32_t* positives, const int64_t* anchors,
                            float* loss) {
  __shared__ double scratch[kThreads];
  double s = 0;
  for (int64_t i = threadIdx.x; i < n; i += blockDim.x)
    if (positives[i] > 0) s += row_loss[i];
  s = cuda::block_sum(s, scratch);
  if (threadIdx.x == 0) *loss = *anchors > 0 ? static_cast<float>(s / static_cast<double>(*anchors)) : 0.f;
}

// c_ij = d loss / d s_ij: (exp(s_ij - lse_i) - [j in P(i)] / |P(i)|) / anchors for anchors i, j != i.
__device__ inline float coeff(float s_ij, int64_t i, int64_t j, const int32_t* labels, const int32_t* positives,
                              const float* lse, float inv_anchors) {
  if (i == j || positives[i] == 0) return 0.f;
  const float target = labels[j] == labels[i] ? 1.f / static_cast<float>(positives[i]) : 0.f;
  return (expf(s_ij - lse[i]) - target) * inv_anchors;
}

// In place over the block's S rows: W_kj = c_kj + c_jk (s_jk = s_kj by symmetry).
__global__ void weights_kernel(int64_t n, int64_t i0, int64_t rows, float* S, const int32_t* labels,
                               const int32_t* positives, const float* lse, const int64_t* anchors) {
  const int64_t total = rows * n;
  const float inv_anchors = *anchors > 0 ? 1.f / static_cast<float>(*anchors) : 0.f;
  for (int64_t e = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; e < total;
       e += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t k = i0 + e / n, j = e % n;
    const float s = S[e];
    S[e] = coeff(s, k, j, labels, positives, lse, inv_anchors) + coeff(s, j, k, labels, positives, lse, inv_anchors);
  }
}

void supcon_cuda(int64_t n, int64_t dim, const float* z, const int32_t* labels, float temperature, float* loss,
                 float* grad, int64_t* anchors) {
  const char* op = kernels::kSupConLoss;
  if (n <= 0) {
    cuda::memset_device(loss, 0, sizeof(float), op);
    cuda::memset_device(anchors, 0, sizeof(int64_t), op);
    return;
  }
  DeviceBuffer<int32_t> positives(n, op);
  DeviceBuffer<float> lse(n, op), row_loss(n, op);
  positives_kernel<<<cuda::blocks_for(n), kThreads>>>(n, labels, positives.get());
  NODULAB_CUDA_LAUNCHED(op);
  anchors_kernel<<<1, kThreads>>>(n, positives.get(), anchors);
  NODULAB_CUDA_LAUNCHED(op);

  const int64_t block_rows = std::max<int64_t>(1, std::min<int64_t>(n, (int64_t{1} << 22) / n));
  DeviceBuffer<float> S(block_rows * n, op);
  for (int64_t i0 = 0; i0 < n; i0 += block_rows) {
    const int64_t rows = std::min(block_rows, n - i0);
    cuda::tiled_gemm(SimilarityLoader{z, S.get(), n, dim, i0, temperature}, rows, n, dim, 1, op);
    row_loss_kernel<<<static_cast<unsigned>(rows), kThreads>>>(n, i0, S.get(), labels, positives.get(), lse.get(),
                                                               row_loss.get());
    NODULAB_CUDA_LAUNCHED(op);
  }
  loss_kernel<<<1, kThreads>>>(n, row_loss.get(), positives.get(), anchors, loss);
  NODULAB_CUDA_LAUNCHED(op);
  if (!grad) return;
  for (int64_t i0 = 0; i0 < n; i0 += block_rows) {
    const int64_t rows = std::min(block_rows, n - i0);
    cuda::tiled_gemm(SimilarityLoader{z, S.get(), n, dim, i0, temperature}, rows, n, dim, 1, op);
    weights_kernel<<<cuda::blocks_for(rows * n), kThreads>>>(n, i0, rows, S.get(), labels, positives.get(),
                                                             lse.get(), anchors);
    NODULAB_CUDA_LAUNCHED(op);
    cuda::tiled_gemm(GradientLoader{S.get(), z, grad, n, dim, i0, temperature}, rows, dim, n, 1, op);
  }
}

}  // namespace

void register_contrastive_cuda() { register_kernel<SupConFn>(kernels::kSupConLoss, Backend::Cuda, &supcon_cuda); }

}  // namespace nodulab

// Supervised contrastive loss (Khosla et al. 2020, "L_out"; NT-Xent/SimCLR is the case of paired
// labels), one fused kernel giving the loss, the anchor count and the gradient w.r.t. z.
//   z: (n, dim) ALREADY L2-normalized rows, labels: (n) int32, temperature tau > 0.
//   s_ij = z_i . z_j / tau;  P(i) = {p != i : label_p = label_i};  for anchors i with |P(i)| >= 1:
//   loss_i = -(1/|P(i)|) sum_{p in P(i)} [s_ip - logsumexp_{j != i} s_ij];  loss = mean over anchors.
//   No anchors (every label a singleton): loss 0 and a zero gradient.
#pragma once
#include <cstdint>

namespace nodulab {

// Writes *loss, *anchors (how many rows have a positive) and, when grad != nullptr,
// grad: (n, dim) = d loss / d z (z taken as free variables; the normalization is the caller's).
using SupConFn = void (*)(int64_t n, int64_t dim, const float* z, const int32_t* labels, float temperature,
                          float* loss, float* grad, int64_t* anchors);

// Reference: builds the full (n, n) similarity matrix; templated so tests can run it in double.
template <class T>
void supcon_ref(int64_t n, int64_t dim, const T* z, const int32_t* labels, T temperature, T* loss, T* grad,
                int64_t* anchors);

// Fast CPU kernel: dispatches on active_isa() to one of the per-ISA builds of contrastive_cpu_impl.h.
void supcon_cpu(int64_t n, int64_t dim, const float* z, const int32_t* labels, float temperature, float* loss,
                float* grad, int64_t* anchors);
void supcon_cpu_scalar(int64_t n, int64_t dim, const float* z, const int32_t* labels, float temperature,
                       float* loss, float* grad, int64_t* anchors);
void supcon_cpu_avx2(int64_t n, int64_t dim, const float* z, const int32_t* labels, float temperature,
                     float* loss, float* grad, int64_t* anchors);
void supcon_cpu_avx512(int64_t n, int64_t dim, const float* z, const int32_t* labels, float temperature,
                       float* loss, float* grad, int64_t* anchors);

}  // namespace nodulab

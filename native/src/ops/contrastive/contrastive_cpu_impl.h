// The fast SupCon kernel body, compiled once per ISA (contrastive_cpu{,_avx2,_avx512}.cc) with GCC
// vector types of W lanes. Two passes over blocks of anchor rows, each recomputing the block's
// similarity rows S (rows, n) = Z_blk Z^T / tau as a register-tiled product (R rows x 2W columns):
//   pass 1: per anchor i, lse_i = logsumexp_{j != i} s_ij and loss_i = lse_i - mean_{p in P(i)} s_ip;
//   pass 2: by symmetry s_kj = s_jk, so d loss / d z_k = (1/tau) sum_j (c_kj + c_jk) z_j with
//           c_ij = (exp(s_ij - lse_i) - [j in P(i)]/|P(i)|) / anchors is computed row-locally: no
//           scatter into other rows, hence no partial gradients and no atomics.
// Extra memory is O(threads * block * n) (+ O(n)), never the (n, n) matrix. Each element is summed in
// a fixed order independent of the blocking, so results are bit-identical for any thread count.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "core/thread_pool.h"
#include "ops/softmax/fast_exp.h"

namespace nodulab {
namespace {

// GCC vector types of W float / int32 lanes (spelled per W: a dependent vector_size is not subscriptable).
template <int W> struct Lanes;
template <> struct Lanes<4> {
  typedef float V __attribute__((vector_size(16)));
  typedef int32_t VI __attribute__((vector_size(16)));
};
template <> struct Lanes<8> {
  typedef float V __attribute__((vector_size(32)));
  typedef int32_t VI __attribute__((vector_size(32)));
};
template <> struct Lanes<16> {
  typedef float V __attribute__((vector_size(64)));
  typedef int32_t VI __attribute__((vector_size(64)));
};

template <int W, int R>
struct SupConCpu {
  using V = typename Lanes<W>::V;
  using VI = typename Lanes<W>::VI;
  static constexpr int JB = 2 * W;  // columns per packed block / dims per gradient tile

  static V load(const float* p) { V v; std::memcpy(&v, p, sizeof v); return v; }
  static VI loadi(const int32_t* p) { VI v; std::memcpy(&v, p, sizeof v); return v; }
  static void store(float* p, V v) { std::memcpy(p, &v, sizeof v); }
  static V splat(float x) { return V{} + x; }
  static float hsum(V v) {
    float s = 0.f;
    for (int l = 0; l < W; ++l) s += v[l];
    return s;
  }

  // out[r][0..JB) = scale * a_r . pack[:, c] for RR anchor rows a (row stride dim); pack: (dim, JB).
  template <int RR>
  static void tile_s(const float* a, int64_t dim, const float* pack, float* out, int64_t ld, float scale) {
    V acc[RR][2] = {};
    for (int64_t k = 0; k < dim; ++k) {
      const V b0 = load(pack + k * JB), b1 = load(pack + k * JB + W);
      for (int r = 0; r < RR; ++r) {
        const V ar = splat(a[r * dim + k]);
        acc[r][0] += ar * b0;
        acc[r][1] += ar * b1;
      }
    }
    for (int r = 0; r < RR; ++r) {
      store(out + r * ld, acc[r][0] * scale);
      store(out + r * ld + W, acc[r][1] * scale);
    }
  }

  // g[r][d0..d0+JB) = sum_j w[r][j] z[j][d0..d0+JB) for RR rows (w row stride ldw, g row stride dim).
  template <int RR>
  static void tile_g(const float* w, int64_t ldw, const float* z, int64_t n, int64_t dim, int64_t d0, float* g) {
    V acc[RR][2] = {};
    for (int64_t j = 0; j < n; ++j) {
      const V b0 = load(z + j * dim + d0), b1 = load(z + j * dim + d0 + W);
      for (int r = 0; r < RR; ++r) {
        const V wr = splat(w[r * ldw + j]);
        acc[r][0] += wr * b0;
        acc[r][1] += wr * b1;
      }
    }
    for (int r = 0; r < RR; ++r) {
      store(g + r * dim + d0, acc[r][0]);
      store(g + r * dim + d0 + W, acc[r][1]);
    }
  }

  // Runs tile<rr>(args...) for a runtime rr in [1, R].
  template <template <int> class Tile, int RR = R, class... Args>
  static void dispatch_rows(int rr, Args... args) {
    if constexpr (RR >= 1) {
      if (rr == RR) return Tile<RR>::run(args...);
      return dispatch_rows<Tile, RR - 1>(rr, args...);
    }
  }
  template <int RR> struct TileS { template <class... A> static void run(A... a) { tile_s<RR>(a...); } };
  template <int RR> struct TileG { template <class... A> static void run(A... a) { tile_g<RR>(a...); } };

  // S: (rows, ld) = z[i0 .. i0+rows) . z^T * scale over all n columns (columns >= n are padding).
  static void similarity_block(const float* z, int64_t n, int64_t dim, int64_t i0, int64_t rows, float scale,
                               float* pack, float* S, int64_t ld) {
    for (int64_t j0 = 0; j0 < n; j0 += JB) {
      const int64_t jn = std::min<int64_t>(JB, n - j0);
      for (int64_t k = 0; k < dim; ++k)
        for (int c = 0; c < JB; ++c) pack[k * JB + c] = c < jn ? z[(j0 + c) * dim + k] : 0.f;
      for (int64_t r0 = 0; r0 < rows; r0 += R)
        dispatch_rows<TileS>(static_cast<int>(std::min<int64_t>(R, rows - r0)), z + (i0 + r0) * dim, dim,
                             static_cast<const float*>(pack), S + r0 * ld + j0, ld, scale);
    }
  }

  // grad[i0 .. i0+rows) = Wt (rows, n; row stride ld) . z (n, dim).
  static void gradient_block(const float* Wt, int64_t ld, const float* z, int64_t n, int64_t dim, int64_t i0,
                             int64_t rows, float* grad) {
    const int64_t dv = dim - dim % JB;
    for (int64_t r0 = 0; r0 < rows; r0 += R) {
      const int rr = static_cast<int>(std::min<int64_t>(R, rows - r0));
      for (int64_t d0 = 0; d0 < dv; d0 += JB)
        dispatch_rows<TileG>(rr, Wt + r0 * ld, ld, z, n, dim, d0, grad + (i0 + r0) * dim);
      for (int r = 0; r < rr; ++r)
        for (int64_t d = dv; d < dim; ++d) {
          float s = 0.f;
          for (int64_t j = 0; j < n; ++j) s += Wt[(r0 + r) * ld + j] * z[j * dim + d];
          grad[(i0 + r0 + r) * dim + d] = s;
        }
    }
  }

  // Max of s[0..n) (NaN ignored: it reaches the loss through the exp sum instead).
  static float row_max(const float* s, int64_t n) {
    V acc = splat(-INFINITY);
    int64_t j = 0;
    for (; j + W <= n; j += W) {
      const V v = load(s + j);
      acc = v > acc ? v : acc;
    }
    float m = -INFINITY;
    for (; j < n; ++j) m = s[j] > m ? s[j] : m;
    for (int l = 0; l < W; ++l) m = acc[l] > m ? acc[l] : m;
    return m;
  }

  // Sum of e[0..n).
  static float row_sum(const float* e, int64_t n) {
    V acc = {};
    int64_t j = 0;
    for (; j + W <= n; j += W) acc += load(e + j);
    float s = 0.f;
    for (; j < n; ++j) s += e[j];
    return s + hsum(acc);
  }

  // Sum of s[j] over j with labels[j] == label (the caller zeroes s[i] for the anchor itself).
  static float positive_sum(const float* s, const int32_t* labels, int64_t n, int32_t label) {
    V acc = {};
    const VI want = VI{} + label;
    int64_t j = 0;
    for (; j + W <= n; j += W) acc += loadi(labels + j) == want ? load(s + j) : V{};
    float p = 0.f;
    for (; j < n; ++j) p += labels[j] == label ? s[j] : 0.f;
    return p + hsum(acc);
  }

  static void run(int64_t n, int64_t dim, const float* z, const int32_t* labels, float temperature, float* loss,
                  float* grad, int64_t* anchors) {
    // Positives per row from a sorted copy of the labels: |P(i)| = count(label_i) - 1.
    std::vector<int32_t> sorted(labels, labels + n);
    std::sort(sorted.begin(), sorted.end());
    std::vector<float> inv_pos(n), lse(n, INFINITY);  // lse stays +inf for non-anchors: exp(s - inf) = 0
    std::vector<double> row_loss(n, 0.0);
    int64_t count = 0;
    for (int64_t i = 0; i < n; ++i) {
      auto range = std::equal_range(sorted.begin(), sorted.end(), labels[i]);
      const int64_t p = (range.second - range.first) - 1;
      inv_pos[i] = p > 0 ? 1.f / static_cast<float>(p) : 0.f;
      count += p > 0;
    }
    *anchors = count;
    if (count == 0) {
      *loss = 0.f;
      if (grad) std::fill(grad, grad + n * dim, 0.f);
      return;
    }
    const float inv_tau = 1.f / temperature;
    const int64_t ld = (n + JB - 1) / JB * JB;
    const int64_t threads = get_num_threads();
    int64_t block = std::clamp<int64_t>((n + 2 * threads - 1) / (2 * threads), R, 64);
    block = (block + R - 1) / R * R;
    const int64_t num_blocks = (n + block - 1) / block;

    // Pass 1: log-sum-exp and loss per anchor.
    parallel_for(num_blocks, 1, [&](int64_t b, int64_t e) {
      std::vector<float> S(block * ld), pack(dim * JB), ex(n);
      for (int64_t blk = b; blk < e; ++blk) {
        const int64_t i0 = blk * block, rows = std::min(block, n - i0);
        similarity_block(z, n, dim, i0, rows, inv_tau, pack.data(), S.data(), ld);
        for (int64_t r = 0; r < rows; ++r) {
          const int64_t i = i0 + r;
          if (inv_pos[i] == 0.f) continue;
          float* s = S.data() + r * ld;
          s[i] = 0.f;
          const float pos = positive_sum(s, labels, n, labels[i]);
          s[i] = -INFINITY;
          const float m = row_max(s, n);
          for (int64_t j = 0; j < n; ++j) ex[j] = fast_exp(s[j] - m);
          lse[i] = m + std::log(row_sum(ex.data(), n));
          row_loss[i] = static_cast<double>(lse[i]) - static_cast<double>(pos) * inv_pos[i];
        }
      }
    });
    double total = 0.0;
    for (int64_t i = 0; i < n; ++i) total += row_loss[i];
    *loss = static_cast<float>(total / static_cast<double>(count));
    if (!grad) return;

    // Pass 2: w_kj = (c_kj + c_jk) / tau in place of s_kj, then grad rows = W . z.
    const float scale = inv_tau / static_cast<float>(count);
    parallel_for(num_blocks, 1, [&](int64_t b, int64_t e) {
      std::vector<float> S(block * ld), pack(dim * JB);
      for (int64_t blk = b; blk < e; ++blk) {
        const int64_t i0 = blk * block, rows = std::min(block, n - i0);
        similarity_block(z, n, dim, i0, rows, inv_tau, pack.data(), S.data(), ld);
        for (int64_t r = 0; r < rows; ++r) {
          const int64_t k = i0 + r;
          float* s = S.data() + r * ld;
          const float lse_k = lse[k], inv_k = inv_pos[k];
          const int32_t label_k = labels[k];
          const float* lse_j = lse.data();
          const float* inv_j = inv_pos.data();
          for (int64_t j = 0; j < n; ++j) {
            const float same = labels[j] == label_k ? 1.f : 0.f;
            s[j] = (fast_exp(s[j] - lse_k) - same * inv_k + fast_exp(s[j] - lse_j[j]) - same * inv_j[j]) * scale;
          }
          s[k] = 0.f;
        }
        gradient_block(S.data(), ld, z, n, dim, i0, rows, grad);
      }
    });
  }
};

}  // namespace
}  // namespace nodulab

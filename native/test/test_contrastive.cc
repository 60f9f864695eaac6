// SupCon / NT-Xent kernel: fast targets against the double reference on a table of sizes and label
// patterns, a hand-worked tiny case, NT-Xent as paired-label SupCon, finite differences, no-anchor and
// NaN inputs, and bit-identical results run to run and across thread counts.
#include <cmath>
#include <cstring>
#include <limits>

#include "ops/contrastive/contrastive.h"
#include "ops/kernel_names.h"
#include "test/harness.h"

namespace nodulab::test {
namespace {

// n rows of dim seeded random numbers, each scaled to unit L2 norm.
std::vector<float> unit_rows(int64_t n, int64_t dim, uint64_t seed) {
  auto z = random_vector(n * dim, seed);
  for (int64_t i = 0; i < n; ++i) {
    double ss = 0;
    for (int64_t k = 0; k < dim; ++k) ss += double(z[i * dim + k]) * z[i * dim + k];
    const float inv = static_cast<float>(1.0 / std::sqrt(ss));
    for (int64_t k = 0; k < dim; ++k) z[i * dim + k] *= inv;
  }
  return z;
}

// Labels in [0, n/3] with every 5th row given a label of its own (an anchor without a positive).
std::vector<int32_t> mixed_labels(int64_t n) {
  std::vector<int32_t> labels(n);
  for (int64_t i = 0; i < n; ++i) labels[i] = static_cast<int32_t>((i * 7 + 3) % (n / 3 + 1));
  for (int64_t i = 0; i < n; i += 5) labels[i] = static_cast<int32_t>(1000 + i);
  return labels;
}

// [0..half-1, 0..half-1]: view i and view i + half of the same sample are each other's positive.
std::vector<int32_t> paired_labels(int64_t half) {
  std::vector<int32_t> labels(2 * half);
  for (int64_t i = 0; i < 2 * half; ++i) labels[i] = static_cast<int32_t>(i % half);
  return labels;
}

struct Result {
  float loss = 0;
  int64_t anchors = 0;
  std::vector<float> grad;
};

// The fused kernel on target t (host or device, through run_on); the gradient starts at -1 so every
// element must be written.
Result run(const FastTarget& t, const std::vector<float>& z, const std::vector<int32_t>& labels, int64_t dim,
           float tau) {
  const int64_t n = static_cast<int64_t>(labels.size());
  Result r;
  r.loss = -1.f, r.anchors = -1;
  r.grad.assign(n * dim, -1.f);
  run_on<SupConFn>(t, kernels::kSupConLoss, n, dim, z, labels, tau, Scalar{r.loss}, r.grad, Scalar{r.anchors});
  return r;
}

}  // namespace

NODULAB_TEST(supcon_fast_matches_reference) {
  for (int64_t n : {1, 2, 7, 64, 257}) {
    for (int64_t dim : {3, 128}) {
      const auto z = unit_rows(n, dim, 40 + n * 3 + dim);
      const auto zd = to_double(z);
      struct Labels { const char* name; std::vector<int32_t> labels; };
      for (const Labels& l : {Labels{"mixed", mixed_labels(n)}, Labels{"all-same", std::vector<int32_t>(n, 4)}}) {
        for (float tau : {0.1f, 0.07f}) {
          double loss_d = 0;
          int64_t anchors_d = 0;
          std::vector<double> grad_d(n * dim);
          supcon_ref<double>(n, dim, zd.data(), l.labels.data(), tau, &loss_d, grad_d.data(), &anchors_d);
          const float want_loss = static_cast<float>(loss_d);
          const auto want_grad = to_float(grad_d);
          std::vector<FastTarget> targets = fast_targets();
          targets.push_back({"ref", Backend::Ref, detect_isa()});
          for (const auto& t : targets) {
            activate(t);
            const std::string at = t.name + " n=" + std::to_string(n) + " dim=" + std::to_string(dim) + " " + l.name +
                                   " tau=" + std::to_string(tau);
            Result r = run(t, z, l.labels, dim, tau);
            expect(r.anchors == anchors_d, "SupConLoss anchors " + at + ": got " + std::to_string(r.anchors) +
                                               " want " + std::to_string(anchors_d));
            check_close("SupConLoss " + at, &r.loss, &want_loss, 1, tolerance("kernels", kernels::kSupConLoss));
            check_close("SupConGrad " + at, r.grad.data(), want_grad.data(), n * dim, tolerance("kernels", "SupConGrad"));
          }
        }
      }
    }
  }
}

NODULAB_TEST(supcon_hand_computed_tiny_case) {
  // z = [(1,0), (0,1), (-1,0)], labels [0, 0, 1], tau = 1: s01 = 0, s02 = -1, s12 = 0. Row 2 has no
  // positive, so 2 anchors. loss_0 = log(1 + e^-1) = 0.3132617, loss_1 = log 2 = 0.6931472,
  // loss = 0.5032044. dL/ds (softmax minus target over the 2 anchors): ds01 = (0.7310586 - 1)/2,
  // ds02 = 0.2689414/2, ds10 = -0.25, ds12 = 0.25 (row 2 all 0); grad_k = sum_j (ds_kj + ds_jk) z_j / tau:
  // grad_0 = (-0.1344707, -0.3844707), grad_1 = (-0.6344707, 0), grad_2 = (0.1344707, 0.25).
  // With tau = 0.5 the similarities double: loss = (log(1 + e^-2) + log 2)/2 = 0.4100376.
  const std::vector<float> z = {1, 0, 0, 1, -1, 0};
  const std::vector<int32_t> labels = {0, 0, 1};
  const float want_loss = 0.5032044f, want_loss_half = 0.4100376f;
  const std::vector<float> want_grad = {-0.1344707f, -0.3844707f, -0.6344707f, 0.f, 0.1344707f, 0.25f};
  std::vector<FastTarget> targets = fast_targets();
  targets.push_back({"ref", Backend::Ref, detect_isa()});
  for (const auto& t : targets) {
    activate(t);
    Result r = run(t, z, labels, 2, 1.f);
    expect(r.anchors == 2, "hand case anchors " + t.name + " = " + std::to_string(r.anchors));
    check_close("SupConLoss hand " + t.name, &r.loss, &want_loss, 1, tolerance("kernels", kernels::kSupConLoss));
    check_close("SupConGrad hand " + t.name, r.grad.data(), want_grad.data(), 6, tolerance("kernels", "SupConGrad"));
    Result h = run(t, z, labels, 2, 0.5f);
    check_close("SupConLoss hand tau=0.5 " + t.name, &h.loss, &want_loss_half, 1, tolerance("kernels", kernels::kSupConLoss));
  }
}

NODULAB_TEST(ntxent_equals_supcon_with_paired_labels) {
  // NT-Xent for 2N stacked views, written out directly: loss_i = -log(exp(s_i,pair) / sum_{j != i} exp(s_ij)),
  // averaged over all 2N views (every view is an anchor with exactly one positive).
  for (int64_t half : {1, 4, 33}) {
    const int64_t n = 2 * half, dim = 16;
    const double tau = 0.07;
    const auto z = unit_rows(n, dim, 90 + half);
    double want = 0;
    for (int64_t i = 0; i < n; ++i) {
      const int64_t pair = (i + half) % n;
      double denom = 0, s_pair = 0;
      for (int64_t j = 0; j < n; ++j) {
        if (j == i) continue;
        double d = 0;
        for (int64_t k = 0; k < dim; ++k) d += double(z[i * dim + k]) * z[j * dim + k];
        denom += std::exp(d / tau);
        if (j == pair) s_pair = d / tau;
      }
      want -= std::log(std::exp(s_pair) / denom);
    }
    const float want_loss = static_cast<float>(want / n);
    for (const auto& t : fast_targets()) {
      activate(t);
      Result r = run(t, z, paired_labels(half), dim, static_cast<float>(tau));
      expect(r.anchors == n, "NT-Xent anchors " + t.name + " = " + std::to_string(r.anchors));
      check_close("NT-Xent loss " + t.name + " N=" + std::to_string(half), &r.loss, &want_loss, 1,
                  tolerance("kernels", kernels::kSupConLoss));
    }
  }
}

NODULAB_TEST(supcon_and_ntxent_gradients_match_finite_differences) {
  const Tolerance tol = tolerance("finite_difference", kernels::kSupConLoss);
  struct Case { const char* name; int64_t n, dim; std::vector<int32_t> labels; double tau; };
  for (const Case& c : {Case{"SupCon", 9, 5, {0, 1, 0, 2, 1, 0, 7, 2, 9}, 0.1},
                        Case{"SupCon all-same", 5, 4, {3, 3, 3, 3, 3}, 0.5},
                        Case{"NT-Xent", 8, 6, paired_labels(4), 0.07}}) {
    auto z = to_double(unit_rows(c.n, c.dim, 77 + c.n));
    double loss = 0;
    int64_t anchors = 0;
    std::vector<double> grad(c.n * c.dim);
    supcon_ref<double>(c.n, c.dim, z.data(), c.labels.data(), c.tau, &loss, grad.data(), &anchors);
    check_gradient(std::string(c.name) + " gradient", z, grad, [&] {
      double l = 0;
      int64_t a = 0;
      supcon_ref<double>(c.n, c.dim, z.data(), c.labels.data(), c.tau, &l, nullptr, &a);
      return l;
    }, tol);
  }
}

NODULAB_TEST(supcon_without_anchors_and_with_nan) {
  const int64_t dim = 4;
  std::vector<FastTarget> targets = fast_targets();
  targets.push_back({"ref", Backend::Ref, detect_isa()});
  for (const auto& t : targets) {
    activate(t);
    for (int64_t n : {1, 6}) {  // every label distinct: no anchor has a positive
      std::vector<int32_t> labels(n);
      for (int64_t i = 0; i < n; ++i) labels[i] = static_cast<int32_t>(i);
      Result r = run(t, unit_rows(n, dim, 5), labels, dim, 0.1f);
      expect(r.anchors == 0 && r.loss == 0.f, "no anchors " + t.name + ": anchors " + std::to_string(r.anchors) +
                                                  " loss " + std::to_string(r.loss));
      for (float g : r.grad) expect(g == 0.f, "no anchors " + t.name + ": gradient not zero");
    }
    auto z = unit_rows(6, dim, 6);
    z[5] = std::numeric_limits<float>::quiet_NaN();
    Result r = run(t, z, {0, 1, 0, 1, 0, 1}, dim, 0.1f);
    expect(std::isnan(r.loss), "NaN in z must give a NaN loss on " + t.name);
  }
}

NODULAB_TEST(supcon_is_deterministic) {
  // Same input, same thread count -> bit-identical loss and gradient, on every target. (The kernel's
  // blocking does not change any element's summation order, so other thread counts agree too.)
  const int64_t n = 203, dim = 40;
  const auto z = unit_rows(n, dim, 12);
  const auto labels = mixed_labels(n);
  for (const auto& t : fast_targets()) {
    activate(t);
    Result a = run(t, z, labels, dim, 0.1f);
    for (int repeat = 0; repeat < 3; ++repeat) {
      Result b = run(t, z, labels, dim, 0.1f);
      expect(std::memcmp(&a.loss, &b.loss, sizeof(float)) == 0 &&
                 std::memcmp(a.grad.data(), b.grad.data(), a.grad.size() * sizeof(float)) == 0,
             "SupConLoss not bit-identical run to run on " + t.name);
    }
  }
}

}  // namespace nodulab::test

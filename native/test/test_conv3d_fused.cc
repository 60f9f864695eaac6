// Conv3DReluMaxPool (inference Conv-BN-ReLU-MaxPool block): the fast kernel against the reference on
// a table of shapes (pooled and not, chunks of several samples and a batch split over chunks), and
// BatchNorm folding against conv followed by an explicit eval-mode BatchNorm.
#include <cmath>
#include <string>
#include <vector>

#include "core/registry.h"
#include "ops/conv3d/conv3d_fused.h"
#include "ops/kernel_names.h"
#include "test/harness.h"

namespace nodulab::test {
namespace {

struct FusedCase {
  const char* name;
  int64_t N, Ci, S, Co;  // cubic input S^3, k3 p1 s1
  int64_t pool;          // 0: no pool, else kernel = stride = pool
  bool bias;
};

const FusedCase kFused[] = {
    {"first layer Ci 1, pool 2", 3, 1, 12, 16, 2, false},
    {"odd size 7, pool 2 (floor)", 2, 3, 7, 5, 2, true},
    {"no pool, Co 17", 2, 4, 6, 17, 0, true},
    {"rows of 8, pool 2, batch 5", 5, 8, 8, 12, 2, false},
    {"pool 3", 1, 2, 9, 4, 3, true},
    // 2 MiB scratch holds 4 samples of 16 x 32^3: the batch of 6 runs as chunks of 4 and 2
    {"NoduleNet3D conv1 shape, uneven chunks", 6, 1, 32, 16, 2, false},
};

Conv3DParams params_of(const FusedCase& c) {
  Conv3DParams p;
  p.N = c.N, p.Ci = c.Ci, p.D = p.H = p.W = c.S, p.Co = c.Co, p.kD = p.kH = p.kW = 3;
  for (int a = 0; a < 3; ++a) p.padding[a] = 1;
  set_conv3d_output(p);
  return p;
}

// The k^3 stride-k pool of the conv output (k = 0: none, all sizes 0).
Pool3dGeom pool_of(const Conv3DParams& p, int64_t k) {
  Pool3dGeom g{p.N, p.Co, p.oD, p.oH, p.oW, 0, 0, 0, k, k, k, k, k, k, 0, 0, 0};
  if (k > 0) pool3d_output_size(&g);
  return g;
}

}  // namespace

NODULAB_TEST(conv3d_relu_max_pool_fast_matches_reference) {
  uint64_t seed = 300;
  const auto ref = find_kernel<Conv3DReluMaxPoolFn>(kernels::kConv3DReluMaxPool, Backend::Ref);
  for (const auto& c : kFused) {
    const Conv3DParams p = params_of(c);
    const Pool3dGeom g = pool_of(p, c.pool);
    const Pool3dGeom* pg = c.pool ? &g : nullptr;
    const int64_t ny = c.pool ? g.n * g.c * g.out_plane() : p.N * p.Co * p.P();
    const auto x = random_vector(p.N * p.Ci * p.in_spatial(), seed += 10), w = random_vector(p.Co * p.K(), seed + 1),
               b = random_vector(p.Co, seed + 2);
    const float* bp = c.bias ? b.data() : nullptr;
    std::vector<float> y_ref(ny), y(ny);
    ref(p, x.data(), w.data(), bp, pg, y_ref.data());
    int positive = 0;
    for (float v : y_ref) positive += v > 0.f;
    // Some outputs pass the ReLU; without a pool, some are clipped too (the ReLU is exercised).
    expect(positive > 0 && (c.pool || positive < ny), std::string("reference output degenerate: ") + c.name);
    for (const auto& t : fast_targets()) {
      if (t.backend == Backend::Cuda) continue;  // host-only kernel
      activate(t);
      std::fill(y.begin(), y.end(), -9.f);  // every output must be written
      find_kernel<Conv3DReluMaxPoolFn>(kernels::kConv3DReluMaxPool, t.backend)(p, x.data(), w.data(), bp, pg,
                                                                               y.data());
      check_close(std::string("Conv3DReluMaxPool ") + c.name + " on " + t.name, y.data(), y_ref.data(), ny,
                  tolerance("kernels", kernels::kConv3D));
    }
  }
}

NODULAB_TEST(fold_batchnorm_matches_conv_then_batchnorm) {
  const FusedCase c{"fold", 2, 3, 5, 6, 0, true};
  const Conv3DParams p = params_of(c);
  const auto x = random_vector(p.N * p.Ci * p.in_spatial(), 41), w = random_vector(p.Co * p.K(), 42),
             b = random_vector(p.Co, 43), mean = random_vector(p.Co, 44), var = random_vector(p.Co, 45, 0.1f, 2.f),
             gamma = random_vector(p.Co, 46, -2.f, 2.f), beta = random_vector(p.Co, 47);
  const double eps = 1e-3;
  const int64_t ny = p.N * p.Co * p.P();
  std::vector<float> z(ny), want(ny), wf(w.size()), bf(p.Co), got(ny);
  conv3d_ref<float>(p, x.data(), w.data(), b.data(), z.data());
  for (int64_t i = 0; i < ny; ++i) {
    const int64_t co = (i / p.P()) % p.Co;
    want[i] = static_cast<float>((z[i] - mean[co]) / std::sqrt(var[co] + eps) * gamma[co] + beta[co]);
  }
  fold_batchnorm(p.Co, p.K(), w.data(), b.data(), mean.data(), var.data(), gamma.data(), beta.data(), eps, wf.data(),
                 bf.data());
  conv3d_ref<float>(p, x.data(), wf.data(), bf.data(), got.data());
  check_close("fold_batchnorm", got.data(), want.data(), ny, tolerance("kernels", kernels::kConv3D));
}

}  // namespace nodulab::test

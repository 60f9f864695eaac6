// Conv3DReluMaxPool (inference Conv-BN-ReLU-MaxPool block): the fast kernel against the reference on
// a table of shapes (pooled and not; direct, strided and Winograd-sized convs; pools with stride, padding
// and overlapping windows; chunks of several samples), bit-identical across thread counts, and BatchNorm
// folding against conv followed by an explicit eval-mode BatchNorm.
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "core/registry.h"
#include "core/thread_pool.h"
#include "ops/conv3d/conv3d_fused.h"
#include "ops/kernel_names.h"
#include "test/harness.h"

namespace nodulab::test {
namespace {

struct FusedCase {
  const char* name;
  int64_t N, Ci, S, Co;  // cubic input S^3, k3 p1
  int64_t pool;          // 0: no pool, else the pool's kernel
  bool bias;
  int64_t pool_stride = 0;  // 0: the kernel
  int64_t pool_pad = 0;
  int64_t conv_stride = 1;
};

const FusedCase kFused[] = {
    {"first layer Ci 1, pool 2", 3, 1, 12, 16, 2, false},
    {"odd size 7, pool 2 (floor)", 2, 3, 7, 5, 2, true},
    {"no pool, Co 17", 2, 4, 6, 17, 0, true},
    {"rows of 8, pool 2, batch 5", 5, 8, 8, 12, 2, false},
    {"pool 3", 1, 2, 9, 4, 3, true},
    // 2 MiB scratch holds 4 samples of 16 x 32^3: the batch of 6 runs as chunks of 4 and 2
    {"NoduleNet3D conv1 shape, uneven chunks", 6, 1, 32, 16, 2, false},
    {"pool 3 stride 2 pad 1 (overlapping windows)", 2, 3, 9, 6, 3, true, 2, 1},
    {"pool 2 stride 1", 2, 2, 6, 5, 2, false, 1, 0},
    {"pool 2 after a stride-2 conv", 2, 3, 11, 7, 2, true, 0, 0, 2},
    {"pool 3 over 2 planes (pad 1)", 1, 2, 2, 3, 3, true, 3, 1},
    // Winograd-sized (AVX2: 16 and 32 channels; AVX-512: 32 each way), odd sizes and a partial channel block
    {"Winograd 16->32 at 16^3, pool 2 (NoduleNet3D conv2 shape)", 3, 16, 16, 32, 2, false},
    {"Winograd 32->40 at 9^3 (odd), pool 2", 2, 32, 9, 40, 2, true},
    {"Winograd 32->32 at 7^3, pool 3 stride 2 pad 1", 2, 32, 7, 32, 3, true, 2, 1},
    {"Winograd 32->64 at 8^3, no pool (NoduleNet3D conv3 shape)", 3, 32, 8, 64, 0, false},
    {"Winograd 33->48 at 5^3, no pool", 2, 33, 5, 48, 0, true},
};

Conv3DParams params_of(const FusedCase& c) {
  Conv3DParams p;
  p.N = c.N, p.Ci = c.Ci, p.D = p.H = p.W = c.S, p.Co = c.Co, p.kD = p.kH = p.kW = 3;
  for (int a = 0; a < 3; ++a) p.padding[a] = 1, p.stride[a] = c.conv_stride;
  set_conv3d_output(p);
  return p;
}

// The case's k^3 pool of the conv output (k = 0: none, all sizes 0).
Pool3dGeom pool_of(const Conv3DParams& p, const FusedCase& c) {
  const int64_t k = c.pool, s = c.pool_stride ? c.pool_stride : k, pp = c.pool_pad;
  Pool3dGeom g{p.N, p.Co, p.oD, p.oH, p.oW, 0, 0, 0, k, k, k, s, s, s, pp, pp, pp};
  if (k > 0) pool3d_output_size(&g);
  return g;
}

}  // namespace

NODULAB_TEST(conv3d_relu_max_pool_fast_matches_reference) {
  uint64_t seed = 300;
  const auto ref = find_kernel<Conv3DReluMaxPoolFn>(kernels::kConv3DReluMaxPool, Backend::Ref);
  for (const auto& c : kFused) {
    const Conv3DParams p = params_of(c);
    const Pool3dGeom g = pool_of(p, c);
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

// A NaN input spreads to the conv outputs around it; the reference's ReLU maps them to 0 (relu(NaN) = 0 as
// written, v > 0 ? v : 0) before the pool, and every fast path must agree.
NODULAB_TEST(conv3d_relu_max_pool_fast_treats_nan_as_relu_does) {
  const auto ref = find_kernel<Conv3DReluMaxPoolFn>(kernels::kConv3DReluMaxPool, Backend::Ref);
  for (const auto& c : kFused) {
    if (c.N * c.Ci * c.S * c.S * c.S < 20000) continue;  // the large shapes: every vector path runs
    const Conv3DParams p = params_of(c);
    const Pool3dGeom g = pool_of(p, c);
    const Pool3dGeom* pg = c.pool ? &g : nullptr;
    const int64_t ny = c.pool ? g.n * g.c * g.out_plane() : p.N * p.Co * p.P();
    auto x = random_vector(p.N * p.Ci * p.in_spatial(), 900);
    const auto w = random_vector(p.Co * p.K(), 901);
    for (int64_t i = 0; i < static_cast<int64_t>(x.size()); i += 997) x[i] = std::nanf("");
    std::vector<float> y_ref(ny), y(ny);
    ref(p, x.data(), w.data(), nullptr, pg, y_ref.data());
    for (const auto& t : fast_targets()) {
      if (t.backend == Backend::Cuda) continue;
      activate(t);
      find_kernel<Conv3DReluMaxPoolFn>(kernels::kConv3DReluMaxPool, t.backend)(p, x.data(), w.data(), nullptr, pg,
                                                                               y.data());
      check_close(std::string("Conv3DReluMaxPool with NaN inputs, ") + c.name + " on " + t.name, y.data(),
                  y_ref.data(), ny, tolerance("kernels", kernels::kConv3D));
    }
  }
}

NODULAB_TEST(conv3d_relu_max_pool_fast_is_deterministic) {
  const int threads = get_num_threads();
  for (const auto& c : kFused) {
    const Conv3DParams p = params_of(c);
    const Pool3dGeom g = pool_of(p, c);
    const Pool3dGeom* pg = c.pool ? &g : nullptr;
    const int64_t ny = c.pool ? g.n * g.c * g.out_plane() : p.N * p.Co * p.P();
    const auto x = random_vector(p.N * p.Ci * p.in_spatial(), 700), w = random_vector(p.Co * p.K(), 701),
               b = random_vector(p.Co, 702);
    for (const auto& t : fast_targets()) {
      if (t.backend == Backend::Cuda) continue;
      activate(t);
      const auto fn = find_kernel<Conv3DReluMaxPoolFn>(kernels::kConv3DReluMaxPool, t.backend);
      std::vector<float> first(ny), y(ny);
      const int settings[] = {threads, 1, 3, threads};
      for (int r = 0; r < 4; ++r) {
        set_num_threads(settings[r]);
        fn(p, x.data(), w.data(), c.bias ? b.data() : nullptr, pg, (r ? y : first).data());
        if (r)
          expect(std::memcmp(first.data(), y.data(), ny * sizeof(float)) == 0,
                 std::string("Conv3DReluMaxPool ") + c.name + " on " + t.name + " with " +
                     std::to_string(settings[r]) + " threads differs bitwise from the first run");
      }
    }
  }
  set_num_threads(threads);
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

// Conv3D, Conv3DBackpropInput and Conv3DBackpropFilter: a table of shapes run on every fast target
// against the reference, bit-identical repeats at a fixed thread count, and the backward kernels
// checked by finite differences in double on the reference.
#include <cmath>
#include <cstring>

#include "core/thread_pool.h"
#include "ops/conv3d/conv3d.h"
#include "ops/conv3d/conv3d_cuda_loaders.h"
#include "ops/kernel_names.h"
#include "test/harness.h"

namespace nodulab::test {
namespace {

struct ConvCase {
  const char* name;
  int64_t N, Ci, D, H, W, Co;
  int64_t k[3], s[3], p[3], d[3];
  bool bias;
};

const ConvCase kCases[] = {
    {"odd 5x7x3 k3 p1 bias", 2, 3, 5, 7, 3, 5, {3, 3, 3}, {1, 1, 1}, {1, 1, 1}, {1, 1, 1}, true},
    {"stride 2 p0, Co 17", 2, 2, 7, 6, 5, 17, {3, 3, 3}, {2, 2, 2}, {0, 0, 0}, {1, 1, 1}, true},
    {"stride 2 p2 batch 1", 1, 3, 6, 5, 7, 4, {3, 3, 3}, {2, 2, 2}, {2, 2, 2}, {1, 1, 1}, false},
    {"1x3x3 kernel (2D)", 2, 4, 1, 9, 10, 9, {1, 3, 3}, {1, 1, 1}, {0, 1, 1}, {1, 1, 1}, true},
    {"dilation 2 p2", 1, 2, 7, 7, 7, 6, {3, 3, 3}, {1, 1, 1}, {2, 2, 2}, {2, 2, 2}, false},
    {"Ci 1 first layer", 3, 1, 8, 8, 8, 16, {3, 3, 3}, {1, 1, 1}, {1, 1, 1}, {1, 1, 1}, false},
    {"Co 33 wide rows", 2, 5, 4, 5, 37, 33, {3, 3, 3}, {1, 1, 1}, {1, 1, 1}, {1, 1, 1}, true},
    {"mixed stride/pad 0,1,2", 2, 3, 6, 7, 8, 7, {3, 2, 3}, {1, 2, 1}, {0, 1, 2}, {1, 1, 1}, true},
    {"k1 p1 (pad beyond kernel)", 1, 3, 3, 4, 5, 2, {1, 1, 1}, {1, 1, 1}, {1, 1, 1}, {1, 1, 1}, true},
    {"rows shorter than a vector", 2, 8, 8, 8, 8, 16, {3, 3, 3}, {1, 1, 1}, {1, 1, 1}, {1, 1, 1}, false},
    {"stride 3,2,1 dilation 2,1,2", 1, 2, 9, 8, 10, 3, {2, 3, 2}, {3, 2, 1}, {1, 0, 2}, {2, 1, 2}, true},
    {"kernel equals padded input", 2, 2, 3, 3, 3, 3, {5, 5, 5}, {1, 1, 1}, {1, 1, 1}, {1, 1, 1}, true},
    // rows of 32: whole tiles of consecutive outputs stored straight into y (a full and a partial panel)
    {"rows of 32, Co 12, direct tiles", 2, 2, 3, 4, 32, 12, {3, 3, 3}, {1, 1, 1}, {1, 1, 1}, {1, 1, 1}, true},
    // rows of at most half a vector, paired per vector (AVX-512): rows of 7, an odd row count
    {"row pairs: rows of 7, 15 rows, Co 12", 2, 3, 3, 5, 7, 12, {3, 3, 3}, {1, 1, 1}, {1, 1, 1}, {1, 1, 1}, true},
    // strided BackpropInput by residue classes (polyphase): ResNet's downsampling conv and 1x1x1 shortcut
    // (classes without taps), odd input sizes
    {"stride 2 p1 k3, odd input", 2, 5, 8, 7, 5, 9, {3, 3, 3}, {2, 2, 2}, {1, 1, 1}, {1, 1, 1}, true},
    {"1x1x1 stride 2 shortcut", 2, 6, 5, 6, 7, 8, {1, 1, 1}, {2, 2, 2}, {0, 0, 0}, {1, 1, 1}, false},
    // Winograd F(2,3) (>= 16 channels each way and 32 on one side; >= 32 each way on AVX-512): odd output sizes (partial tiles), Ci/Co not multiples of a
    // vector, padding 0 and 2, a tile block spanning samples, and NoduleNet3D's conv3 at batch 3
    {"winograd: odd 5x7x6, Ci 17, Co 35", 2, 17, 5, 7, 6, 35, {3, 3, 3}, {1, 1, 1}, {1, 1, 1}, {1, 1, 1}, true},
    {"winograd: p0, Ci 16, Co 40", 3, 16, 6, 4, 9, 40, {3, 3, 3}, {1, 1, 1}, {0, 0, 0}, {1, 1, 1}, false},
    {"winograd: p2, 3x3x3 input, Ci 36, Co 16", 2, 36, 3, 3, 3, 16, {3, 3, 3}, {1, 1, 1}, {2, 2, 2}, {1, 1, 1}, true},
    {"winograd: odd 3x6x5, Ci 33, Co 34", 2, 33, 3, 6, 5, 34, {3, 3, 3}, {1, 1, 1}, {1, 1, 1}, {1, 1, 1}, true},
    {"winograd: conv3 shape 32->64 at 8^3", 3, 32, 8, 8, 8, 64, {3, 3, 3}, {1, 1, 1}, {1, 1, 1}, {1, 1, 1}, false},
};

Conv3DParams params_of(const ConvCase& c) {
  Conv3DParams p;
  p.N = c.N, p.Ci = c.Ci, p.D = c.D, p.H = c.H, p.W = c.W, p.Co = c.Co;
  p.kD = c.k[0], p.kH = c.k[1], p.kW = c.k[2];
  for (int a = 0; a < 3; ++a) p.stride[a] = c.s[a], p.padding[a] = c.p[a], p.dilation[a] = c.d[a];
  set_conv3d_output(p);
  return p;
}

struct ConvData {
  std::vector<float> x, w, b, dy;
};
ConvData make_data(const Conv3DParams& p, uint64_t seed) {
  return {random_vector(p.N * p.Ci * p.in_spatial(), seed), random_vector(p.Co * p.K(), seed + 1),
          random_vector(p.Co, seed + 2), random_vector(p.N * p.Co * p.P(), seed + 3)};
}

}  // namespace

NODULAB_TEST(conv3d_fast_matches_reference) {
  uint64_t seed = 100;
  for (const auto& c : kCases) {
    const Conv3DParams p = params_of(c);
    expect(p.P() > 0, std::string("case has an empty output: ") + c.name);
    const ConvData d = make_data(p, seed += 10);
    const std::vector<float> b = c.bias ? d.b : std::vector<float>{};  // empty: no bias (null)
    const int64_t ny = p.N * p.Co * p.P(), nx = p.N * p.Ci * p.in_spatial(), nw = p.Co * p.K();
    std::vector<float> y_ref(ny), dx_ref(nx), dw_ref(nw), db_ref(p.Co), y(ny), dx(nx), dw(nw), db(p.Co);
    run_on<Conv3DFn>(reference_target(), kernels::kConv3D, p, d.x, d.w, b, y_ref);
    run_on<Conv3DBackpropInputFn>(reference_target(), kernels::kConv3DBackpropInput, p, d.dy, d.w, dx_ref);
    run_on<Conv3DBackpropFilterFn>(reference_target(), kernels::kConv3DBackpropFilter, p, d.x, d.dy,
                                                                                     dw_ref, db_ref);
    for (const auto& t : fast_targets()) {
      activate(t);
      const std::string at = std::string(c.name) + " on " + t.name;
      std::fill(y.begin(), y.end(), -9.f);  // every output must be written
      run_on<Conv3DFn>(t, kernels::kConv3D, p, d.x, d.w, b, y);
      check_close("Conv3D " + at, y.data(), y_ref.data(), ny, tolerance("kernels", kernels::kConv3D));
      std::fill(dx.begin(), dx.end(), -9.f);
      run_on<Conv3DBackpropInputFn>(t, kernels::kConv3DBackpropInput, p, d.dy, d.w, dx);
      check_close("Conv3DBackpropInput " + at, dx.data(), dx_ref.data(), nx,
                  tolerance("kernels", kernels::kConv3DBackpropInput));
      std::fill(dw.begin(), dw.end(), -9.f);
      std::fill(db.begin(), db.end(), -9.f);
      run_on<Conv3DBackpropFilterFn>(t, kernels::kConv3DBackpropFilter, p, d.x, d.dy,
                                                                                   dw, db);
      check_close("Conv3DBackpropFilter dw " + at, dw.data(), dw_ref.data(), nw,
                  tolerance("kernels", kernels::kConv3DBackpropFilter));
      check_close("Conv3DBackpropFilter db " + at, db.data(), db_ref.data(), p.Co,
                  tolerance("kernels", kernels::kConv3DBackpropFilter));
    }
  }
}

NODULAB_TEST(conv3d_fast_is_deterministic) {
  // A NoduleNet3D-like layer, batch 3 (uneven split over threads); two runs at 2 threads. On CUDA the
  // weight gradient's split reduction (per-block partials summed in a fixed order) is checked too.
  ConvCase c{"layer", 3, 8, 12, 12, 12, 16, {3, 3, 3}, {1, 1, 1}, {1, 1, 1}, {1, 1, 1}, true};
  const Conv3DParams p = params_of(c);
  const ConvData d = make_data(p, 7);
  const int threads = get_num_threads();
  set_num_threads(2);
  for (const auto& t : fast_targets()) {
    activate(t);
    std::vector<float> runs[2][4];
    for (auto& r : runs) {
      r[0].resize(p.N * p.Co * p.P()), r[1].resize(p.N * p.Ci * p.in_spatial()), r[2].resize(p.Co * p.K()), r[3].resize(p.Co);
      run_on<Conv3DFn>(t, kernels::kConv3D, p, d.x, d.w, d.b, r[0]);
      run_on<Conv3DBackpropInputFn>(t, kernels::kConv3DBackpropInput, p, d.dy, d.w, r[1]);
      run_on<Conv3DBackpropFilterFn>(t, kernels::kConv3DBackpropFilter, p, d.x, d.dy, r[2], r[3]);
    }
    const char* what[4] = {"Conv3D", "Conv3DBackpropInput", "Conv3DBackpropFilter dw", "Conv3DBackpropFilter db"};
    for (int i = 0; i < 4; ++i)
      expect(std::memcmp(runs[0][i].data(), runs[1][i].data(), runs[0][i].size() * sizeof(float)) == 0,
             std::string(what[i]) + " not bit-identical on " + t.name);
  }
  set_num_threads(threads);
}

// The CUDA conv kernels' implicit-GEMM views (conv3d_cuda_loaders.h), run on the host by a GEMM that
// follows the device tiles' k order and split-k chunking (core/cuda_tiling.h): the index math and
// the weight gradient's split reduction are checked against the reference on every machine, GPU or not.
template <class Loader>
void host_tiled_gemm(const Loader& L, int64_t M, int64_t C, int64_t K, int request) {
  const int64_t chunk = cuda::gemm_split_chunk(K, request);
  const int splits = cuda::gemm_effective_splits(K, request);
  for (int sp = 0; sp < splits; ++sp)
    for (int64_t m = 0; m < M; ++m)
      for (int64_t c = 0; c < C; ++c) {
        float acc = 0.f;
        for (int64_t k = sp * chunk; k < std::min(K, (sp + 1) * chunk); ++k) acc = std::fma(L.a(m, k), L.b(k, c), acc);
        L.store(m, c, sp, acc);
      }
}

NODULAB_TEST(conv3d_cuda_loaders_match_reference_on_host) {
  uint64_t seed = 900;
  for (const auto& c : kCases) {
    const Conv3DParams p = params_of(c);
    const ConvGeom g = conv_geom_of(p);
    const ConvData d = make_data(p, seed += 10);
    const float* b = c.bias ? d.b.data() : nullptr;
    const int64_t ny = p.N * p.Co * p.P(), nx = p.N * p.Ci * p.in_spatial(), nw = p.Co * p.K();
    std::vector<float> y_ref(ny), dx_ref(nx), dw_ref(nw), db_ref(p.Co), y(ny, -9.f), dx(nx, -9.f), dw(nw, -9.f);
    conv3d_ref<float>(p, d.x.data(), d.w.data(), b, y_ref.data());
    conv3d_backprop_input_ref<float>(p, d.dy.data(), d.w.data(), dx_ref.data());
    conv3d_backprop_filter_ref<float>(p, d.x.data(), d.dy.data(), dw_ref.data(), db_ref.data());
    const std::string at = std::string(c.name) + " (host emulation of the CUDA loaders)";
    host_tiled_gemm(ForwardLoader{g, d.x.data(), d.w.data(), b, y.data()}, g.Co, g.N * g.P(), g.K(), 1);
    check_close("Conv3D " + at, y.data(), y_ref.data(), ny, tolerance("kernels", kernels::kConv3D));
    host_tiled_gemm(InputGradLoader{g, d.dy.data(), d.w.data(), dx.data()}, g.Ci, g.N * g.S(), g.Co * g.kvol(), 1);
    check_close("Conv3DBackpropInput " + at, dx.data(), dx_ref.data(), nx,
                tolerance("kernels", kernels::kConv3DBackpropInput));
    // The filter gradient with the kernel's split request and with forced splits (partials summed in order).
    const int64_t R = g.N * g.P();
    for (int request : {filter_grad_split_request(g), 3, 7}) {
      const int splits = cuda::gemm_effective_splits(R, request);
      std::vector<float> parts(splits * nw, -9.f);
      host_tiled_gemm(FilterGradLoader{g, d.x.data(), d.dy.data(), parts.data()}, g.Co, g.K(), R, request);
      for (int64_t i = 0; i < nw; ++i) {
        float s = 0.f;
        for (int sp = 0; sp < splits; ++sp) s += parts[sp * nw + i];
        dw[i] = s;
      }
      check_close("Conv3DBackpropFilter " + at + " splits " + std::to_string(splits), dw.data(), dw_ref.data(), nw,
                  tolerance("kernels", kernels::kConv3DBackpropFilter));
    }
  }
}

NODULAB_TEST(conv3d_gradients_match_finite_differences) {
  const ConvCase small[] = {
      {"k3 p1 s1", 2, 2, 3, 4, 3, 3, {3, 3, 3}, {1, 1, 1}, {1, 1, 1}, {1, 1, 1}, true},
      {"stride 2 dilation 2", 1, 2, 5, 4, 6, 2, {2, 2, 3}, {2, 1, 2}, {1, 0, 2}, {1, 2, 2}, true},
  };
  const Tolerance tol = tolerance("finite_difference", kernels::kConv3D);
  for (const auto& c : small) {
    const Conv3DParams p = params_of(c);
    auto x = to_double(random_vector(p.N * p.Ci * p.in_spatial(), 21));
    auto w = to_double(random_vector(p.Co * p.K(), 22));
    auto b = to_double(random_vector(p.Co, 23));
    auto g = to_double(random_vector(p.N * p.Co * p.P(), 24));
    std::vector<double> y(g.size()), dx(x.size()), dw(w.size()), db(b.size());
    auto loss = [&] { conv3d_ref<double>(p, x.data(), w.data(), b.data(), y.data()); return dot(y, g); };
    conv3d_backprop_input_ref<double>(p, g.data(), w.data(), dx.data());
    conv3d_backprop_filter_ref<double>(p, x.data(), g.data(), dw.data(), db.data());
    check_gradient(std::string("Conv3DBackpropInput ") + c.name, x, dx, loss, tol);
    check_gradient(std::string("Conv3DBackpropFilter dw ") + c.name, w, dw, loss, tol);
    check_gradient(std::string("Conv3DBackpropFilter db ") + c.name, b, db, loss, tol);
  }
}

}  // namespace nodulab::test

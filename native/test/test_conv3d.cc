// Conv3D, Conv3DBackpropInput and Conv3DBackpropFilter: a table of shapes run on every fast target
// against the reference, bit-identical repeats at a fixed thread count, and the backward kernels
// checked by finite differences in double on the reference.
#include <cstring>

#include "core/thread_pool.h"
#include "ops/conv3d/conv3d.h"
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
    const float* b = c.bias ? d.b.data() : nullptr;
    const int64_t ny = p.N * p.Co * p.P(), nx = p.N * p.Ci * p.in_spatial(), nw = p.Co * p.K();
    std::vector<float> y_ref(ny), dx_ref(nx), dw_ref(nw), db_ref(p.Co), y(ny), dx(nx), dw(nw), db(p.Co);
    find_kernel<Conv3DFn>(kernels::kConv3D, Backend::Ref)(p, d.x.data(), d.w.data(), b, y_ref.data());
    find_kernel<Conv3DBackpropInputFn>(kernels::kConv3DBackpropInput, Backend::Ref)(p, d.dy.data(), d.w.data(), dx_ref.data());
    find_kernel<Conv3DBackpropFilterFn>(kernels::kConv3DBackpropFilter, Backend::Ref)(p, d.x.data(), d.dy.data(),
                                                                                     dw_ref.data(), db_ref.data());
    for (const auto& t : fast_targets()) {
      activate(t);
      const std::string at = std::string(c.name) + " on " + t.name;
      std::fill(y.begin(), y.end(), -9.f);  // every output must be written
      find_kernel<Conv3DFn>(kernels::kConv3D, t.backend)(p, d.x.data(), d.w.data(), b, y.data());
      check_close("Conv3D " + at, y.data(), y_ref.data(), ny, tolerance("kernels", kernels::kConv3D));
      std::fill(dx.begin(), dx.end(), -9.f);
      find_kernel<Conv3DBackpropInputFn>(kernels::kConv3DBackpropInput, t.backend)(p, d.dy.data(), d.w.data(), dx.data());
      check_close("Conv3DBackpropInput " + at, dx.data(), dx_ref.data(), nx,
                  tolerance("kernels", kernels::kConv3DBackpropInput));
      std::fill(dw.begin(), dw.end(), -9.f);
      std::fill(db.begin(), db.end(), -9.f);
      find_kernel<Conv3DBackpropFilterFn>(kernels::kConv3DBackpropFilter, t.backend)(p, d.x.data(), d.dy.data(),
                                                                                   dw.data(), db.data());
      check_close("Conv3DBackpropFilter dw " + at, dw.data(), dw_ref.data(), nw,
                  tolerance("kernels", kernels::kConv3DBackpropFilter));
      check_close("Conv3DBackpropFilter db " + at, db.data(), db_ref.data(), p.Co,
                  tolerance("kernels", kernels::kConv3DBackpropFilter));
    }
  }
}

NODULAB_TEST(conv3d_fast_is_deterministic) {
  // A NoduleNet3D-like layer, batch 3 (uneven split over threads); two runs at 2 threads.
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
      conv3d_cpu(p, d.x.data(), d.w.data(), d.b.data(), r[0].data());
      conv3d_backprop_input_cpu(p, d.dy.data(), d.w.data(), r[1].data());
      conv3d_backprop_filter_cpu(p, d.x.data(), d.dy.data(), r[2].data(), r[3].data());
    }
    const char* what[4] = {"Conv3D", "Conv3DBackpropInput", "Conv3DBackpropFilter dw", "Conv3DBackpropFilter db"};
    for (int i = 0; i < 4; ++i)
      expect(std::memcmp(runs[0][i].data(), runs[1][i].data(), runs[0][i].size() * sizeof(float)) == 0,
             std::string(what[i]) + " not bit-identical on " + t.name);
  }
  set_num_threads(threads);
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

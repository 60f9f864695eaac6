// 3-D pooling kernels: every fast target against the reference over a table of shapes (odd sizes,
// stride != kernel, padding, 1x2x2 windows, batch 1, ties, NaN), finite differences of every
// backward in double on the reference, and bit-identical reruns.
#include <cmath>
#include <cstring>
#include <limits>
#include <sstream>

#include "ops/kernel_names.h"
#include "ops/pool3d/pool3d.h"
#include "test/harness.h"
#include "test/pool_cases.h"

namespace nodulab::test {
namespace {

// (N, C, D, H, W), kernel, stride, padding.
const PoolCase kCases[] = {
    {2, 3, 8, 8, 8, {2, 2, 2}, {2, 2, 2}, {0, 0, 0}},      // the NoduleNet3D pool
    {1, 2, 7, 9, 11, {2, 2, 2}, {2, 2, 2}, {0, 0, 0}},     // odd sizes: last row/column dropped
    {1, 2, 4, 6, 75, {2, 2, 2}, {2, 2, 2}, {0, 0, 0}},     // long rows: vector body + tail
    {2, 2, 7, 8, 9, {3, 3, 3}, {2, 2, 2}, {1, 1, 1}},      // overlapping windows with padding
    {1, 3, 5, 6, 7, {3, 3, 3}, {1, 1, 1}, {0, 0, 0}},      // stride 1
    {1, 1, 4, 5, 6, {2, 2, 2}, {1, 1, 1}, {1, 1, 1}},      // stride < kernel, padding
    {2, 2, 3, 6, 6, {1, 2, 2}, {1, 2, 2}, {0, 0, 0}},      // 2-D pooling of D slices
    {1, 2, 3, 7, 7, {1, 3, 3}, {1, 1, 1}, {0, 1, 1}},      // 1x3x3 "same" window
    {1, 2, 5, 4, 9, {3, 1, 2}, {2, 1, 3}, {1, 0, 1}},      // anisotropic everything
    {1, 1, 2, 2, 2, {2, 2, 2}, {2, 2, 2}, {0, 0, 0}},      // a single window
    {3, 1, 6, 5, 4, {4, 3, 2}, {3, 2, 2}, {2, 1, 1}},      // padding = kernel / 2
};

// Random data; with `ties`, values on a coarse grid so windows hold equal maxima.
std::vector<float> pool_input(const Pool3dGeom& g, uint64_t seed, bool ties) {
  auto x = random_vector(g.planes() * g.in_plane(), seed, -2.f, 2.f);
  if (ties)
    for (auto& v : x) v = std::round(v * 2.f) / 2.f;
  return x;
}

void expect_same_indices(const std::string& what, const std::vector<int32_t>& got, const std::vector<int32_t>& want) {
  for (size_t i = 0; i < want.size(); ++i)
    if (got[i] != want[i]) {
      std::ostringstream o;
      o << what << ": index " << i << " got " << got[i] << " want " << want[i];
      fail(o.str());
      return;
    }
}

}  // namespace

NODULAB_TEST(pool3d_max_fast_matches_reference) {
  for (const auto& pc : kCases) {
    const Pool3dGeom g = pool_geometry(pc);
    const int64_t ny = g.planes() * g.out_plane(), nx = g.planes() * g.in_plane();
    for (int variant = 0; variant < 3; ++variant) {  // 0: random, 1: ties, 2: NaNs
      auto x = pool_input(g, 100 + variant, variant == 1);
      if (variant == 2)
        for (int64_t i = 0; i < nx; i += 13) x[i] = std::numeric_limits<float>::quiet_NaN();
      std::vector<float> want(ny), got(ny), dx_want(nx), dx_got(nx);
      std::vector<int32_t> iwant(ny), igot(ny);
      auto dy = random_vector(ny, 7);
      run_on<MaxPool3dFn>(reference_target(), kernels::kMaxPool3D, g, x, want, iwant);
      run_on<MaxPool3dGradFn>(reference_target(), kernels::kMaxPool3DGrad, g, dy, iwant, dx_want);
      for (const auto& t : fast_targets()) {
        activate(t);
        const std::string at = t.name + " " + describe(g) + " variant " + std::to_string(variant);
        run_on<MaxPool3dFn>(t, kernels::kMaxPool3D, g, x, got, igot);
        check_close("MaxPool3D " + at, got.data(), want.data(), ny, tolerance("kernels", kernels::kMaxPool3D));
        expect_same_indices("MaxPool3D indices " + at, igot, iwant);
        run_on<MaxPool3dGradFn>(t, kernels::kMaxPool3DGrad, g, dy, iwant, dx_got);
        check_close("MaxPool3DGrad " + at, dx_got.data(), dx_want.data(), nx,
                    tolerance("kernels", kernels::kMaxPool3DGrad));
      }
    }
  }
}

NODULAB_TEST(pool3d_max_ties_nan_and_padding_rules) {
  // One 2x2x2 window: x = [1, 3, 3, 2, 0, 3, -1, 2]: the first 3 (index 1) wins the tie.
  Pool3dGeom g{1, 1, 2, 2, 2, 0, 0, 0, 2, 2, 2, 2, 2, 2, 0, 0, 0};
  pool3d_output_size(&g);
  const float nan = std::numeric_limits<float>::quiet_NaN();
  for (const auto& t : fast_targets()) {
    activate(t);
    float y;
    int32_t idx;
    auto pool = [&](const std::vector<float>& x) { run_on<MaxPool3dFn>(t, kernels::kMaxPool3D, g, x, Scalar{y}, Scalar{idx}); };
    std::vector<float> x = {1, 3, 3, 2, 0, 3, -1, 2};
    pool(x);
    expect(y == 3.f && idx == 1, t.name + ": tie must pick the first maximum (index 1), got " + std::to_string(idx));
    x = {1, nan, 3, 2, 0, nan, -1, 2};  // NaN wins; a later NaN replaces an earlier one (PyTorch CPU)
    pool(x);
    expect(std::isnan(y) && idx == 5, t.name + ": NaN must win at index 5, got " + std::to_string(idx));
    x.assign(8, -std::numeric_limits<float>::infinity());  // all -inf: the window's first element
    pool(x);
    expect(std::isinf(y) && y < 0 && idx == 0, t.name + ": all -inf must give index 0, got " + std::to_string(idx));
  }
  // Padding never wins: every value negative, kernel 3 stride 2 padding 1 on a 1x1x3x3x3 volume.
  Pool3dGeom gp{1, 1, 3, 3, 3, 0, 0, 0, 3, 3, 3, 2, 2, 2, 1, 1, 1};
  pool3d_output_size(&gp);
  expect(gp.od == 2 && gp.oh == 2 && gp.ow == 2, "3x3x3 k3 s2 p1 must give 2x2x2");
  std::vector<float> x(27);
  for (int i = 0; i < 27; ++i) x[i] = -1.f - i;
  std::vector<float> y(8);
  std::vector<int32_t> idx(8);
  max_pool3d_ref<float>(gp, x.data(), y.data(), idx.data());
  // Window (0,0,0) covers input [0,1]^3: the max -1 sits at index 0; window (1,1,1) covers [1,2]^3: index 13.
  expect(y[0] == -1.f && idx[0] == 0 && idx[7] == 13, "padded max pool must ignore the padding");
}

NODULAB_TEST(pool3d_avg_fast_matches_reference) {
  for (const auto& pc : kCases) {
    const Pool3dGeom g = pool_geometry(pc);
    const int64_t ny = g.planes() * g.out_plane(), nx = g.planes() * g.in_plane();
    auto x = pool_input(g, 200, false);
    x[nx / 2] = std::numeric_limits<float>::quiet_NaN();
    auto dy = random_vector(ny, 201);
    std::vector<float> want(ny), got(ny), dx_want(nx), dx_got(nx);
    for (bool include_pad : {true, false}) {
      run_on<AvgPool3dFn>(reference_target(), kernels::kAvgPool3D, g, include_pad, x, want);
      run_on<AvgPool3dGradFn>(reference_target(), kernels::kAvgPool3DGrad, g, include_pad, dy, dx_want);
      for (const auto& t : fast_targets()) {
        activate(t);
        const std::string at = t.name + " " + describe(g) + (include_pad ? " countIncludePad" : " excludePad");
        run_on<AvgPool3dFn>(t, kernels::kAvgPool3D, g, include_pad, x, got);
        check_close("AvgPool3D " + at, got.data(), want.data(), ny, tolerance("kernels", kernels::kAvgPool3D));
        run_on<AvgPool3dGradFn>(t, kernels::kAvgPool3DGrad, g, include_pad, dy, dx_got);
        check_close("AvgPool3DGrad " + at, dx_got.data(), dx_want.data(), nx,
                    tolerance("kernels", kernels::kAvgPool3DGrad));
      }
    }
  }
  // The divisor at a padded corner: 3x3x3 window, padding 1, corner covers 2x2x2 real elements.
  Pool3dGeom g{1, 1, 2, 2, 2, 0, 0, 0, 3, 3, 3, 1, 1, 1, 1, 1, 1};
  pool3d_output_size(&g);
  std::vector<float> ones(8, 1.f), y(8);
  avg_pool3d_ref<float>(g, true, ones.data(), y.data());
  expect(std::fabs(y[0] - 8.f / 27.f) < 1e-7f, "countIncludePad divides by the full window (27)");
  avg_pool3d_ref<float>(g, false, ones.data(), y.data());
  expect(std::fabs(y[0] - 1.f) < 1e-7f, "countIncludePad=false divides by the real elements (8)");
}

NODULAB_TEST(pool3d_global_avg_fast_matches_reference) {
  for (auto [planes, size] : {std::pair<int64_t, int64_t>{1, 1}, {6, 27}, {32, 512}, {3, 100003}}) {
    auto x = random_vector(planes * size, 300 + size, -1.f, 3.f);
    auto dy = random_vector(planes, 301);
    std::vector<float> want(planes), got(planes), dx_want(planes * size), dx_got(planes * size);
    run_on<GlobalAvgPool3dFn>(reference_target(), kernels::kGlobalAvgPool3D, planes, size, x, want);
    run_on<GlobalAvgPool3dGradFn>(reference_target(), kernels::kGlobalAvgPool3DGrad, planes, size, dy,
                                                                                   dx_want);
    for (const auto& t : fast_targets()) {
      activate(t);
      const std::string at = t.name + " planes=" + std::to_string(planes) + " size=" + std::to_string(size);
      run_on<GlobalAvgPool3dFn>(t, kernels::kGlobalAvgPool3D, planes, size, x, got);
      check_close("GlobalAvgPool3D " + at, got.data(), want.data(), planes,
                  tolerance("kernels", kernels::kGlobalAvgPool3D));
      run_on<GlobalAvgPool3dGradFn>(t, kernels::kGlobalAvgPool3DGrad, planes, size, dy,
                                                                                   dx_got);
      check_close("GlobalAvgPool3DGrad " + at, dx_got.data(), dx_want.data(), planes * size,
                  tolerance("kernels", kernels::kGlobalAvgPool3DGrad));
    }
  }
}

NODULAB_TEST(pool3d_gradients_match_finite_differences) {
  const Tolerance tol = tolerance("finite_difference", "pool3d");
  for (const auto& pc : kCases) {
    const Pool3dGeom g = pool_geometry(pc);
    const int64_t ny = g.planes() * g.out_plane(), nx = g.planes() * g.in_plane();
    // Random doubles are distinct, far apart relative to eps: no ties, so max pool is smooth here.
    auto x = to_double(random_vector(nx, 400, -1.f, 1.f));
    for (int64_t i = 0; i < nx; ++i) x[i] += 1e-3 * static_cast<double>(i % 7);
    auto gy = to_double(random_vector(ny, 401));
    std::vector<double> y(ny), dx(nx);
    std::vector<int32_t> idx(ny);
    max_pool3d_ref<double>(g, x.data(), y.data(), idx.data());
    max_pool3d_grad_ref<double>(g, gy.data(), idx.data(), dx.data());
    check_gradient("MaxPool3DGrad " + describe(g), x, dx, [&] {
      max_pool3d_ref<double>(g, x.data(), y.data(), idx.data());
      return dot(y, gy);
    }, tol);
    for (bool include_pad : {true, false}) {
      avg_pool3d_grad_ref<double>(g, include_pad, gy.data(), dx.data());
      check_gradient("AvgPool3DGrad " + describe(g), x, dx, [&] {
        avg_pool3d_ref<double>(g, include_pad, x.data(), y.data());
        return dot(y, gy);
      }, tol);
    }
  }
  const int64_t planes = 4, size = 30;
  auto x = to_double(random_vector(planes * size, 402));
  auto gy = to_double(random_vector(planes, 403));
  std::vector<double> y(planes), dx(planes * size);
  global_avg_pool3d_grad_ref<double>(planes, size, gy.data(), dx.data());
  check_gradient("GlobalAvgPool3DGrad", x, dx, [&] {
    global_avg_pool3d_ref<double>(planes, size, x.data(), y.data());
    return dot(y, gy);
  }, tol);
}

NODULAB_TEST(pool3d_cpu_is_deterministic) {
  const Pool3dGeom g = pool_geometry({4, 3, 9, 10, 36, {3, 3, 3}, {2, 2, 2}, {1, 1, 1}});
  const Pool3dGeom g2 = pool_geometry({4, 3, 8, 10, 36, {2, 2, 2}, {2, 2, 2}, {0, 0, 0}});
  for (const Pool3dGeom& geo : {g, g2}) {
    const int64_t ny = geo.planes() * geo.out_plane(), nx = geo.planes() * geo.in_plane();
    auto x = pool_input(geo, 500, true);
    auto dy = random_vector(ny, 501);
    std::vector<float> runs[3];
    for (int r = 0; r < 3; ++r) {
      std::vector<float> y(ny), dx(nx), ya(ny), dxa(nx);
      std::vector<int32_t> idx(ny);
      max_pool3d_cpu(geo, x.data(), y.data(), idx.data());
      max_pool3d_grad_cpu(geo, dy.data(), idx.data(), dx.data());
      avg_pool3d_cpu(geo, false, x.data(), ya.data());
      avg_pool3d_grad_cpu(geo, true, dy.data(), dxa.data());
      runs[r] = y;
      runs[r].insert(runs[r].end(), dx.begin(), dx.end());
      runs[r].insert(runs[r].end(), ya.begin(), ya.end());
      runs[r].insert(runs[r].end(), dxa.begin(), dxa.end());
    }
    for (int r = 1; r < 3; ++r)
      expect(std::memcmp(runs[r].data(), runs[0].data(), runs[0].size() * sizeof(float)) == 0,
             "pool3d cpu run " + std::to_string(r) + " differs bitwise from run 0 for " + describe(geo));
  }
}

}  // namespace nodulab::test

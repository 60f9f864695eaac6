// Noise kernels (synthetic-data generator) against the reference on every CPU ISA: table normals bit
// for bit, the in-plane filter and value noise within tolerance, and the fast filter bit-identical
// across ISAs (generated data must not depend on the machine's vector width).
#include <cstring>

#include "ops/kernel_names.h"
#include "ops/noise/noise.h"
#include "test/harness.h"

namespace nodulab::test {

namespace {
// The CPU targets (the noise kernels have no CUDA version: each generator worker renders on its CPU).
std::vector<FastTarget> cpu_targets() {
  std::vector<FastTarget> out;
  for (const auto& t : fast_targets())
    if (t.backend == Backend::Cpu) out.push_back(t);
  return out;
}
bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}
}  // namespace

NODULAB_TEST(noise_fill_normal_matches_reference) {
  auto table = random_vector(kNormalTableSize, 11, -3.f, 3.f);
  const Tolerance tol = tolerance("kernels", kernels::kFillNormal);
  for (int64_t n : {0, 1, 2, 7, 4097}) {
    for (auto seed : {std::vector<uint32_t>{1, 2, 3, 4}, std::vector<uint32_t>{0xdeadbeefu, 0, 0xffffffffu, 7},
                      std::vector<uint32_t>{0, 0, 0, 0}}) {
      std::vector<float> want(n, -1.f), got(n, -2.f);
      find_kernel<FillNormalFn>(kernels::kFillNormal, Backend::Ref)(n, seed.data(), table.data(), 1.7, want.data());
      for (const auto& t : cpu_targets()) {
        activate(t);
        find_kernel<FillNormalFn>(kernels::kFillNormal, t.backend)(n, seed.data(), table.data(), 1.7, got.data());
        check_close("FillNormal " + t.name + " n=" + std::to_string(n), got.data(), want.data(), n, tol);
      }
    }
  }
  // An all-zero state is replaced by {1, 0, 0, 0}; other seeds give other streams; values come from the table.
  const int64_t n = 64;
  std::vector<float> zero(n), one(n), other(n);
  const uint32_t s0[4] = {0, 0, 0, 0}, s1[4] = {1, 0, 0, 0}, s2[4] = {2, 0, 0, 0};
  fill_normal_cpu(n, s0, table.data(), 1.0, zero.data());
  fill_normal_cpu(n, s1, table.data(), 1.0, one.data());
  fill_normal_cpu(n, s2, table.data(), 1.0, other.data());
  expect(same_bits(zero, one), "FillNormal: an all-zero seed must act as {1, 0, 0, 0}");
  expect(!same_bits(one, other), "FillNormal: different seeds must give different streams");
  for (float v : one) expect(v >= -3.f && v < 3.f, "FillNormal: every value must come from the table");
}

NODULAB_TEST(noise_add_correlated_noise_matches_reference) {
  struct Case { int64_t d, h, w, ky, kx; };
  const Tolerance tol = tolerance("kernels", kernels::kAddCorrelatedNoise);
  for (const Case& c : {Case{1, 1, 1, 1, 1}, Case{2, 5, 7, 3, 5}, Case{3, 17, 33, 7, 7}, Case{4, 32, 32, 9, 1},
                        Case{1, 3, 40, 1, 11}}) {
    const int64_t n = c.d * c.h * c.w, nw = c.d * (c.h + c.ky - 1) * (c.w + c.kx - 1);
    const auto white = random_vector(nw, 21 + n, -2.f, 2.f);
    const auto ky = random_vector(c.ky, 22 + c.ky, 0.f, 1.f), kx = random_vector(c.kx, 23 + c.kx, 0.f, 1.f);
    const auto hu = random_vector(n, 24 + n);
    std::vector<float> want = hu;
    find_kernel<AddCorrelatedNoiseFn>(kernels::kAddCorrelatedNoise, Backend::Ref)(
        c.d, c.h, c.w, white.data(), c.ky, ky.data(), c.kx, kx.data(), 12.5f, want.data());
    std::vector<float> first;
    for (const auto& t : cpu_targets()) {
      activate(t);
      std::vector<float> got = hu;
      find_kernel<AddCorrelatedNoiseFn>(kernels::kAddCorrelatedNoise, t.backend)(
          c.d, c.h, c.w, white.data(), c.ky, ky.data(), c.kx, kx.data(), 12.5f, got.data());
      const std::string at = t.name + " (" + std::to_string(c.d) + "," + std::to_string(c.h) + "," +
                             std::to_string(c.w) + ") taps " + std::to_string(c.ky) + "x" + std::to_string(c.kx);
      check_close("AddCorrelatedNoise " + at, got.data(), want.data(), n, tol);
      if (first.empty()) first = got;
      else expect(same_bits(got, first), "AddCorrelatedNoise " + at + ": not bit-identical to " + cpu_targets()[0].name);
    }
  }
}

NODULAB_TEST(noise_add_value_noise_matches_reference) {
  struct Case { int64_t d, h, w; double sz, sy, sx; };
  const Tolerance tol = tolerance("kernels", kernels::kAddValueNoise);
  for (const Case& c : {Case{1, 1, 1, 0.5, 0.5, 0.5}, Case{32, 32, 32, 1 / 6.0, 1 / 6.0, 1 / 6.0},
                        Case{5, 9, 13, 2.5 / 2, 0.7 / 2, 0.7 / 2}, Case{3, 4, 5, 0, 1, 2}, Case{7, 3, 2, 1, 1, 1}}) {
    const int64_t gz = value_noise_cells(c.d, c.sz), gy = value_noise_cells(c.h, c.sy), gx = value_noise_cells(c.w, c.sx);
    const int64_t n = c.d * c.h * c.w;
    const auto lattice = random_vector(gz * gy * gx, 31 + n);
    const auto base = random_vector(n, 32 + n);
    std::vector<float> want = base, got(n);
    find_kernel<AddValueNoiseFn>(kernels::kAddValueNoise, Backend::Ref)(c.d, c.h, c.w, lattice.data(), gz, gy, gx, c.sz,
                                                                         c.sy, c.sx, want.data());
    for (const auto& t : cpu_targets()) {
      activate(t);
      got = base;
      find_kernel<AddValueNoiseFn>(kernels::kAddValueNoise, t.backend)(c.d, c.h, c.w, lattice.data(), gz, gy, gx, c.sz,
                                                                        c.sy, c.sx, got.data());
      check_close("AddValueNoise " + t.name + " n=" + std::to_string(n), got.data(), want.data(), n, tol);
    }
  }
  // At lattice points (integer coordinates) the noise is the lattice value itself.
  const int64_t g = 4;
  const auto lattice = random_vector(g * g * g, 33);
  std::vector<double> lat(lattice.begin(), lattice.end()), out(3 * 3 * 3, 0.0);
  add_value_noise_ref<double>(3, 3, 3, lat.data(), g, g, g, 1, 1, 1, out.data());
  for (int64_t z = 0; z < 3; ++z)
    for (int64_t y = 0; y < 3; ++y)
      for (int64_t x = 0; x < 3; ++x)
        expect(out[(z * 3 + y) * 3 + x] == lat[(z * g + y) * g + x], "AddValueNoise reference: lattice point mismatch");
}

NODULAB_TEST(noise_correlated_reference_is_a_separable_filter) {
  // A single white impulse comes out as scale * ky (x) kx, shifted to where the impulse was.
  const int64_t h = 4, w = 5, ky_len = 3, kx_len = 3, hp = h + 2, wp = w + 2;
  std::vector<double> white(hp * wp, 0.0), ky = {0.25, 0.5, 0.25}, kx = {0.1, 0.8, 0.1}, out(h * w, 0.0);
  white[3 * wp + 3] = 1.0;  // padded (3, 3) = output (2, 2) at the kernel centre
  add_correlated_noise_ref<double>(1, h, w, white.data(), ky_len, ky.data(), kx_len, kx.data(), 2.0, out.data());
  for (int64_t y = 0; y < h; ++y)
    for (int64_t x = 0; x < w; ++x) {
      const int64_t i = 3 - y, j = 3 - x;  // tap that reads the impulse
      const double want = (i >= 0 && i < 3 && j >= 0 && j < 3) ? 2.0 * ky[i] * kx[j] : 0.0;
      expect(std::abs(out[y * w + x] - want) < 1e-15, "AddCorrelatedNoise reference: impulse response at (" +
                                                          std::to_string(y) + ", " + std::to_string(x) + ")");
    }
}

}  // namespace nodulab::test

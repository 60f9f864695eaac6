// Fast CPU noise kernels: xoshiro128** kept in registers (two table lookups per draw), the separable
// in-plane filter dispatched per ISA (noise_cpu_loops.h), and value noise interpolated along x once per
// lattice row, then blended four rows at a time. Single-threaded (each generator worker renders its own volume).
#include <vector>

#include "core/cpu_features.h"
#include "ops/noise/noise.h"
#include "ops/noise/noise_cpu_loops.h"

namespace nodulab {

CorrelatedSliceFn correlated_slice_scalar() { return &correlated_slice; }

void fill_normal_cpu(int64_t n, const uint32_t* seed, const float* table, double scale, float* out) {
  uint32_t a = seed[0], b = seed[1], c = seed[2], d = seed[3];
  if ((a | b | c | d) == 0) a = 1;
  auto draw = [&]() {
    const uint32_t r = b * 5u;
    const uint32_t u = ((r << 7) | (r >> 25)) * 9u;
    const uint32_t t = b << 9;
    c ^= a;
    d ^= b;
    b ^= c;
    a ^= d;
    c ^= t;
    d = (d << 11) | (d >> 21);
    return u;
  };
  int64_t i = 0;
  for (; i + 2 <= n; i += 2) {
    const uint32_t u = draw();
    out[i] = static_cast<float>(static_cast<double>(table[u & 0xffffu]) * scale);
    out[i + 1] = static_cast<float>(static_cast<double>(table[u >> 16]) * scale);
  }
  if (i < n) out[i] = static_cast<float>(static_cast<double>(table[draw() & 0xffffu]) * scale);
}

void add_correlated_noise_cpu(int64_t d, int64_t h, int64_t w, const float* white, int64_t ky_len, const float* ky,
                              int64_t kx_len, const float* kx, float scale, float* hu) {
  const Isa isa = active_isa();
  const CorrelatedSliceFn slice = isa == Isa::Avx512 ? correlated_slice_avx512()
                                  : isa == Isa::Avx2 ? correlated_slice_avx2()
                                                     : correlated_slice_scalar();
  const int64_t hp = h + ky_len - 1, wp = w + kx_len - 1;
  std::vector<float> scratch(wp);
  for (int64_t z = 0; z < d; ++z) slice(h, w, white + z * hp * wp, ky_len, ky, kx_len, kx, scale, scratch.data(), hu + z * h * w);
}

void add_value_noise_cpu(int64_t d, int64_t h, int64_t w, const float* lattice, int64_t gz, int64_t gy, int64_t gx,
                         double step_z, double step_y, double step_x, float* out) {
  // Interpolate every lattice row along x once: lines (gz * gy, w).
  std::vector<float> lines(gz * gy * w);
  for (int64_t x = 0; x < w; ++x) {
    const int64_t cx = value_noise_cell(x, step_x);
    const float fx = static_cast<float>(x * step_x - cx);
    for (int64_t r = 0; r < gz * gy; ++r) {
      const float a = lattice[r * gx + cx], b = lattice[r * gx + cx + 1];
      lines[r * w + x] = a + fx * (b - a);
    }
  }
  // Then each output row blends four lines (bilinear in z, y): contiguous, vectorized along x.
  for (int64_t z = 0; z < d; ++z) {
    const int64_t cz = value_noise_cell(z, step_z);
    const float fz = static_cast<float>(z * step_z - cz);
    for (int64_t y = 0; y < h; ++y) {
      const int64_t cy = value_noise_cell(y, step_y);
      const float fy = static_cast<float>(y * step_y - cy);
      const float w00 = (1 - fz) * (1 - fy), w01 = (1 - fz) * fy, w10 = fz * (1 - fy), w11 = fz * fy;
      const float* __restrict l00 = lines.data() + (cz * gy + cy) * w;
      const float* __restrict l01 = l00 + w;
      const float* __restrict l10 = l00 + gy * w;
      const float* __restrict l11 = l10 + w;
      float* __restrict dst = out + (z * h + y) * w;
      for (int64_t x = 0; x < w; ++x) dst[x] += w00 * l00[x] + w01 * l01[x] + w10 * l10[x] + w11 * l11[x];
    }
  }
}

}  // namespace nodulab

// Noise kernels of the synthetic-data generator (packages/data): table-based normal variates from a
// seeded xoshiro128** stream, in-plane correlated noise (separable Gaussian filter of white noise)
// and trilinear value noise. Single-threaded on purpose: the generator runs one volume per worker.
#pragma once
#include <cmath>
#include <cstdint>

namespace nodulab {

// Entries in the normal table FillNormal indexes with 16-bit draws.
inline constexpr int64_t kNormalTableSize = 65536;

// out: (n) = scale * table[k_i], k_i the 16-bit halves (low first) of successive xoshiro128** outputs
// from state seed[0..4) (all zero is replaced by {1, 0, 0, 0}); the product is taken in double and
// rounded to float, so the stream matches packages/data's TypeScript fillNormal bit for bit.
using FillNormalFn = void (*)(int64_t n, const uint32_t* seed, const float* table, double scale, float* out);

// hu: (d, h, w) += scale * sum_{i < ky_len, j < kx_len} ky[i] kx[j] white[z, y + i, x + j]
// ("valid" separable filtering), white: (d, h + ky_len - 1, w + kx_len - 1). Fast kernels filter along
// y then x with fused multiply-adds in a fixed order, so every ISA gives the same bits.
using AddCorrelatedNoiseFn = void (*)(int64_t d, int64_t h, int64_t w, const float* white, int64_t ky_len,
                                      const float* ky, int64_t kx_len, const float* kx, float scale, float* hu);

// out: (d, h, w) += trilinear interpolation of lattice: (gz, gy, gx) at lattice coordinates
// (z * step_z, y * step_y, x * step_x). Needs value_noise_cells(n, step) <= g for each axis.
using AddValueNoiseFn = void (*)(int64_t d, int64_t h, int64_t w, const float* lattice, int64_t gz, int64_t gy,
                                 int64_t gx, double step_z, double step_y, double step_x, float* out);

// Lattice cell of voxel i (its lower lattice index) on an axis of lattice step `step`.
inline int64_t value_noise_cell(int64_t i, double step) { return static_cast<int64_t>(std::floor(static_cast<double>(i) * step)); }
// Lattice points an axis of n voxels needs: the last voxel's cell and the point after it.
inline int64_t value_noise_cells(int64_t n, double step) { return value_noise_cell(n - 1, step) + 2; }

// Reference kernels, templated so tests can run them in double.
template <class T> void fill_normal_ref(int64_t n, const uint32_t* seed, const T* table, double scale, T* out);
template <class T>
void add_correlated_noise_ref(int64_t d, int64_t h, int64_t w, const T* white, int64_t ky_len, const T* ky,
                              int64_t kx_len, const T* kx, T scale, T* hu);
template <class T>
void add_value_noise_ref(int64_t d, int64_t h, int64_t w, const T* lattice, int64_t gz, int64_t gy, int64_t gx,
                         double step_z, double step_y, double step_x, T* out);

void fill_normal_cpu(int64_t n, const uint32_t* seed, const float* table, double scale, float* out);
void add_correlated_noise_cpu(int64_t d, int64_t h, int64_t w, const float* white, int64_t ky_len, const float* ky,
                              int64_t kx_len, const float* kx, float scale, float* hu);
void add_value_noise_cpu(int64_t d, int64_t h, int64_t w, const float* lattice, int64_t gz, int64_t gy, int64_t gx,
                         double step_z, double step_y, double step_x, float* out);

// One z slice of AddCorrelatedNoise per ISA (noise_cpu_loops.h, noise_cpu_avx2.cc, noise_cpu_avx512.cc);
// `scratch` holds w + kx_len - 1 floats.
using CorrelatedSliceFn = void (*)(int64_t h, int64_t w, const float* white, int64_t ky_len, const float* ky,
                                   int64_t kx_len, const float* kx, float scale, float* scratch, float* hu);
CorrelatedSliceFn correlated_slice_scalar();
CorrelatedSliceFn correlated_slice_avx2();
CorrelatedSliceFn correlated_slice_avx512();

}  // namespace nodulab

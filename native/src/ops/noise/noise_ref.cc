// Reference noise kernels: xoshiro128** written out step by step, the 2-D in-plane filter as a direct
// double sum per voxel, and trilinear interpolation evaluated from scratch at every voxel.
#include <cmath>

#include "ops/noise/noise.h"

namespace nodulab {

namespace {
uint32_t rotl(uint32_t x, int k) { return (x << k) | (x >> (32 - k)); }
}  // namespace

template <class T> void fill_normal_ref(int64_t n, const uint32_t* seed, const T* table, double scale, T* out) {
  uint32_t s[4] = {seed[0], seed[1], seed[2], seed[3]};
  if ((s[0] | s[1] | s[2] | s[3]) == 0) s[0] = 1;
  for (int64_t i = 0; i < n; i += 2) {
    const uint32_t u = rotl(s[1] * 5u, 7) * 9u;  // xoshiro128** output
    const uint32_t t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    out[i] = static_cast<T>(static_cast<double>(table[u & 0xffffu]) * scale);
    if (i + 1 < n) out[i + 1] = static_cast<T>(static_cast<double>(table[u >> 16]) * scale);
  }
}

template <class T>
void add_correlated_noise_ref(int64_t d, int64_t h, int64_t w, const T* white, int64_t ky_len, const T* ky,
                              int64_t kx_len, const T* kx, T scale, T* hu) {
  const int64_t hp = h + ky_len - 1, wp = w + kx_len - 1;
  for (int64_t z = 0; z < d; ++z)
    for (int64_t y = 0; y < h; ++y)
      for (int64_t x = 0; x < w; ++x) {
        double acc = 0;
        for (int64_t i = 0; i < ky_len; ++i)
          for (int64_t j = 0; j < kx_len; ++j)
            acc += static_cast<double>(ky[i]) * static_cast<double>(kx[j]) *
                   static_cast<double>(white[(z * hp + y + i) * wp + x + j]);
        T& v = hu[(z * h + y) * w + x];
        v = static_cast<T>(static_cast<double>(v) + static_cast<double>(scale) * acc);
      }
}

template <class T>
void add_value_noise_ref(int64_t d, int64_t h, int64_t w, const T* lattice, int64_t gz, int64_t gy, int64_t gx,
                         double step_z, double step_y, double step_x, T* out) {
  for (int64_t z = 0; z < d; ++z)
    for (int64_t y = 0; y < h; ++y)
      for (int64_t x = 0; x < w; ++x) {
        const int64_t c[3] = {value_noise_cell(z, step_z), value_noise_cell(y, step_y), value_noise_cell(x, step_x)};
        const double f[3] = {z * step_z - c[0], y * step_y - c[1], x * step_x - c[2]};
        double acc = 0;
        for (int corner = 0; corner < 8; ++corner) {
          const int bz = corner >> 2, by = (corner >> 1) & 1, bx = corner & 1;
          const double weight = (bz ? f[0] : 1 - f[0]) * (by ? f[1] : 1 - f[1]) * (bx ? f[2] : 1 - f[2]);
          acc += weight * static_cast<double>(lattice[((c[0] + bz) * gy + c[1] + by) * gx + c[2] + bx]);
        }
        T& v = out[(z * h + y) * w + x];
        v = static_cast<T>(static_cast<double>(v) + acc);
      }
}

#define NODULAB_INSTANTIATE(T)                                                                                  \
  template void fill_normal_ref<T>(int64_t, const uint32_t*, const T*, double, T*);                             \
  template void add_correlated_noise_ref<T>(int64_t, int64_t, int64_t, const T*, int64_t, const T*, int64_t,    \
                                            const T*, T, T*);                                                   \
  template void add_value_noise_ref<T>(int64_t, int64_t, int64_t, const T*, int64_t, int64_t, int64_t, double, \
                                       double, double, T*);
NODULAB_INSTANTIATE(float)
NODULAB_INSTANTIATE(double)
#undef NODULAB_INSTANTIATE

}  // namespace nodulab

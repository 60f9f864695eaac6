// A branch-free float exp(x) (Cephes polynomial, ~1 ulp on x <= 88) written so that loops calling it
// vectorize at whatever ISA the including file is compiled for. Internal linkage: each ISA's copy
// stays in its own object file.
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>

namespace nodulab {
namespace {

// exp(x): 0 below ln(FLT_MIN) (and for -inf), +inf above 88.72, NaN for NaN. Callers use x <= 0.
inline float fast_exp(float x) {
  const float lo = -87.33654475f, hi = 88.0f;
  float xc = x > hi ? hi : x;
  xc = xc < lo ? lo : xc;
  xc = x != x ? 0.f : xc;  // NaN: compute on 0 (k stays finite, no UB), the result is replaced below
  // k = round(x / ln 2) by the 1.5 * 2^23 trick; r = x - k ln 2 in two parts (Cody-Waite).
  const float k = (xc * 1.44269504088896341f + 12582912.f) - 12582912.f;
  float r = xc - k * 0.693359375f;
  r = r + k * 2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  float y = p * r * r + r + 1.f;
  const uint32_t bits = static_cast<uint32_t>(static_cast<int32_t>(k) + 127) << 23;  // 2^k, k in [-126, 127]
  float scale;
  std::memcpy(&scale, &bits, sizeof scale);
  y *= scale;
  y = x < lo ? 0.f : y;
  y = x > 88.72283935f ? INFINITY : y;
  return x != x ? x : y;
}

}  // namespace
}  // namespace nodulab

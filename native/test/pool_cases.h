// Pooling test geometries shared by test_pool3d.cc and test_batchnorm_pool.cc: x (N, C, D, H, W),
// kernel, stride and padding of one case, its Pool3dGeom, and how a failure message names it.
#pragma once
#include <cstdint>
#include <sstream>
#include <string>

#include "ops/pool3d/pool3d.h"

namespace nodulab::test {

struct PoolCase {
  int64_t n, c, d, h, w;
  int64_t k[3], s[3], p[3];
  bool affine = true;  // the fused batch-norm tests: gamma and beta given (false: null)
};

inline Pool3dGeom pool_geometry(const PoolCase& pc) {
  Pool3dGeom g{pc.n, pc.c, pc.d, pc.h, pc.w, 0, 0, 0, pc.k[0], pc.k[1], pc.k[2],
               pc.s[0], pc.s[1], pc.s[2], pc.p[0], pc.p[1], pc.p[2]};
  pool3d_output_size(&g);
  return g;
}

// "x=(N,C,D,H,W) k=kdkhkw s=sdshsw p=pdphpw"
inline std::string describe(const Pool3dGeom& g) {
  std::ostringstream o;
  o << "x=(" << g.n << "," << g.c << "," << g.d << "," << g.h << "," << g.w << ") k=" << g.kd << g.kh << g.kw
    << " s=" << g.sd << g.sh << g.sw << " p=" << g.pd << g.ph << g.pw;
  return o.str();
}

}  // namespace nodulab::test

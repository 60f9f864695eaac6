// The pooling-window arguments shared by the pooling bindings and the fused conv block's binding.
#pragma once
#include "binding/common.h"
#include "ops/pool3d/pool3d.h"

namespace nodulab::binding {

// The pooling geometry of an input of shape xs (N, C, D, H, W) from the kernel / stride / padding
// triples at info[ik..ik+2]; throws a JS error naming `op` on a bad window.
Pool3dGeom get_pool_geom(const Napi::CallbackInfo& info, const Shape& xs, size_t ik, const char* op);

}  // namespace nodulab::binding

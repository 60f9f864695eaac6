// Binding for the singular values of a batch of small (rows, cols) matrices.
#include <algorithm>
#include <cmath>

#include "binding/common.h"
#include "ops/kernel_names.h"
#include "ops/svd/svd.h"

namespace nodulab::binding {
namespace {

// JS: (a, batch, rows, cols, backend?) -> s (batch * min(rows, cols)), each matrix's values descending.
Napi::Value svdvals(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const char* op = kernels::kSvdVals;
  auto a = get_f32(info, 0, op, "a");
  double dims[3];
  const char* names[3] = {"batch", "rows", "cols"};
  for (int d = 0; d < 3; ++d) {
    dims[d] = get_number(info, 1 + d, op, names[d]);
    THROW_IF(dims[d] < 1 || dims[d] != std::floor(dims[d]) || dims[d] > 9.0e15,
             names[d] << " must be a positive integer, got " << dims[d]);
  }
  const double total = dims[0] * dims[1] * dims[2];
  THROW_IF(total != static_cast<double>(a.ElementLength()),
           "a has " << a.ElementLength() << " elements but shape [" << dims[0] << ", " << dims[1] << ", " << dims[2]
                    << "] needs " << total);
  const int64_t batch = static_cast<int64_t>(dims[0]), rows = static_cast<int64_t>(dims[1]),
                cols = static_cast<int64_t>(dims[2]);
  const int64_t k = std::min(rows, cols);
  THROW_IF(k > kSvdMaxRank, "min(rows, cols) must be at most " << kSvdMaxRank << " (a small SVD), got [" << rows
                                                                 << ", " << cols << "]");
  auto fn = kernel_at<SvdValsFn>(info, 4, op);
  return filled_f32(env, batch * k, [&](float* s) { fn(batch, rows, cols, a.Data(), s); });
}

}  // namespace

void init_svd(Napi::Env env, Napi::Object exports) { export_bindings(env, exports, {{"svdvals", svdvals}}); }

}  // namespace nodulab::binding

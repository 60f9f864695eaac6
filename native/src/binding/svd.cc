// Binding for the singular values of a batch of small (rows, cols) matrices.
#include <algorithm>

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
  const int64_t batch = get_positive_int(info, 1, op, "batch"), rows = get_positive_int(info, 2, op, "rows"),
                cols = get_positive_int(info, 3, op, "cols");
  const double needed = static_cast<double>(batch) * static_cast<double>(rows) * static_cast<double>(cols);
  THROW_IF(needed != static_cast<double>(a.ElementLength()),
           "a has " << a.ElementLength() << " elements but shape [" << batch << ", " << rows << ", " << cols
                    << "] needs " << needed);
  const int64_t k = std::min(rows, cols);
  THROW_IF(k > kSvdMaxRank, "min(rows, cols) must be at most " << kSvdMaxRank << " (a small SVD), got [" << rows
                                                                 << ", " << cols << "]");
  auto fn = kernel_at<SvdValsFn>(info, 4, op);
  return filled_f32(env, batch * k, [&](float* s) { fn(batch, rows, cols, a.Data(), s); });
}

}  // namespace

void init_svd(Napi::Env env, Napi::Object exports) { export_bindings(env, exports, {{"svdvals", svdvals}}); }

}  // namespace nodulab::binding

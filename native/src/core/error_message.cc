// Implementation of error_message (error_message.h).
#include "core/error_message.h"

#include <cstring>
#include <new>

namespace nodulab {

std::string error_message(std::exception_ptr e, const char* op) noexcept {
  try {
    const std::string prefix = std::string(op) + ": ";
    if (!e) return prefix + "unknown native exception";
    try {
      std::rethrow_exception(e);
    } catch (const std::bad_alloc&) {
      return prefix + "out of memory (a native allocation failed)";
    } catch (const std::exception& ex) {
      const char* what = ex.what() ? ex.what() : "";
      const size_t n = std::strlen(op);
      const bool named = std::strncmp(what, op, n) == 0 && what[n] == ':';
      return named ? std::string(what) : prefix + what;
    } catch (...) {
      return prefix + "unknown native exception";
    }
  } catch (...) {
    return {};  // no memory for the message (an empty string allocates nothing)
  }
}

}  // namespace nodulab

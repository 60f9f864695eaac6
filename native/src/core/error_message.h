// The one translation of a C++ exception into a message for users, used wherever native work meets
// JS: every binding call (binding/common.cc call_binding) and module load. Kernels and the runtime
// layer throw std::exception (CUDA errors, std::bad_alloc, ...); the thread pool carries an exception
// from a worker thread back to the calling thread (thread_pool.h), so it reaches this boundary too.
#pragma once
#include <exception>
#include <string>

namespace nodulab {

// "<op>: <what>" for the exception e: std::bad_alloc reads "out of memory", any std::exception its
// what() (not prefixed again when it already starts with "<op>:"), anything else "unknown native
// exception" (also for a null e). Never throws: when there is no memory to build the message it returns
// an empty string, and the caller uses a fixed text.
std::string error_message(std::exception_ptr e, const char* op) noexcept;

}  // namespace nodulab

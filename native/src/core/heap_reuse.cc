// enable_heap_reuse: see heap_reuse.h. glibc serves allocations above M_MMAP_THRESHOLD (at most
// 32 MiB) with their own mmap(), which munmap() returns on free, so every 64 MiB activation of a
// NoduleNet3D step would fault in and zero fresh pages. With M_MMAP_MAX = 0 all blocks come from the
// heap, and a high M_TRIM_THRESHOLD keeps freed memory there for the next step (steady-state RSS is the
// peak working set of one step, not more). M_ARENA_MAX = 1 keeps threads started later (a Node worker
// thread running training steps) on that heap too: a per-thread arena returns whole freed heaps to
// the kernel, which then faulted ~1,000 pages back in per NoduleNet3D step (batch 32).
#include "core/heap_reuse.h"

#include <cstdlib>
#include <cstring>
#include <mutex>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace nodulab {

bool enable_heap_reuse() {
  static bool active = false;
  static std::once_flag once;
  std::call_once(once, [] {
#if defined(__GLIBC__)
    const char* env = std::getenv("NODULAB_HEAP_REUSE");
    if (env && std::strcmp(env, "0") == 0) return;
    active = mallopt(M_MMAP_MAX, 0) == 1 && mallopt(M_TRIM_THRESHOLD, 1 << 30) == 1 && mallopt(M_ARENA_MAX, 1) == 1;
#endif
  });
  return active;
}

}  // namespace nodulab

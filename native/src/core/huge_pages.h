// Asks the kernel to back a large, not yet touched allocation with transparent huge pages.
#pragma once
#include <cstddef>

namespace nodulab {

// madvise(MADV_HUGEPAGE) on the 2 MiB-aligned part of [p, p + bytes) when bytes >= 4 MiB; a no-op
// elsewhere (small buffers, systems without THP). Never fails.
void advise_huge_pages(void* p, size_t bytes);

}  // namespace nodulab

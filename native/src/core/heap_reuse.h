// Keeps large freed blocks mapped so the next step's activations reuse them without page faults.
#pragma once

namespace nodulab {

// Once per process (glibc only; a no-op elsewhere or when NODULAB_HEAP_REUSE=0): serves large
// allocations from one heap (no per-thread arenas for threads started later) instead of fresh mmap()s
// and stops trimming its top, so a block freed by the garbage collector is handed to the next
// allocation of that size already mapped: no page fault and no kernel page zeroing per step. Returns
// whether the setting is active.
bool enable_heap_reuse();

}  // namespace nodulab

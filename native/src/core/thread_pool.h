// A small persistent thread pool with static scheduling: the same range split into the same chunks
// for the same thread count, so every kernel that reduces per chunk is bit-identical run to run.
#pragma once
#include <cstdint>
#include <functional>

namespace nodulab {

// Number of threads kernels use (>= 1). Default: NODULAB_NUM_THREADS or the hardware concurrency.
int get_num_threads();
// Sets the thread count (clamped to [1, 256]); waits for a region running on another thread. Not to be
// called from inside a parallel region. When the system refuses a thread, the pool runs on one thread
// and the std::system_error is rethrown.
void set_num_threads(int n);

// Splits [0, n) into at most get_num_threads() contiguous chunks of at least `grain` items and runs
// fn(begin, end) for each, the calling thread taking the first chunk. Returns when all are done.
// Calls made from inside a chunk run serially on the calling thread. When chunks throw, the first
// exception is rethrown on the calling thread after every chunk has finished.
void parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t begin, int64_t end)>& fn);

// Runs fn(chunk, begin, end) for a fixed number of chunks `num_chunks` splitting [0, n) evenly:
// for reductions whose partial results must be combined in a fixed order. Exceptions as parallel_for.
void parallel_chunks(int64_t n, int num_chunks,
                     const std::function<void(int chunk, int64_t begin, int64_t end)>& fn);

}  // namespace nodulab

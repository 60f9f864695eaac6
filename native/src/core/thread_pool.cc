// Persistent worker threads woken per parallel region; static contiguous chunks (see thread_pool.h).
// One pool per process: callers on several threads (the JS thread, Node worker threads, async calls)
// take turns, one region at a time, so each region keeps the same chunks and the same results.
// An exception thrown by a chunk never leaves its thread: the first one is kept and rethrown on the
// calling thread once every chunk has finished (a worker thread that let it escape would terminate).
#include "core/thread_pool.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace nodulab {
namespace {

thread_local bool t_inside_region = false;

class ThreadPool {
 public:
  ThreadPool() {
    int n = 0;
    if (const char* env = std::getenv("NODULAB_NUM_THREADS")) n = std::atoi(env);
    if (n <= 0) n = static_cast<int>(std::thread::hardware_concurrency());
    resize(std::max(1, n));
  }
  ~ThreadPool() { stop_workers(); }

  int size() const { return num_threads_; }

  // Waits for a region running on another thread (a Node worker thread or an async call) to finish.
  void resize(int n) {
    std::lock_guard<std::mutex> region(region_mutex_);
    n = std::clamp(n, 1, 256);
    if (n == num_threads_) return;
    stop_workers();
    num_threads_ = n;
    stopping_ = false;
    // New workers start from the current generation, so they wait for the next region instead of
    // running a region that has already finished.
    try {
      for (int i = 1; i < n; ++i) workers_.emplace_back([this, i, g = generation_] { worker_loop(i, g); });
    } catch (...) {  // the system refused a thread: run serially rather than wait for workers that never started
      stop_workers();
      num_threads_ = 1;
      stopping_ = false;
      throw;
    }
  }

  // Runs task(i) for i in [0, count), task 0 on the caller, the others on workers 1..count-1. When
  // tasks throw, waits for all of them and rethrows the first exception caught.
  void run(int count, const std::function<void(int)>& task) {
    if (count <= 1 || t_inside_region) {
      for (int i = 0; i < count; ++i) task(i);
      return;
    }
    std::unique_lock<std::mutex> region(region_mutex_);  // one region at a time
    {
      std::lock_guard<std::mutex> lock(mutex_);
      task_ = &task;
      task_count_ = count;
      pending_ = count - 1;
      error_ = nullptr;
      ++generation_;
    }
    wake_.notify_all();
    run_task(task, 0);
    std::unique_lock<std::mutex> lock(mutex_);
    done_.wait(lock, [this] { return pending_ == 0; });
    task_ = nullptr;
    if (std::exception_ptr error = std::exchange(error_, nullptr)) std::rethrow_exception(error);
  }

 private:
  void worker_loop(int index, uint64_t seen) {
    for (;;) {
      const std::function<void(int)>* task = nullptr;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, [&] { return stopping_ || generation_ != seen; });
        if (stopping_) return;
        seen = generation_;
        if (index >= task_count_) continue;
        task = task_;
      }
      run_task(*task, index);
      {
        std::lock_guard<std::mutex> lock(mutex_);
        if (--pending_ == 0) done_.notify_one();
      }
    }
  }

  // Runs task(index) inside the region; an exception is kept (the first of the region) instead of
  // leaving the thread.
  void run_task(const std::function<void(int)>& task, int index) noexcept {
    t_inside_region = true;
    try {
      task(index);
    } catch (...) {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!error_) error_ = std::current_exception();
    }
    t_inside_region = false;
  }

  void stop_workers() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    for (auto& w : workers_) w.join();
    workers_.clear();
  }

  int num_threads_ = 0;
  std::vector<std::thread> workers_;
  std::mutex region_mutex_, mutex_;
  std::condition_variable wake_, done_;
  const std::function<void(int)>* task_ = nullptr;
  int task_count_ = 0;
  int pending_ = 0;
  std::exception_ptr error_;  // the region's first exception (guarded by mutex_)
  uint64_t generation_ = 0;
  bool stopping_ = false;
};

ThreadPool& pool() {
  static ThreadPool instance;
  return instance;
}

}  // namespace

int get_num_threads() { return pool().size(); }
void set_num_threads(int n) { pool().resize(n); }

void parallel_chunks(int64_t n, int num_chunks,
                     const std::function<void(int, int64_t, int64_t)>& fn) {
  if (n <= 0 || num_chunks <= 0) return;
  const int64_t chunks = std::min<int64_t>(num_chunks, n);
  auto range = [&](int64_t c) { return c * n / chunks; };
  const int threads = std::min<int64_t>(chunks, get_num_threads());
  // Chunks are dealt to threads round-robin; each chunk's result does not depend on which ran it.
  pool().run(threads, [&](int t) {
    for (int64_t c = t; c < chunks; c += threads) fn(static_cast<int>(c), range(c), range(c + 1));
  });
}

void parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn) {
  if (n <= 0) return;
  grain = std::max<int64_t>(1, grain);
  const int64_t max_chunks = (n + grain - 1) / grain;
  const int chunks = static_cast<int>(std::min<int64_t>(max_chunks, get_num_threads()));
  if (chunks <= 1 || t_inside_region) {
    fn(0, n);
    return;
  }
  parallel_chunks(n, chunks, [&](int, int64_t b, int64_t e) { fn(b, e); });
}

}  // namespace nodulab

#pragma once

#include <uv.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "crawler/common/status.h"

namespace tincrawl {

// What the workers are doing, for the deadline metric and the watchdog heartbeat.
struct WorkerHealth {
  int64_t oldest_job_ms = 0;  // How long the longest-running job has run; 0 when all are idle.
  int newly_overdue = 0;      // Jobs that passed the deadline since the previous Health call.
};

// N threads for CPU and disk work (parsing, extraction, RocksDB writes) so the loop thread only
// moves bytes. The queue is bounded: Submit() returns false when it is full, which is the
// scheduler's signal to stop issuing fetches (backpressure). Completions are posted back to the
// loop through one uv_async_t; since libuv coalesces async sends, the callback drains a
// mutex-protected completion queue.
class WorkerPool {
 public:
  WorkerPool(uv_loop_t* loop, int threads, size_t max_queue);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Initialises the async handle and starts the threads (threads <= 0: hardware concurrency).
  Status Start();

  // Loop thread only. Queues `work` (run on a worker) and `done` (run on the loop thread after
  // `work` returned). Returns false, without queuing, when the queue is full or shutting down.
  bool Submit(std::function<void()> work, std::function<void()> done);

  size_t Queued() const;
  size_t capacity() const { return max_queue_; }

  // Heartbeat check, from one thread (the loop's tick): the running jobs' ages at `now_ms`
  // (MonotonicMs), and how many passed `deadline_ms` since the last call (each counted once).
  WorkerHealth Health(int64_t now_ms, int64_t deadline_ms);
  static int64_t MonotonicMs();

  // Finishes the queued work, joins the threads, runs the pending completions and closes the
  // async handle; `closed` runs from its close callback.
  void Shutdown(std::function<void()> closed);

 private:
  struct Job {
    std::function<void()> work;
    std::function<void()> done;
  };
  // One per thread: when its current job started (MonotonicMs; 0 = idle) and its number.
  struct Slot {
    std::atomic<int64_t> started_ms{0};
    std::atomic<uint64_t> job{0};
    uint64_t reported_job = 0;  // The last job counted overdue (Health's thread only).
  };
  static void OnAsync(uv_async_t* async);
  void Run(Slot* slot);
  void DrainCompletions();

  uv_loop_t* loop_;
  int thread_count_;
  size_t max_queue_;
  uv_async_t* async_ = nullptr;
  std::vector<std::thread> threads_;
  std::vector<std::unique_ptr<Slot>> slots_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> queue_;
  std::vector<std::function<void()>> completed_;
  bool stopping_ = false;
  std::function<void()> on_closed_;
};

}  // namespace tincrawl

#pragma once

#include <uv.h>

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "crawler/common/status.h"

namespace tincrawl {

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

  // Finishes the queued work, joins the threads, runs the pending completions and closes the
  // async handle; `closed` runs from its close callback.
  void Shutdown(std::function<void()> closed);

 private:
  struct Job {
    std::function<void()> work;
    std::function<void()> done;
  };
  static void OnAsync(uv_async_t* async);
  void Run();
  void DrainCompletions();

  uv_loop_t* loop_;
  int thread_count_;
  size_t max_queue_;
  uv_async_t* async_ = nullptr;
  std::vector<std::thread> threads_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> queue_;
  std::vector<std::function<void()>> completed_;
  bool stopping_ = false;
  std::function<void()> on_closed_;
};

// Measures event-loop lag: a repeating uv_timer fires every `interval_ms`; the lag is the actual
// fire time minus the expected one. Each sample (seconds) goes to `sample` (a histogram
// observer), and a few aggregates are kept.
class LoopLagMonitor {
 public:
  LoopLagMonitor(uv_loop_t* loop, uint64_t interval_ms, std::function<void(double)> sample);
  Status Start();
  // Stops the timer and closes it; `closed` runs from the close callback.
  void Stop(std::function<void()> closed);

  uint64_t samples() const { return samples_; }
  double max_lag_seconds() const { return max_lag_; }
  double mean_lag_seconds() const { return samples_ ? sum_lag_ / samples_ : 0; }

 private:
  static void OnTimer(uv_timer_t* timer);
  uv_loop_t* loop_;
  uint64_t interval_ms_;
  std::function<void(double)> sample_;
  uv_timer_t* timer_ = nullptr;
  uint64_t expected_ns_ = 0;
  uint64_t samples_ = 0;
  double max_lag_ = 0;
  double sum_lag_ = 0;
  std::function<void()> on_closed_;
};

}  // namespace tincrawl

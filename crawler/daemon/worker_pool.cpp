#include "crawler/daemon/worker_pool.h"

#include <algorithm>
#include <cstdio>

namespace tincrawl {

WorkerPool::WorkerPool(uv_loop_t* loop, int threads, size_t max_queue)
    : loop_(loop),
      thread_count_(threads > 0
                        ? threads
                        : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()))),
      max_queue_(std::max<size_t>(1, max_queue)) {}

WorkerPool::~WorkerPool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
}

Status WorkerPool::Start() {
  async_ = new uv_async_t;
  const int rc = uv_async_init(loop_, async_, &WorkerPool::OnAsync);
  if (rc != 0) {
    delete async_;
    async_ = nullptr;
    return Status::Internal(std::string("uv_async_init: ") + uv_strerror(rc));
  }
  async_->data = this;
  for (int i = 0; i < thread_count_; ++i) threads_.emplace_back([this] { Run(); });
  return Status::Ok();
}

bool WorkerPool::Submit(std::function<void()> work, std::function<void()> done) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_ || async_ == nullptr || queue_.size() >= max_queue_) return false;
    queue_.push_back({std::move(work), std::move(done)});
  }
  cv_.notify_one();
  return true;
}

size_t WorkerPool::Queued() const {
  std::lock_guard<std::mutex> lock(mu_);
  return queue_.size();
}

void WorkerPool::Run() {
  while (true) {
    Job job;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // Stopping and drained.
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    job.work();
    {
      std::lock_guard<std::mutex> lock(mu_);
      completed_.push_back(std::move(job.done));
    }
    const int rc = uv_async_send(async_);
    if (rc != 0) std::fprintf(stderr, "tincrawl: uv_async_send: %s\n", uv_strerror(rc));
  }
}

void WorkerPool::OnAsync(uv_async_t* async) {
  static_cast<WorkerPool*>(async->data)->DrainCompletions();
}

void WorkerPool::DrainCompletions() {
  std::vector<std::function<void()>> batch;
  {
    std::lock_guard<std::mutex> lock(mu_);
    batch.swap(completed_);
  }
  for (auto& done : batch) {
    if (done) done();
  }
}

void WorkerPool::Shutdown(std::function<void()> closed) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
  DrainCompletions();
  on_closed_ = std::move(closed);
  if (async_ == nullptr) {
    if (on_closed_) on_closed_();
    return;
  }
  uv_close(reinterpret_cast<uv_handle_t*>(async_), [](uv_handle_t* handle) {
    auto* self = static_cast<WorkerPool*>(handle->data);
    delete reinterpret_cast<uv_async_t*>(handle);
    self->async_ = nullptr;
    if (self->on_closed_) self->on_closed_();
  });
}

LoopLagMonitor::LoopLagMonitor(uv_loop_t* loop, uint64_t interval_ms,
                               std::function<void(double)> sample)
    : loop_(loop), interval_ms_(std::max<uint64_t>(1, interval_ms)), sample_(std::move(sample)) {}

Status LoopLagMonitor::Start() {
  timer_ = new uv_timer_t;
  int rc = uv_timer_init(loop_, timer_);
  if (rc != 0) {
    delete timer_;
    timer_ = nullptr;
    return Status::Internal(std::string("uv_timer_init: ") + uv_strerror(rc));
  }
  timer_->data = this;
  expected_ns_ = uv_hrtime() + interval_ms_ * 1000000;
  rc = uv_timer_start(timer_, &LoopLagMonitor::OnTimer, interval_ms_, interval_ms_);
  return rc == 0 ? Status::Ok()
                 : Status::Internal(std::string("uv_timer_start: ") + uv_strerror(rc));
}

void LoopLagMonitor::OnTimer(uv_timer_t* timer) {
  auto* self = static_cast<LoopLagMonitor*>(timer->data);
  const uint64_t now = uv_hrtime();
  // libuv timers have millisecond resolution: up to 1 ms early/late is clock granularity.
  const double lag =
      now > self->expected_ns_ ? static_cast<double>(now - self->expected_ns_) / 1e9 : 0.0;
  ++self->samples_;
  self->sum_lag_ += lag;
  self->max_lag_ = std::max(self->max_lag_, lag);
  if (self->sample_) self->sample_(lag);
  self->expected_ns_ = now + self->interval_ms_ * 1000000;
}

void LoopLagMonitor::Stop(std::function<void()> closed) {
  on_closed_ = std::move(closed);
  if (timer_ == nullptr) {
    if (on_closed_) on_closed_();
    return;
  }
  (void)uv_timer_stop(timer_);
  uv_close(reinterpret_cast<uv_handle_t*>(timer_), [](uv_handle_t* handle) {
    auto* self = static_cast<LoopLagMonitor*>(handle->data);
    delete reinterpret_cast<uv_timer_t*>(handle);
    self->timer_ = nullptr;
    if (self->on_closed_) self->on_closed_();
  });
}

}  // namespace tincrawl

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
  for (int i = 0; i < thread_count_; ++i) {
    slots_.push_back(std::make_unique<Slot>());
    threads_.emplace_back([this, slot = slots_.back().get()] { Run(slot); });
  }
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

int64_t WorkerPool::MonotonicMs() { return static_cast<int64_t>(uv_hrtime() / 1000000); }

WorkerHealth WorkerPool::Health(int64_t now_ms, int64_t deadline_ms) {
  WorkerHealth health;
  for (const auto& slot : slots_) {
    // Job number first: a job that started after the read of started_ms has a newer number.
    const uint64_t job = slot->job.load(std::memory_order_acquire);
    const int64_t started = slot->started_ms.load(std::memory_order_acquire);
    if (started == 0) continue;
    const int64_t age = std::max<int64_t>(0, now_ms - started);
    health.oldest_job_ms = std::max(health.oldest_job_ms, age);
    if (age >= deadline_ms && slot->reported_job != job) {
      slot->reported_job = job;
      ++health.newly_overdue;
    }
  }
  return health;
}

void WorkerPool::Run(Slot* slot) {
  while (true) {
    Job job;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // Stopping and drained.
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    slot->job.fetch_add(1, std::memory_order_acq_rel);
    slot->started_ms.store(std::max<int64_t>(1, MonotonicMs()), std::memory_order_release);
    job.work();
    slot->started_ms.store(0, std::memory_order_release);
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

}  // namespace tincrawl

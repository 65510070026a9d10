#include "crawler/daemon/loop_lag.h"

#include <algorithm>
#include <string>

namespace tincrawl {

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

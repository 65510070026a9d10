#pragma once

#include <uv.h>

#include <cstdint>
#include <functional>

#include "crawler/common/status.h"

namespace tincrawl {

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

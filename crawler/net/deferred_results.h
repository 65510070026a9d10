#pragma once

#include <uv.h>

#include <cstdio>
#include <utility>
#include <vector>

#include "crawler/common/fetch_result.h"

namespace tincrawl {

// Fetch results answered on a later loop turn instead of inside the call that produced them
// (callers may not expect their callback to run before Submit/Start returns). The owner keeps
// a zero timer whose callback calls RunAll().
class DeferredResults {
 public:
  // Queues `done(result)` and arms `timer` to fire on the next turn.
  void Push(uv_timer_t* timer, uv_timer_cb on_timer, FetchResult result, FetchCallback done) {
    items_.emplace_back(std::move(result), std::move(done));
    const int rc = uv_timer_start(timer, on_timer, 0, 0);
    if (rc != 0) std::fprintf(stderr, "tincrawl: uv_timer_start: %s\n", uv_strerror(rc));
  }

  // Runs every queued callback, also those that the callbacks themselves queue.
  void RunAll() {
    while (!items_.empty()) {
      auto batch = std::move(items_);
      items_.clear();
      for (auto& [result, done] : batch) done(std::move(result));
    }
  }

 private:
  std::vector<std::pair<FetchResult, FetchCallback>> items_;
};

}  // namespace tincrawl

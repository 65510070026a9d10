#pragma once

#include <uv.h>

#include <chrono>
#include <functional>
#include <thread>

namespace tincrawl::test_support {

// Runs `loop` until `done()` holds or `timeout_seconds` pass; returns done(). Polls: never sleeps
// a fixed time waiting for an outcome.
inline bool RunLoopUntil(uv_loop_t* loop, const std::function<bool()>& done,
                         double timeout_seconds = 30) {
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_seconds);
  while (!done() && std::chrono::steady_clock::now() < deadline) {
    if (uv_run(loop, UV_RUN_ONCE) == 0 && !done()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
  return done();
}

}  // namespace tincrawl::test_support

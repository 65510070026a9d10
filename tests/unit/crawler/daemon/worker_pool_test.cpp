#include "crawler/daemon/worker_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "crawler/daemon/loop_lag.h"

namespace tincrawl {
namespace {

TEST(WorkerPoolTest, RunsWorkOffLoopAndCompletesOnLoop) {
  uv_loop_t loop;
  ASSERT_EQ(uv_loop_init(&loop), 0);
  WorkerPool pool(&loop, 3, 1000);
  ASSERT_TRUE(pool.Start().ok());
  const auto loop_thread = std::this_thread::get_id();
  std::atomic<int> off_loop{0};
  int completions = 0;
  int on_loop = 0;
  for (int i = 0; i < 500; ++i) {
    ASSERT_TRUE(pool.Submit(
        [&] {
          if (std::this_thread::get_id() != loop_thread) ++off_loop;
        },
        [&] {
          ++completions;
          if (std::this_thread::get_id() == loop_thread) ++on_loop;
        }));
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (completions < 500 && std::chrono::steady_clock::now() < deadline) {
    uv_run(&loop, UV_RUN_NOWAIT);
  }
  EXPECT_EQ(completions, 500);  // Coalesced async sends lose no completion.
  EXPECT_EQ(on_loop, 500);
  EXPECT_EQ(off_loop.load(), 500);
  bool closed = false;
  pool.Shutdown([&] { closed = true; });
  uv_run(&loop, UV_RUN_DEFAULT);
  EXPECT_TRUE(closed);
  EXPECT_EQ(uv_loop_close(&loop), 0);
}

TEST(WorkerPoolTest, BoundedQueueRefuses) {
  uv_loop_t loop;
  ASSERT_EQ(uv_loop_init(&loop), 0);
  WorkerPool pool(&loop, 1, 2);
  ASSERT_TRUE(pool.Start().ok());
  std::atomic<bool> release{false};
  std::atomic<int> ran{0};
  auto blocker = [&] {
    while (!release) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    ++ran;
  };
  ASSERT_TRUE(pool.Submit(blocker, nullptr));
  while (pool.Queued() != 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  EXPECT_TRUE(pool.Submit([&] { ++ran; }, nullptr));
  EXPECT_TRUE(pool.Submit([&] { ++ran; }, nullptr));
  EXPECT_FALSE(pool.Submit([&] { ++ran; }, nullptr));  // Full: backpressure.
  release = true;
  bool closed = false;
  pool.Shutdown([&] { closed = true; });
  EXPECT_EQ(ran.load(), 3);
  EXPECT_FALSE(pool.Submit([] {}, nullptr));
  uv_run(&loop, UV_RUN_DEFAULT);
  EXPECT_TRUE(closed);
  EXPECT_EQ(uv_loop_close(&loop), 0);
}

TEST(LoopLagMonitorTest, MeasuresABlockedLoop) {
  uv_loop_t loop;
  ASSERT_EQ(uv_loop_init(&loop), 0);
  std::vector<double> samples;
  const auto start = std::chrono::steady_clock::now();
  LoopLagMonitor monitor(&loop, 10, [&](double lag) { samples.push_back(lag); });
  ASSERT_TRUE(monitor.Start().ok());
  uv_timer_t blocker;
  ASSERT_EQ(uv_timer_init(&loop, &blocker), 0);
  ASSERT_EQ(
      uv_timer_start(
          &blocker,
          [](uv_timer_t*) { std::this_thread::sleep_for(std::chrono::milliseconds(120)); }, 35, 0),
      0);
  while (samples.size() < 10) uv_run(&loop, UV_RUN_ONCE);
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_GE(monitor.max_lag_seconds(), 0.08);
  // Measured in seconds: no lag can exceed the time that passed (a unit slip would).
  EXPECT_LE(monitor.max_lag_seconds(), elapsed);
  uv_close(reinterpret_cast<uv_handle_t*>(&blocker), nullptr);
  bool closed = false;
  monitor.Stop([&] { closed = true; });
  uv_run(&loop, UV_RUN_DEFAULT);
  EXPECT_TRUE(closed);
  EXPECT_EQ(uv_loop_close(&loop), 0);
}

}  // namespace
}  // namespace tincrawl

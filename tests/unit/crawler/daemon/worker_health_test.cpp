// The workers' heartbeat: a job's age and the deadline count, as the daemon's tick sees them.
#include <gtest/gtest.h>
#include <uv.h>

#include <condition_variable>
#include <mutex>

#include "crawler/daemon/worker_pool.h"

namespace tincrawl {
namespace {

TEST(WorkerHealthTest, ReportsTheRunningJobAndCountsItOverdueOnce) {
  uv_loop_t loop;
  ASSERT_EQ(uv_loop_init(&loop), 0);
  WorkerPool pool(&loop, 2, 16);
  ASSERT_TRUE(pool.Start().ok());
  EXPECT_EQ(pool.Health(WorkerPool::MonotonicMs(), 1000).oldest_job_ms, 0);

  std::mutex mu;
  std::condition_variable cv;
  bool started = false, release = false;
  ASSERT_TRUE(pool.Submit(
      [&] {
        std::unique_lock<std::mutex> lock(mu);
        started = true;
        cv.notify_all();
        cv.wait(lock, [&] { return release; });
      },
      nullptr));
  {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return started; });
  }
  // Seen from 31 s later: past a 30 s deadline, counted once however often it is checked.
  const int64_t later = WorkerPool::MonotonicMs() + 31'000;
  WorkerHealth h = pool.Health(later, 30'000);
  EXPECT_GE(h.oldest_job_ms, 31'000);
  EXPECT_EQ(h.newly_overdue, 1);
  EXPECT_EQ(pool.Health(later + 1000, 30'000).newly_overdue, 0);
  EXPECT_EQ(pool.Health(WorkerPool::MonotonicMs(), 30'000).newly_overdue, 0);  // Not yet due.
  {
    std::lock_guard<std::mutex> lock(mu);
    release = true;
  }
  cv.notify_all();
  bool closed = false;
  pool.Shutdown([&] { closed = true; });  // Joins the worker: the job is over.
  uv_run(&loop, UV_RUN_DEFAULT);
  EXPECT_TRUE(closed);
  EXPECT_EQ(pool.Health(later, 30'000).oldest_job_ms, 0);
  EXPECT_EQ(uv_loop_close(&loop), 0);
}

}  // namespace
}  // namespace tincrawl

#include "crawler/net/politeness.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace tincrawl {
namespace {

Politeness Polite(double delay, int per_host = 1) {
  Politeness p;
  p.min_delay_seconds = delay;
  p.max_connections_per_host = per_host;
  p.circuit_failures = 3;
  p.circuit_open_seconds = 60;
  p.backoff_max_seconds = 100;
  return p;
}

SchedulerOptions NoJitter() {
  SchedulerOptions o;
  o.jitter = 0;
  return o;
}

TEST(RetryAfterTest, DeltaSecondsAndHttpDate) {
  EXPECT_EQ(ParseRetryAfter("120", 0), 120.0);
  EXPECT_EQ(ParseRetryAfter(" 7 ", 0), 7.0);
  // Wed, 21 Oct 2015 07:28:00 GMT = 1445412480.
  EXPECT_EQ(ParseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT", 1445412480.0 - 30), 30.0);
  EXPECT_EQ(ParseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT", 1445412480.0 + 30), 0.0);
  EXPECT_FALSE(ParseRetryAfter("soon", 0).has_value());
  EXPECT_FALSE(ParseRetryAfter("", 0).has_value());
}

TEST(PolitenessTest, MinimumDelayBetweenStarts) {
  PolitenessScheduler s(NoJitter());
  s.ConfigureHost("a", Polite(1.0));
  s.Enqueue("a", 1, 0, 0);
  s.Enqueue("a", 2, 0, 0);
  auto t = s.PopReady(0);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->id, 1u);
  s.OnFinish("a", Outcome::kOk, 200, 0.01, std::nullopt, 0.1);
  EXPECT_FALSE(s.PopReady(0.5));
  ASSERT_TRUE(s.NextReadyTime());
  EXPECT_DOUBLE_EQ(*s.NextReadyTime(), 1.0);
  t = s.PopReady(1.0);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->id, 2u);
}

TEST(PolitenessTest, ConnectionLimitPerHost) {
  PolitenessScheduler s(NoJitter());
  s.ConfigureHost("a", Polite(0, 2));
  for (uint64_t i = 1; i <= 3; ++i) s.Enqueue("a", i, 0, 0);
  EXPECT_TRUE(s.PopReady(0));
  EXPECT_TRUE(s.PopReady(0));
  EXPECT_FALSE(s.PopReady(0));
  EXPECT_EQ(s.Snapshot("a").in_flight, 2);
  s.OnFinish("a", Outcome::kOk, 200, 0.01, std::nullopt, 0.01);
  auto t = s.PopReady(0.01);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->id, 3u);
}

TEST(PolitenessTest, HostsAreIndependent) {
  PolitenessScheduler s(NoJitter());
  s.ConfigureHost("a", Polite(10));
  s.ConfigureHost("b", Polite(10));
  s.Enqueue("a", 1, 0, 0);
  s.Enqueue("a", 2, 0, 0);
  s.Enqueue("b", 3, 0, 0);
  EXPECT_TRUE(s.PopReady(0));
  auto t = s.PopReady(0);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->host, "b");
  EXPECT_FALSE(s.PopReady(0));
}

TEST(PolitenessTest, PriorityThenFifo) {
  PolitenessScheduler s(NoJitter());
  s.ConfigureHost("a", Polite(0, 1));
  s.Enqueue("a", 1, 0, 0);
  s.Enqueue("a", 2, 5, 0);
  s.Enqueue("a", 3, 0, 0);
  std::vector<uint64_t> order;
  for (int i = 0; i < 3; ++i) {
    auto t = s.PopReady(i);
    ASSERT_TRUE(t);
    order.push_back(t->id);
    s.OnFinish("a", Outcome::kOk, 200, 0, std::nullopt, i);
  }
  EXPECT_EQ(order, (std::vector<uint64_t>{2, 1, 3}));
}

TEST(PolitenessTest, RetryAfterIsHonoured) {
  PolitenessScheduler s(NoJitter());
  s.ConfigureHost("a", Polite(1));
  s.Enqueue("a", 1, 0, 0);
  s.Enqueue("a", 2, 0, 0);
  ASSERT_TRUE(s.PopReady(0));
  s.OnFinish("a", Outcome::kHttp4xx, 429, 0.05, 30.0, 0.05);
  EXPECT_FALSE(s.PopReady(29));
  EXPECT_DOUBLE_EQ(*s.NextReadyTime(), 30.05);
  EXPECT_TRUE(s.PopReady(30.05));
}

// Queues one request of `host`, starts it as soon as the scheduler allows (not before
// `earliest`) and finishes it at once with `status` (and Retry-After). Returns its start time.
double Answer(PolitenessScheduler& s, const std::string& host, uint64_t id, double earliest,
              long status, std::optional<double> retry_after = std::nullopt) {
  s.Enqueue(host, id, 0, earliest);
  const std::optional<double> ready = s.NextReadyTime();
  const double now = std::max(earliest, ready.value_or(earliest));
  EXPECT_TRUE(s.PopReady(now)) << id;
  s.OnFinish(host, OutcomeFromHttpStatus(status), status, 0.01, retry_after, now);
  return now;
}

TEST(PolitenessTest, RateLimitsNeverOpenTheCircuit) {
  PolitenessScheduler s(NoJitter());
  s.ConfigureHost("a", Polite(1));  // Three failures open the circuit.
  double now = 0;
  uint64_t id = 1;
  for (int page = 0; page < 10; ++page) {
    const long status = page % 2 == 0 ? 429 : 503;  // Both with Retry-After: 3.
    now = Answer(s, "a", id++, now, status, 3.0);
    EXPECT_DOUBLE_EQ(s.Snapshot("a").blocked_until, now + 3) << page;
    EXPECT_EQ(s.Snapshot("a").circuit, CircuitState::kClosed) << page;
    const double retried = Answer(s, "a", id++, now, 200);
    EXPECT_DOUBLE_EQ(retried, now + 3) << page;  // Exactly the wait asked for.
    now = retried;
  }
  EXPECT_EQ(s.Snapshot("a").consecutive_failures, 0);
}

TEST(PolitenessTest, RetryAfterIsCappedByCrawlDelayCap) {
  PolitenessScheduler s(NoJitter());
  Politeness p = Polite(1);
  p.crawl_delay_cap_seconds = 20;
  s.ConfigureHost("a", p);
  Answer(s, "a", 1, 5, 429, 3600.0);
  EXPECT_DOUBLE_EQ(s.Snapshot("a").blocked_until, 25);
}

TEST(PolitenessTest, ServerErrorsWithoutRetryAfterOpenTheCircuit) {
  PolitenessScheduler s(NoJitter());
  s.ConfigureHost("a", Polite(0));
  for (uint64_t id = 1; id <= 3; ++id) Answer(s, "a", id, 0, 503);  // A failure like any 5xx.
  EXPECT_EQ(s.Snapshot("a").circuit, CircuitState::kOpen);
  EXPECT_EQ(s.Snapshot("a").consecutive_failures, 3);
  EXPECT_FALSE(IsRateLimited(503, std::nullopt));
  EXPECT_TRUE(IsRateLimited(503, 0.0));
  EXPECT_TRUE(IsRateLimited(429, std::nullopt));
  EXPECT_FALSE(IsRateLimited(500, 5.0));
}

TEST(PolitenessTest, RateLimitDoublesTheDelayAndSuccessesRelaxIt) {
  PolitenessScheduler s(NoJitter());
  Politeness p = Polite(1);
  p.crawl_delay_cap_seconds = 30;
  s.ConfigureHost("a", p);
  double now = 0;
  uint64_t id = 1;
  std::vector<double> delays;
  for (int i = 0; i < 6; ++i) {
    now = Answer(s, "a", id++, now, 429);  // No Retry-After: wait for the new delay.
    delays.push_back(s.Snapshot("a").delay_seconds);
    EXPECT_DOUBLE_EQ(s.Snapshot("a").blocked_until, now + delays.back());
  }
  EXPECT_EQ(delays, (std::vector<double>{2, 4, 8, 16, 30, 30}));
  delays.clear();
  for (int i = 0; i < 6; ++i) {
    now = Answer(s, "a", id++, now, 200);
    delays.push_back(s.Snapshot("a").delay_seconds);
  }
  EXPECT_EQ(delays, (std::vector<double>{15, 7.5, 3.75, 1.875, 1, 1}));
  EXPECT_DOUBLE_EQ(s.Snapshot("a").rate_limit_delay_seconds, 0);
  EXPECT_EQ(s.Snapshot("a").circuit, CircuitState::kClosed);
}

TEST(PolitenessTest, RelaxationNeedsARunOfSuccesses) {
  SchedulerOptions o = NoJitter();
  o.relax_after_successes = 3;
  PolitenessScheduler s(o);
  s.ConfigureHost("a", Polite(1));
  double now = Answer(s, "a", 1, 0, 429);
  now = Answer(s, "a", 2, now, 429);
  std::vector<double> delays;
  for (uint64_t id = 3; id < 9; ++id) {
    now = Answer(s, "a", id, now, 404);  // An answer, not a rate limit.
    delays.push_back(s.Snapshot("a").delay_seconds);
  }
  EXPECT_EQ(delays, (std::vector<double>{4, 4, 2, 2, 2, 1}));
}

TEST(PolitenessTest, ExponentialBackoffWithCap) {
  PolitenessScheduler s(NoJitter());
  Politeness p = Polite(1);
  p.circuit_failures = 100;
  p.backoff_max_seconds = 10;
  s.ConfigureHost("a", p);
  double now = 0;
  std::vector<double> waits;
  for (uint64_t i = 1; i <= 6; ++i) {
    s.Enqueue("a", i, 0, now);
    ASSERT_TRUE(s.PopReady(now));
    s.OnFinish("a", Outcome::kTimeout, 0, -1, std::nullopt, now);
    waits.push_back(s.Snapshot("a").blocked_until - now);
    now = s.Snapshot("a").blocked_until;
  }
  EXPECT_EQ(waits, (std::vector<double>{1, 2, 4, 8, 10, 10}));
  EXPECT_EQ(s.Snapshot("a").consecutive_failures, 6);
}

TEST(PolitenessTest, JitterStaysWithinBounds) {
  SchedulerOptions o;
  o.jitter = 0.5;
  PolitenessScheduler s(o);
  Politeness p = Polite(1);
  p.circuit_failures = 100;
  s.ConfigureHost("a", p);
  s.Enqueue("a", 1, 0, 0);
  ASSERT_TRUE(s.PopReady(0));
  s.OnFinish("a", Outcome::kConnect, 0, -1, std::nullopt, 0);
  const double wait = s.Snapshot("a").blocked_until;
  EXPECT_GE(wait, 0.5);
  EXPECT_LE(wait, 1.0);
}

TEST(PolitenessTest, CircuitOpensProbesAndCloses) {
  PolitenessScheduler s(NoJitter());
  s.ConfigureHost("a", Polite(0));
  double now = 0;
  uint64_t id = 1;
  for (int i = 0; i < 3; ++i) {
    s.Enqueue("a", id++, 0, now);
    auto t = s.PopReady(now);
    ASSERT_TRUE(t) << i;
    s.OnFinish("a", Outcome::kHttp5xx, 500, 0.01, std::nullopt, now);
    now = s.Snapshot("a").blocked_until;
  }
  EXPECT_EQ(s.Snapshot("a").circuit, CircuitState::kOpen);
  const double reopen = s.Snapshot("a").blocked_until;
  EXPECT_GE(reopen, now - 1e-9);
  s.Enqueue("a", 100, 0, now);
  s.Enqueue("a", 101, 0, now);
  EXPECT_FALSE(s.PopReady(reopen - 1));  // Queued, not rejected, while open.
  EXPECT_EQ(s.Snapshot("a").queued, 2u);
  auto probe = s.PopReady(reopen);
  ASSERT_TRUE(probe);
  EXPECT_EQ(s.Snapshot("a").circuit, CircuitState::kHalfOpen);
  EXPECT_FALSE(s.PopReady(reopen + 100));  // Only one probe.
  s.OnFinish("a", Outcome::kOk, 200, 0.01, std::nullopt, reopen + 1);
  EXPECT_EQ(s.Snapshot("a").circuit, CircuitState::kClosed);
  EXPECT_EQ(s.Snapshot("a").consecutive_failures, 0);
  EXPECT_TRUE(s.PopReady(reopen + 1));
}

TEST(PolitenessTest, FailedProbeReopens) {
  PolitenessScheduler s(NoJitter());
  Politeness p = Polite(0);
  p.circuit_failures = 1;
  s.ConfigureHost("a", p);
  s.Enqueue("a", 1, 0, 0);
  s.Enqueue("a", 2, 0, 0);
  ASSERT_TRUE(s.PopReady(0));
  s.OnFinish("a", Outcome::kConnect, 0, -1, std::nullopt, 0);
  EXPECT_EQ(s.Snapshot("a").circuit, CircuitState::kOpen);
  ASSERT_TRUE(s.PopReady(60));
  s.OnFinish("a", Outcome::kTimeout, 0, -1, std::nullopt, 61);
  EXPECT_EQ(s.Snapshot("a").circuit, CircuitState::kOpen);
  EXPECT_GE(s.Snapshot("a").blocked_until, 121);
}

TEST(PolitenessTest, SlowHostsGetLongerDelays) {
  PolitenessScheduler s(NoJitter());
  s.ConfigureHost("slow", Polite(1));
  s.ConfigureHost("fast", Polite(1));
  for (int i = 0; i < 5; ++i) {
    s.Enqueue("slow", i, 0, i * 100);
    ASSERT_TRUE(s.PopReady(i * 100));
    s.OnFinish("slow", Outcome::kOk, 200, 3.0, std::nullopt, i * 100 + 3);
    s.Enqueue("fast", 100 + i, 0, i * 100);
    ASSERT_TRUE(s.PopReady(i * 100));
    s.OnFinish("fast", Outcome::kOk, 200, 0.05, std::nullopt, i * 100);
  }
  EXPECT_NEAR(s.Snapshot("slow").delay_seconds, 6.0, 1e-9);
  EXPECT_DOUBLE_EQ(s.Snapshot("fast").delay_seconds, 1.0);
}

TEST(PolitenessTest, CrawlDelayIsCapped) {
  PolitenessScheduler s(NoJitter());
  Politeness p = Polite(1);
  p.crawl_delay_cap_seconds = 30;
  s.ConfigureHost("a", p);
  s.SetCrawlDelay("a", 5);
  EXPECT_DOUBLE_EQ(s.Snapshot("a").delay_seconds, 5);
  s.SetCrawlDelay("a", 3600);
  EXPECT_DOUBLE_EQ(s.Snapshot("a").delay_seconds, 30);
}

TEST(PolitenessTest, PerIpLimitAcrossHosts) {
  PolitenessScheduler s(NoJitter());
  Politeness p = Polite(0);
  p.max_connections_per_ip = 1;
  s.ConfigureHost("a", p);
  s.ConfigureHost("b", p);
  s.SetHostIp("a", "203.0.113.5");
  s.SetHostIp("b", "203.0.113.5");
  s.Enqueue("a", 1, 0, 0);
  s.Enqueue("b", 2, 0, 0);
  auto first = s.PopReady(0);
  ASSERT_TRUE(first);
  EXPECT_FALSE(s.PopReady(0));
  s.OnFinish(first->host, Outcome::kOk, 200, 0.01, std::nullopt, 0.01);
  auto second = s.PopReady(0.01);
  ASSERT_TRUE(second);
  EXPECT_NE(second->host, first->host);
}

TEST(PolitenessTest, RemoveAndDrain) {
  PolitenessScheduler s(NoJitter());
  s.Enqueue("a", 1, 0, 0);
  s.Enqueue("a", 2, 0, 0);
  s.Enqueue("b", 3, 0, 0);
  EXPECT_TRUE(s.Remove("a", 1));
  EXPECT_FALSE(s.Remove("a", 1));
  EXPECT_EQ(s.QueuedTotal(), 2u);
  auto ids = s.DrainAll();
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(ids, (std::vector<uint64_t>{2, 3}));
  EXPECT_FALSE(s.PopReady(1e9));
}

// Seconds to queue two tasks on each of `hosts` hosts and pick them all.
double PickAll(int hosts) {
  PolitenessScheduler s(NoJitter());
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < hosts; ++i) {
    const std::string host = "h" + std::to_string(i);
    s.ConfigureHost(host, Polite(1));
    s.Enqueue(host, i, 0, 0);
    s.Enqueue(host, hosts + i, 0, 0);
  }
  int popped = 0;
  while (auto t = s.PopReady(0)) {
    s.OnFinish(t->host, Outcome::kOk, 200, 0.01, std::nullopt, 0);
    ++popped;
  }
  while (auto t = s.PopReady(1)) ++popped;
  EXPECT_EQ(popped, 2 * hosts);
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// The cost of a pick grows with log(hosts): four times the hosts cost about 4.5 times as much,
// where a scan of every host per pick would cost 16 times. Compared against itself, so a slow
// or loaded machine (or a sanitizer) does not matter: the best of three interleaved runs of
// each size, and a bound (12x) halfway between the two growths.
TEST(PolitenessTest, ManyHostsPickInLogTime) {
  constexpr int kHosts = 100000;
  double small = 1e9, large = 1e9;
  for (int i = 0; i < 3; ++i) {
    small = std::min(small, PickAll(kHosts / 4));
    large = std::min(large, PickAll(kHosts));
  }
  EXPECT_LT(large, 12 * small + 0.05) << "small " << small << " s, large " << large << " s";
}

}  // namespace
}  // namespace tincrawl

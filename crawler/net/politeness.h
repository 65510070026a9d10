#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <queue>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "crawler/common/outcome.h"
#include "crawler/config/config.h"

namespace tincrawl {

// Parses a Retry-After value: delta-seconds ("120") or an HTTP-date, relative to `now_unix`
// (seconds since the epoch). Returns the wait in seconds (>= 0) or nullopt when unparsable.
std::optional<double> ParseRetryAfter(std::string_view value, double now_unix);

// True when an answer is the server asking us to slow down rather than failing: 429 (with or
// without Retry-After) or 503 with a parsable Retry-After. Such answers never count toward the
// circuit breaker; a 503 without Retry-After is a host failure like any other 5xx.
bool IsRateLimited(long http_status, std::optional<double> retry_after);

enum class CircuitState { kClosed, kOpen, kHalfOpen };
std::string_view CircuitStateName(CircuitState state);

// Knobs of the scheduler that are not per-site configuration.
struct SchedulerOptions {
  double latency_factor = 2.0;  // delay >= latency_factor * EWMA(response time).
  double latency_alpha = 0.3;   // EWMA weight of the newest sample.
  double jitter = 0.25;         // Backoff is scaled by a random factor in [1 - jitter, 1].
  uint32_t seed = 0x7c0ffee;
  // Rate limits (see OnFinish): the host's adaptive delay is halved after this many consecutive
  // answers that were not rate limits. One keeps a host that asks once per page to slow down
  // (429 on the first request of each path) within twice its delay; a host that keeps refusing
  // still climbs to its cap, since refusals in a row double the delay each time.
  int relax_after_successes = 1;
  // How often HttpClient puts a rate-limited request back on its host's queue (after the wait the
  // server asked for) before it delivers the 429/503 to its caller.
  int rate_limit_retries = 3;
};

// A per-host snapshot for metrics and tests.
struct HostSnapshot {
  size_t queued = 0;
  int in_flight = 0;
  int consecutive_failures = 0;
  CircuitState circuit = CircuitState::kClosed;
  double delay_seconds = 0;  // Current gap between request starts (rate-limit adaptation included).
  double rate_limit_delay_seconds = 0;  // The rate-limit part of it; 0 when not slowed down.
  double ewma_latency_seconds = 0;
  double blocked_until = 0;  // Backoff / Retry-After / open circuit, in scheduler time.
  std::string ip;
};

// The politeness core: per-host queues with a connection limit and a minimum gap between request
// starts, a per-IP connection limit, adaptive backoff (Retry-After, exponential with jitter), a
// circuit breaker (open -> one half-open probe -> closed) and latency-aware pacing.
//
// It is pure bookkeeping driven by the caller's clock (`now` in seconds); the caller arms one
// timer for NextReadyTime(). Picking is O(log hosts): ready hosts sit in a min-heap keyed by the
// time they may start next (stale heap entries are skipped lazily), hosts waiting for an IP slot
// are parked on that IP. Not thread-safe.
class PolitenessScheduler {
 public:
  explicit PolitenessScheduler(SchedulerOptions options = {});

  // Sets the host's politeness (creating the host); keeps its queue and history.
  void ConfigureHost(const std::string& host, const Politeness& politeness);
  // robots.txt Crawl-delay, capped at crawl_delay_cap_seconds; raises the gap between starts.
  void SetCrawlDelay(const std::string& host, double seconds);
  // The address the host connects to; from then on the per-IP limit applies to it.
  void SetHostIp(const std::string& host, const std::string& ip);

  // Queues request `id` for `host` (higher priority first, then FIFO; `front` puts it before
  // the requests of its priority already queued, for a request sent again). Unknown hosts get
  // the default Politeness.
  void Enqueue(const std::string& host, uint64_t id, int priority, double now, bool front = false);
  // Removes a queued request. Returns false when it is not queued (e.g. already started).
  bool Remove(const std::string& host, uint64_t id);

  // The next request that may start at `now`, if any; counts it as started (in flight).
  struct Ticket {
    std::string host;
    uint64_t id = 0;
  };
  std::optional<Ticket> PopReady(double now);
  // The earliest time a queued request could become ready, nullopt when none is waiting on time
  // (all queues empty or every host is at its connection limit).
  std::optional<double> NextReadyTime();

  // Reports the end of a started request: adjusts backoff, the circuit and the latency average.
  // `retry_after` is the server's Retry-After in seconds. A rate limit (IsRateLimited) blocks the
  // host for exactly Retry-After (capped at crawl_delay_cap_seconds; without one, for the new
  // delay) and doubles the host's delay (at least 1 s, at most crawl_delay_cap_seconds); it leaves
  // the failure count and the circuit alone. Other answers relax the doubled delay back toward
  // the configured one (SchedulerOptions::relax_after_successes). Host failures (IsHostFailure:
  // connect, timeout, reset, dns, tls, 5xx without Retry-After) back off exponentially and count
  // toward the circuit.
  void OnFinish(const std::string& host, Outcome outcome, long http_status, double latency_seconds,
                std::optional<double> retry_after, double now);

  HostSnapshot Snapshot(const std::string& host) const;
  size_t QueuedTotal() const { return queued_total_; }
  // Drops every queued request and returns their ids (for shutdown).
  std::vector<uint64_t> DrainAll();
  // Drops the host and its queue; returns the ids that were queued.
  std::vector<uint64_t> RemoveHost(const std::string& host);

 private:
  struct Host {
    std::string name;
    Politeness politeness;
    using Key = std::tuple<int, uint64_t, uint64_t>;  // (-priority, sequence, id).
    std::set<Key> queue;
    std::unordered_map<uint64_t, Key> keys;  // id -> its queue key.
    int in_flight = 0;
    double last_start = -1e18;
    double crawl_delay = 0;
    double rate_delay = 0;  // Adaptive delay after rate limits; 0 = back at the configured one.
    int calm_answers = 0;   // Answers since the last rate limit or relaxation step.
    double ewma_latency = 0;
    int consecutive_failures = 0;
    double blocked_until = 0;
    CircuitState circuit = CircuitState::kClosed;
    bool probe_in_flight = false;
    std::string ip;
    uint64_t generation = 0;  // Bumped whenever its heap entry is invalidated.
    bool parked = false;      // Waiting on its IP's connection limit.
  };
  struct HeapEntry {
    double ready;
    uint64_t generation;
    Host* host;
    bool operator>(const HeapEntry& o) const { return ready > o.ready; }
  };

  Host& GetHost(const std::string& name);
  double Delay(const Host& h) const;
  double ReadyTime(const Host& h) const;
  bool CanStartMore(const Host& h) const;
  void Schedule(Host& h);
  void Unpark(const std::string& ip);
  void RecordFailure(Host& h, std::optional<double> retry_after, double now);
  void RecordRateLimit(Host& h, std::optional<double> retry_after, double now);
  void RecordAnswer(Host& h);

  SchedulerOptions options_;
  std::mt19937 rng_;
  std::unordered_map<std::string, std::unique_ptr<Host>> hosts_;
  std::priority_queue<HeapEntry, std::vector<HeapEntry>, std::greater<>> heap_;
  std::unordered_map<std::string, int> ip_in_flight_;
  std::unordered_map<std::string, std::vector<Host*>> ip_parked_;
  uint64_t next_seq_ = uint64_t{1} << 62;              // Counts up for the back of a queue ...
  uint64_t next_front_seq_ = (uint64_t{1} << 62) - 1;  // ... and down for its front.
  size_t queued_total_ = 0;
};

}  // namespace tincrawl

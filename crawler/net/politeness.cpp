#include "crawler/net/politeness.h"

#include <curl/curl.h>

#include <algorithm>
#include <charconv>
#include <cmath>

namespace tincrawl {

std::optional<double> ParseRetryAfter(std::string_view value, double now_unix) {
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  if (value.empty()) return std::nullopt;
  long long seconds = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
  if (ec == std::errc() && end == value.data() + value.size()) {
    return seconds < 0 ? std::nullopt : std::optional<double>(static_cast<double>(seconds));
  }
  const std::string text(value);
  const time_t when = curl_getdate(text.c_str(), nullptr);
  if (when < 0) return std::nullopt;
  return std::max(0.0, static_cast<double>(when) - now_unix);
}

bool IsRateLimited(long http_status, std::optional<double> retry_after) {
  return http_status == 429 || (http_status == 503 && retry_after.has_value());
}

std::string_view CircuitStateName(CircuitState state) {
  switch (state) {
    case CircuitState::kClosed:
      return "closed";
    case CircuitState::kOpen:
      return "open";
    case CircuitState::kHalfOpen:
      return "half_open";
  }
  return "closed";
}

PolitenessScheduler::PolitenessScheduler(SchedulerOptions options)
    : options_(options), rng_(options.seed) {}

PolitenessScheduler::Host& PolitenessScheduler::GetHost(const std::string& name) {
  auto& slot = hosts_[name];
  if (!slot) {
    slot = std::make_unique<Host>();
    slot->name = name;
  }
  return *slot;
}

void PolitenessScheduler::ConfigureHost(const std::string& host, const Politeness& politeness) {
  Host& h = GetHost(host);
  h.politeness = politeness;
  h.crawl_delay = std::min(h.crawl_delay, politeness.crawl_delay_cap_seconds);
  Schedule(h);
}

void PolitenessScheduler::SetCrawlDelay(const std::string& host, double seconds) {
  Host& h = GetHost(host);
  h.crawl_delay = std::clamp(seconds, 0.0, h.politeness.crawl_delay_cap_seconds);
  Schedule(h);
}

void PolitenessScheduler::SetHostIp(const std::string& host, const std::string& ip) {
  Host& h = GetHost(host);
  if (h.ip == ip) return;
  if (!h.ip.empty()) {
    ip_in_flight_[h.ip] -= h.in_flight;
    Unpark(h.ip);
  }
  h.ip = ip;
  if (!ip.empty()) ip_in_flight_[ip] += h.in_flight;
}

void PolitenessScheduler::Enqueue(const std::string& host, uint64_t id, int priority,
                                  double /*now*/, bool front) {
  Host& h = GetHost(host);
  const Host::Key key{-priority, front ? next_front_seq_-- : next_seq_++, id};
  h.queue.insert(key);
  h.keys[id] = key;
  ++queued_total_;
  if (h.queue.size() == 1) Schedule(h);
}

bool PolitenessScheduler::Remove(const std::string& host, uint64_t id) {
  auto it = hosts_.find(host);
  if (it == hosts_.end()) return false;
  Host& h = *it->second;
  auto key = h.keys.find(id);
  if (key == h.keys.end()) return false;
  h.queue.erase(key->second);
  h.keys.erase(key);
  --queued_total_;
  return true;
}

double PolitenessScheduler::Delay(const Host& h) const {
  double delay = std::max(h.politeness.min_delay_seconds, h.crawl_delay);
  // Slow hosts get proportionally more room; politeness "off" (0 delay) stays off.
  if (h.politeness.min_delay_seconds > 0) {
    delay = std::max(delay, options_.latency_factor * h.ewma_latency);
  }
  return std::max(delay, h.rate_delay);
}

double PolitenessScheduler::ReadyTime(const Host& h) const {
  return std::max(h.last_start + Delay(h), h.blocked_until);
}

bool PolitenessScheduler::CanStartMore(const Host& h) const {
  if (h.queue.empty() || h.parked || h.probe_in_flight) return false;
  if (h.circuit != CircuitState::kClosed) return h.in_flight == 0;  // One probe at a time.
  return h.in_flight < std::max(1, h.politeness.max_connections_per_host);
}

void PolitenessScheduler::Schedule(Host& h) {
  ++h.generation;  // Any older heap entry of this host is now stale.
  if (CanStartMore(h)) heap_.push({ReadyTime(h), h.generation, &h});
}

void PolitenessScheduler::Unpark(const std::string& ip) {
  auto it = ip_parked_.find(ip);
  if (it == ip_parked_.end()) return;
  std::vector<Host*> parked = std::move(it->second);
  ip_parked_.erase(it);
  for (Host* h : parked) {
    h->parked = false;
    Schedule(*h);
  }
}

std::optional<PolitenessScheduler::Ticket> PolitenessScheduler::PopReady(double now) {
  while (!heap_.empty()) {
    const HeapEntry top = heap_.top();
    if (top.generation != top.host->generation) {
      heap_.pop();
      continue;
    }
    if (top.ready > now) return std::nullopt;
    heap_.pop();
    Host& h = *top.host;
    if (!CanStartMore(h)) continue;
    if (!h.ip.empty() && ip_in_flight_[h.ip] >= std::max(1, h.politeness.max_connections_per_ip)) {
      h.parked = true;
      ++h.generation;
      ip_parked_[h.ip].push_back(&h);
      continue;
    }
    const auto [neg_priority, seq, id] = *h.queue.begin();
    h.queue.erase(h.queue.begin());
    h.keys.erase(id);
    --queued_total_;
    ++h.in_flight;
    if (!h.ip.empty()) ++ip_in_flight_[h.ip];
    h.last_start = now;
    if (h.circuit == CircuitState::kOpen) h.circuit = CircuitState::kHalfOpen;
    if (h.circuit == CircuitState::kHalfOpen) h.probe_in_flight = true;
    Schedule(h);
    return Ticket{h.name, id};
  }
  return std::nullopt;
}

std::optional<double> PolitenessScheduler::NextReadyTime() {
  while (!heap_.empty() && heap_.top().generation != heap_.top().host->generation) heap_.pop();
  if (heap_.empty()) return std::nullopt;
  return heap_.top().ready;
}

void PolitenessScheduler::RecordFailure(Host& h, std::optional<double> retry_after, double now) {
  ++h.consecutive_failures;
  const Politeness& p = h.politeness;
  const double base = std::max(p.min_delay_seconds, 1.0);
  const double exp = base * std::pow(2.0, std::min(h.consecutive_failures - 1, 30));
  std::uniform_real_distribution<double> jitter(1.0 - options_.jitter, 1.0);
  double wait = std::min(exp, p.backoff_max_seconds) * jitter(rng_);
  if (retry_after) wait = std::max(wait, std::min(*retry_after, p.backoff_max_seconds));
  h.blocked_until = std::max(h.blocked_until, now + wait);
  if (h.circuit == CircuitState::kHalfOpen ||
      h.consecutive_failures >= std::max(1, p.circuit_failures)) {
    h.circuit = CircuitState::kOpen;
    h.blocked_until = std::max(h.blocked_until, now + p.circuit_open_seconds);
  }
}

// The server is alive and asks for a slower pace: an instruction, not a failure. The failure
// count and the circuit stay as they were (a half-open probe answered this way is followed by
// another probe once the wait is over).
void PolitenessScheduler::RecordRateLimit(Host& h, std::optional<double> retry_after, double now) {
  const double cap = std::max(0.0, h.politeness.crawl_delay_cap_seconds);
  h.rate_delay = std::min(cap, std::max(2.0 * Delay(h), 1.0));
  h.calm_answers = 0;
  const double wait = retry_after ? std::min(*retry_after, cap) : h.rate_delay;
  h.blocked_until = std::max(h.blocked_until, now + wait);
}

void PolitenessScheduler::RecordAnswer(Host& h) {
  h.consecutive_failures = 0;
  h.circuit = CircuitState::kClosed;
  if (h.rate_delay <= 0 || ++h.calm_answers < std::max(1, options_.relax_after_successes)) return;
  h.calm_answers = 0;
  h.rate_delay /= 2;
  const double configured = std::max(h.politeness.min_delay_seconds, h.crawl_delay);
  if (h.rate_delay <= configured) h.rate_delay = 0;
}

void PolitenessScheduler::OnFinish(const std::string& host, Outcome outcome, long http_status,
                                   double latency_seconds, std::optional<double> retry_after,
                                   double now) {
  Host& h = GetHost(host);
  h.in_flight = std::max(0, h.in_flight - 1);
  const bool was_probe = h.probe_in_flight;
  h.probe_in_flight = false;
  if (!h.ip.empty()) {
    --ip_in_flight_[h.ip];
    Unpark(h.ip);
  }
  const bool answered = http_status > 0;
  if (answered && latency_seconds >= 0) {
    h.ewma_latency = h.ewma_latency == 0 ? latency_seconds
                                         : options_.latency_alpha * latency_seconds +
                                               (1 - options_.latency_alpha) * h.ewma_latency;
  }
  if (outcome == Outcome::kCancelled) {
    if (was_probe) h.circuit = CircuitState::kOpen;  // The probe never answered; probe again.
  } else if (IsRateLimited(http_status, retry_after)) {
    RecordRateLimit(h, retry_after, now);
  } else if (IsHostFailure(outcome)) {
    RecordFailure(h, retry_after, now);
  } else {
    RecordAnswer(h);
  }
  Schedule(h);
}

HostSnapshot PolitenessScheduler::Snapshot(const std::string& host) const {
  HostSnapshot s;
  auto it = hosts_.find(host);
  if (it == hosts_.end()) return s;
  const Host& h = *it->second;
  s.queued = h.queue.size();
  s.in_flight = h.in_flight;
  s.consecutive_failures = h.consecutive_failures;
  s.circuit = h.circuit;
  s.delay_seconds = Delay(h);
  s.rate_limit_delay_seconds = h.rate_delay;
  s.ewma_latency_seconds = h.ewma_latency;
  s.blocked_until = h.blocked_until;
  s.ip = h.ip;
  return s;
}

std::vector<uint64_t> PolitenessScheduler::RemoveHost(const std::string& host) {
  std::vector<uint64_t> ids;
  auto it = hosts_.find(host);
  if (it == hosts_.end()) return ids;
  Host& h = *it->second;
  for (const auto& key : h.queue) ids.push_back(std::get<2>(key));
  queued_total_ -= h.queue.size();
  h.queue.clear();
  h.keys.clear();
  ++h.generation;  // Host objects stay allocated: heap and park lists may point at them.
  return ids;
}

std::vector<uint64_t> PolitenessScheduler::DrainAll() {
  std::vector<uint64_t> ids;
  for (auto& [name, host] : hosts_) {
    for (uint64_t id : RemoveHost(name)) ids.push_back(id);
  }
  return ids;
}

}  // namespace tincrawl

// HttpClient: the robots.txt gate (RFC 9309). Rules come from the in-memory cache, the
// persistent RobotsCacheStore, or a fetch queued first on the host. A 5xx or unreachable
// robots.txt keeps the origin's requests waiting while it is fetched again on a backoff; they
// are handed back (with the real cause) only after RobotsPolicy::max_wait_seconds of outage.

#include <algorithm>
#include <climits>
#include <cstdio>
#include <ctime>
#include <utility>

#include "crawler/net/http_client.h"

namespace tincrawl {

namespace {

int64_t WallSeconds() { return static_cast<int64_t>(std::time(nullptr)); }

uint64_t Ms(double seconds) { return static_cast<uint64_t>(std::max(0.0, seconds) * 1000.0); }

}  // namespace

// A robots.txt answer between the fetch and its rules: what the loop needs once it is parsed.
struct HttpClient::RobotsFetched {
  std::string origin;
  std::string host;  // The host the rules are for.
  std::string site_id;
  FetchResult result;
  std::shared_ptr<const RobotsRules> previous;  // Rules obtained earlier, if any.
  RobotsDecision decision;
};

void HttpClient::RunOff(std::function<void()> work, std::function<void()> done) {
  if (!offload_) {
    work();
    done();
    return;
  }
  offload_(std::move(work), [this, done = std::move(done)] {
    if (!shutting_down_) done();
  });
}

// Routes a request through the robots.txt gate: enqueue, deny, or wait for the rules.
void HttpClient::AfterRobots(uint64_t id) {
  Pending& p = pending_[id];
  if (!RespectsRobots(p) || p.path == "/robots.txt") return Enqueue(id);
  const RobotsCache::Entry* entry = robots_.Find(p.origin);
  if (entry == nullptr && robots_store_ != nullptr && robots_loaded_.count(p.origin) == 0) {
    return LoadStoredRobots(id);  // First request of the origin since start.
  }
  if (entry != nullptr && entry->expires_ms > uv_now(loop_)) {
    if (entry->rules->IsAllowed(p.path)) return Enqueue(id);
    return Deliver(id, Outcome::kRobotsDenied, "disallowed by robots.txt", true);
  }
  WaitForRobots(id);
}

// The origin's stored record (expired rules included: they are the `previous` rules kept
// through an outage) is read and parsed off the loop; its requests wait meanwhile, then go
// through the gate again.
void HttpClient::LoadStoredRobots(uint64_t id) {
  ParkForRobots(id);
  const std::string origin = pending_[id].origin;
  RobotsState& state = robots_state_[origin];
  if (state.loading) return;
  state.loading = true;
  struct Loaded {
    RobotsRecord record;
    bool found = false;
    std::shared_ptr<const RobotsRules> rules;
  };
  auto loaded = std::make_shared<Loaded>();
  RobotsCacheStore* store = robots_store_.get();
  RunOff(
      [store, origin, loaded, token = product_token_] {
        loaded->found = store->Load(origin, &loaded->record);
        if (loaded->found && loaded->record.has_rules()) {
          loaded->rules = std::make_shared<const RobotsRules>(
              loaded->record.allow_all ? RobotsRules::AllowAll()
                                       : RobotsRules::Parse(loaded->record.body, token));
        }
      },
      [this, origin, loaded] {
        robots_loaded_.insert(origin);
        robots_state_[origin].loading = false;
        const RobotsRecord& record = loaded->record;
        if (loaded->found && record.failing_since_unix > 0) {
          ResumeOutage(origin, record.failing_since_unix);
        }
        if (loaded->rules != nullptr) {
          const int64_t left_seconds = record.expires_unix - WallSeconds();
          robots_.Store(
              origin, loaded->rules,
              left_seconds > 0 ? uv_now(loop_) + Ms(static_cast<double>(left_seconds)) : 0);
          const std::string& host = robots_state_[origin].host;
          if (loaded->rules->crawl_delay() && !host.empty()) {
            scheduler_.SetCrawlDelay(host, *loaded->rules->crawl_delay());
          }
        }
        ReleaseWaiters(origin);
      });
}

// An outage recorded before a restart goes on counting toward max_wait_seconds from its start.
void HttpClient::ResumeOutage(const std::string& origin, int64_t failing_since_unix) {
  RobotsState& state = robots_state_[origin];
  const auto now = static_cast<int64_t>(uv_now(loop_));
  const auto elapsed =
      static_cast<int64_t>(Ms(static_cast<double>(WallSeconds() - failing_since_unix)));
  state.failing = true;
  state.failing_since_ms = now - elapsed;  // uv_now counts from boot: this may be negative.
}

// Parks the request until its origin's rules are known; it counts as queued on its host.
void HttpClient::ParkForRobots(uint64_t id) {
  Pending& p = pending_[id];
  RobotsState& state = robots_state_[p.origin];
  state.waiters.push_back(id);
  p.robots_waiting = true;
  ++robots_queued_[p.host];
  if (state.host.empty()) {
    state.host = p.host;
    state.site = p.policy_site;
  }
}

void HttpClient::WaitForRobots(uint64_t id) {
  ParkForRobots(id);
  const RobotsState& state = robots_state_[pending_[id].origin];
  if (state.fetching || state.loading) return;
  if (state.retry_at_ms <= uv_now(loop_)) {
    StartRobotsFetch(pending_[id].origin);
  } else {
    ArmRobotsTimer();
  }
}

void HttpClient::UnmarkWaiter(Pending& p) {
  if (!p.robots_waiting) return;
  p.robots_waiting = false;
  auto it = robots_queued_.find(p.host);
  if (it != robots_queued_.end() && --it->second == 0) robots_queued_.erase(it);
}

void HttpClient::StartRobotsFetch(const std::string& origin) {
  RobotsState& state = robots_state_[origin];
  state.fetching = true;
  const uint64_t id = next_id_++;
  Pending& r = pending_[id];
  r.request.url = origin + "/robots.txt";
  r.request.site_id = state.site;
  r.fetch_url = r.request.url;
  r.policy_site = state.site;
  r.robots_host = state.host;
  r.request.max_body_bytes = static_cast<int64_t>(kRobotsMaxBytes);
  r.request.truncate = true;
  r.request.priority = INT_MAX;  // Goes before everything else queued on the host.
  r.host = state.host;
  r.origin = origin;
  r.path = "/robots.txt";
  r.robots = true;
  r.enqueued_ms = uv_now(loop_);
  Enqueue(id);
}

void HttpClient::HandleRobotsResult(const Pending& p, FetchResult result) {
  if (result.outcome == Outcome::kCancelled) {
    robots_state_[p.origin].fetching = false;
    FailWaiters(p.origin, Outcome::kCancelled, result.error, false);
    return;
  }
  // Parsed off the loop; the origin stays `fetching` until its rules are in.
  auto f = std::make_shared<RobotsFetched>();
  f->origin = p.origin;
  f->host = p.robots_host;
  f->site_id = p.request.site_id;
  f->result = std::move(result);
  const RobotsCache::Entry* old = robots_.Find(p.origin);
  if (old != nullptr) f->previous = old->rules;
  RunOff(
      [f, token = product_token_, policy = robots_policy_] {
        f->decision = DecideRobots(f->result.outcome, f->result.http_status, f->result.body, token,
                                   policy, f->previous);
      },
      [this, f] { RobotsDecided(f); });
}

void HttpClient::RobotsDecided(const std::shared_ptr<const RobotsFetched>& fetched) {
  const RobotsFetched& f = *fetched;
  robots_state_[f.origin].fetching = false;
  if (f.decision.available) {
    RobotsAvailable(fetched);
  } else {
    RobotsUnavailable(f, f.previous != nullptr && robots_.Find(f.origin) != nullptr);
  }
}

void HttpClient::RobotsAvailable(const std::shared_ptr<const RobotsFetched>& fetched) {
  const RobotsFetched& f = *fetched;
  const RobotsDecision& d = f.decision;
  robots_.Store(f.origin, d.rules, uv_now(loop_) + Ms(d.ttl_seconds));
  if (d.rules->crawl_delay()) scheduler_.SetCrawlDelay(f.host, *d.rules->crawl_delay());
  if (sitemap_callback_ && !d.rules->sitemaps().empty()) {
    sitemap_callback_(f.site_id, f.origin, d.rules->sitemaps());
  }
  const bool allow_all = f.result.outcome != Outcome::kOk;
  // The body is handed to the save job as it is (an aliasing pointer), not copied on the loop.
  SaveRobots(f.origin, f.site_id, std::string(),
             allow_all ? nullptr : std::shared_ptr<const std::string>(fetched, &f.result.body),
             allow_all);
  RobotsState& state = robots_state_[f.origin];
  state.failing = false;
  state.backoff_seconds = 0;
  state.retry_at_ms = 0;
  ReleaseWaiters(f.origin);
  auto it = robots_state_.find(f.origin);
  if (it != robots_state_.end() && it->second.waiters.empty() && !it->second.fetching &&
      !it->second.loading) {
    robots_state_.erase(it);
  }
}

// RFC 9309 §2.3.1.4: disallow everything for now and try again later. Rules fetched earlier
// keep applying meanwhile (§2.4); without any, the requests wait, up to max_wait_seconds.
void HttpClient::RobotsUnavailable(const RobotsFetched& f, bool keep_rules) {
  const FetchResult& result = f.result;
  RobotsState& state = robots_state_[f.origin];
  const uint64_t now = uv_now(loop_);
  state.backoff_seconds = state.backoff_seconds == 0 ? robots_policy_.retry_min_seconds
                                                     : std::min(state.backoff_seconds * 2,
                                                                robots_policy_.retry_max_seconds);
  state.retry_at_ms = now + Ms(state.backoff_seconds);
  if (!state.failing) state.failing_since_ms = static_cast<int64_t>(now);
  state.failing = true;
  state.failure = result.outcome;
  state.failure_error = "robots.txt: " + std::string(OutcomeName(result.outcome)) +
                        (result.error.empty() ? "" : ": " + result.error);
  SaveRobots(f.origin, f.site_id, state.failure_error, nullptr, false);
  if (keep_rules) {
    robots_.Store(f.origin, robots_.Find(f.origin)->rules, state.retry_at_ms);
    ReleaseWaiters(f.origin);
    return;
  }
  if (static_cast<int64_t>(now) - state.failing_since_ms >=
      static_cast<int64_t>(Ms(robots_policy_.max_wait_seconds))) {
    const Outcome failure = state.failure;
    const std::string error = state.failure_error;
    FailWaiters(f.origin, failure, error, false);
  }
  ArmRobotsTimer();
}

// Sends every waiter of `origin` through the gate again (the rules have changed).
void HttpClient::ReleaseWaiters(const std::string& origin) {
  auto it = robots_state_.find(origin);
  if (it == robots_state_.end()) return;
  std::vector<uint64_t> waiters = std::move(it->second.waiters);
  it->second.waiters.clear();
  for (uint64_t id : waiters) {
    auto p = pending_.find(id);
    if (p == pending_.end()) continue;
    UnmarkWaiter(p->second);
    AfterRobots(id);
  }
}

// Hands every waiter of `origin` back: kCancelled, or the robots.txt failure (see Submit).
void HttpClient::FailWaiters(const std::string& origin, Outcome outcome, const std::string& error,
                             bool defer) {
  auto it = robots_state_.find(origin);
  if (it == robots_state_.end()) return;
  std::vector<uint64_t> waiters = std::move(it->second.waiters);
  it->second.waiters.clear();
  for (uint64_t id : waiters) {
    Deliver(id, outcome, error, defer, /*robots_unavailable=*/outcome != Outcome::kCancelled);
  }
}

// Persists what the fetch taught us (off the loop: a read and a write of the store). A failure
// (`failure` set) keeps the rules of an earlier success. An origin's saves follow one another:
// each comes from the end of one robots.txt fetch, and the next fetch starts after it.
void HttpClient::SaveRobots(const std::string& origin, const std::string& site_id,
                            std::string failure, std::shared_ptr<const std::string> body,
                            bool allow_all) {
  if (robots_store_ == nullptr) return;
  RobotsCacheStore* store = robots_store_.get();
  const auto ttl = static_cast<int64_t>(robots_policy_.ttl_seconds);
  RunOff(
      [store, origin, site_id, failure = std::move(failure), body = std::move(body), allow_all,
       ttl] {
        RobotsRecord record;
        (void)store->Load(origin, &record);  // Absent or unreadable: start afresh.
        const int64_t now = WallSeconds();
        record.site_id = site_id;
        if (failure.empty()) {
          record.fetched_unix = now;
          record.expires_unix = now + ttl;
          record.allow_all = allow_all;
          record.body = body != nullptr ? *body : std::string();
          record.failing_since_unix = 0;
          record.last_error.clear();
        } else {
          if (record.failing_since_unix == 0) record.failing_since_unix = now;
          record.last_error = failure;
        }
        store->Save(origin, record);
      },
      [] {});
}

void HttpClient::ArmRobotsTimer() {
  if (robots_timer_ == nullptr || uv_is_closing(reinterpret_cast<uv_handle_t*>(robots_timer_))) {
    return;
  }
  uint64_t next = UINT64_MAX;
  for (const auto& [origin, state] : robots_state_) {
    if (!state.fetching && !state.loading && !state.waiters.empty()) {
      next = std::min(next, state.retry_at_ms);
    }
  }
  if (next == UINT64_MAX) {
    (void)uv_timer_stop(robots_timer_);
    return;
  }
  const uint64_t now = uv_now(loop_);
  const int rc =
      uv_timer_start(robots_timer_, &HttpClient::OnRobotsTimer, next > now ? next - now : 0, 0);
  if (rc != 0) std::fprintf(stderr, "tincrawl: uv_timer_start: %s\n", uv_strerror(rc));
}

void HttpClient::OnRobotsTimer(uv_timer_t* timer) {
  auto* self = static_cast<HttpClient*>(timer->data);
  if (self->shutting_down_) return;
  const uint64_t now = uv_now(self->loop_);
  std::vector<std::string> due;
  for (const auto& [origin, state] : self->robots_state_) {
    if (!state.fetching && !state.loading && !state.waiters.empty() && state.retry_at_ms <= now) {
      due.push_back(origin);
    }
  }
  for (const std::string& origin : due) self->StartRobotsFetch(origin);
  self->ArmRobotsTimer();
}

}  // namespace tincrawl

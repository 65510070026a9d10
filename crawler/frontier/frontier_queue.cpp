#include <algorithm>
#include <optional>
#include <tuple>

#include "crawler/frontier/frontier.h"
#include "crawler/frontier/frontier_internal.h"

namespace tincrawl {

using namespace frontier_internal;  // NOLINT(google-build-using-namespace): internal helpers.

int Frontier::SiteIndex(std::string_view site_id) const {
  const auto it = site_index_.find(std::string(site_id));
  return it == site_index_.end() ? -1 : it->second;
}

Frontier::HostState* Frontier::FindOrAddHost(std::string_view host, int site) {
  const auto it = host_index_.find(std::string(host));
  if (it != host_index_.end()) return it->second;
  auto h = std::make_unique<HostState>();
  h->host = std::string(host);
  h->site = site;
  h->index = static_cast<uint32_t>(hosts_.size());
  HostState* raw = h.get();
  hosts_.push_back(std::move(h));
  host_index_.emplace(raw->host, raw);
  return raw;
}

void Frontier::RequestRefillLocked(HostState* h, int cls) {
  HostState::Cache& cache = h->cache[cls];
  // After an I/O error the class waits for its next op (ApplyOpLocked clears the flag).
  if (cache.refill_queued || cache.refilling || cache.refill_failed) return;
  cache.refill_queued = true;
  refills_.emplace_back(h->index, cls);
}

Status Frontier::RunRefills() {
  Status first;
  size_t budget = 0;  // Only what is queued now: a failing seek is not retried in a loop.
  {
    std::lock_guard<std::mutex> lock(mu_);
    budget = refills_.size();
  }
  for (; budget > 0; --budget) {
    uint32_t host = 0;
    int cls = 0;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (refills_.empty()) break;
      std::tie(host, cls) = refills_.front();
      refills_.pop_front();
      HostState::Cache& cache = hosts_[host]->cache[cls];
      cache.refill_queued = false;
      cache.refilling = true;
      cache.replay.clear();
      ++refills_running_;
    }
    const Status s = RefillOne(host, cls);
    if (!s.ok() && first.ok()) first = s;
  }
  return first;
}

bool Frontier::RefillsPending() const {
  std::lock_guard<std::mutex> lock(mu_);
  return !refills_.empty();
}

void Frontier::RefillIfInline() {
  if (options_.refill_inline) (void)RunRefills();
}

// One refill: the class's first entries, read by a seek outside the lock, then merged under it
// with what happened meanwhile. Leases taken since are filtered out; the ops applied since (in
// `replay`) are applied again, since the seek's snapshot may predate them.
Status Frontier::RefillOne(uint32_t host, int cls) {
  std::string prefix;
  size_t want = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    const HostState& h = *hosts_[host];
    prefix = ClassPrefix(h.host, cls);
    want = options_.prefetch + h.leased.size();
  }
  std::vector<HostState::Entry> read;
  bool complete = true;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator({}, frontier_cf_));
  for (it->Seek(prefix); it->Valid(); it->Next()) {
    const std::string_view key(it->key().data(), it->key().size());
    if (!key.starts_with(prefix)) break;
    if (read.size() >= want) {
      complete = false;
      break;
    }
    QueueKeyParts parts;
    if (ParseQueueKey(key, &parts)) {
      read.push_back({std::string(key), it->value().ToString(), parts.due_ms});
    }
  }
  const Status st = FromRocks(it->status(), "frontier refill");
  std::lock_guard<std::mutex> lock(mu_);
  --refills_running_;
  HostState* h = hosts_[host].get();
  HostState::Cache& cache = h->cache[cls];
  cache.refilling = false;
  cache.refill_failed = !st.ok();
  if (st.ok()) {
    cache.entries.clear();
    for (HostState::Entry& e : read) {
      if (h->leased.count(e.key) == 0) cache.entries.push_back(std::move(e));
    }
    cache.complete = complete;
    for (const FrontierBatch::Op& op : cache.replay) {
      QueueKeyParts parts;
      if (ParseQueueKey(op.key, &parts)) ApplyToCacheLocked(h, cls, op, parts.due_ms);
    }
  }
  cache.replay.clear();
  PushHostLocked(h);
  return st;
}

// Puts `h` in the ready heap at its earliest cached entry. A class running low is queued for a
// refill; a host with a class that has nothing cached but may have entries on disk stays out
// of the heap until that refill lands, so its order of classes holds.
void Frontier::PushHostLocked(HostState* h) {
  const size_t low_water = std::max<size_t>(1, options_.prefetch / 4);
  int64_t ready = kNever;
  bool waiting = false;
  for (int c = 0; c < kPriorityCount; ++c) {
    HostState::Cache& cache = h->cache[c];
    if (!cache.complete && cache.entries.size() < low_water) RequestRefillLocked(h, c);
    if (!cache.entries.empty()) {
      ready = std::min(ready, cache.entries.front().due_ms);
    } else if (!cache.complete && !cache.refill_failed) {
      waiting = true;  // An I/O error skips the class instead (the next push retries it).
    }
  }
  if (waiting) ready = kNever;
  if (ready != kNever) ready = std::max(ready, h->not_before_ms);
  if (ready == h->heap_ready_ms) return;
  ++h->generation;
  h->heap_ready_ms = ready;
  if (ready == kNever) return;
  heap_.push_back({ready, h->index, h->generation});
  std::push_heap(heap_.begin(), heap_.end(), std::greater<>());
  if (heap_.size() > 4 * hosts_.size() + 1024) {
    // Too many stale items (lazy deletion): rebuild from the hosts' live entries.
    heap_.clear();
    for (const auto& host : hosts_) {
      if (host->heap_ready_ms != kNever) {
        heap_.push_back({host->heap_ready_ms, host->index, host->generation});
      }
    }
    std::make_heap(heap_.begin(), heap_.end(), std::greater<>());
  }
}

int Frontier::PickClassLocked(const HostState& h, int64_t now_ms) const {
  const auto head = [&h](int c) {
    return h.cache[c].entries.empty() ? kNever : h.cache[c].entries.front().due_ms;
  };
  const int listing = static_cast<int>(Priority::kListing);
  if (head(listing) != kNever && head(listing) <= now_ms - options_.listing_promote_ms) {
    return listing;
  }
  for (int c = 0; c < kPriorityCount; ++c) {
    if (head(c) <= now_ms) return c;
  }
  return -1;
}

bool Frontier::BudgetAllowsLocked(SiteRuntime* s, int64_t now_ms) {
  const int64_t day = VietnamDay(now_ms);
  if (day != s->budget_day) {
    s->budget_day = day;
    s->budget_used = 0;
  }
  return s->budget_used < static_cast<uint64_t>(std::max(0, s->pages_per_day));
}

bool Frontier::ScheduleClaimedLocked(std::string_view queue_key) const {
  if (claims_.empty()) return false;
  QueueKeyParts parts;
  return ParseQueueKey(queue_key, &parts) && claims_.count(std::string(parts.url)) != 0;
}

std::optional<Lease> Frontier::PopReady(int64_t now_ms,
                                        const std::function<bool(std::string_view)>& host_ok) {
  std::optional<Lease> lease = PopReadyLocked(now_ms, host_ok);
  RefillIfInline();
  return lease;
}

std::optional<Lease> Frontier::PopReadyLocked(
    int64_t now_ms, const std::function<bool(std::string_view)>& host_ok) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<HostState*> refused;
  std::optional<Lease> lease;
  while (!heap_.empty() && !lease) {
    const HeapItem top = heap_.front();
    HostState* h = hosts_[top.host].get();
    if (top.generation != h->generation) {
      std::pop_heap(heap_.begin(), heap_.end(), std::greater<>());
      heap_.pop_back();
      continue;
    }
    if (top.ready_ms > now_ms) break;
    std::pop_heap(heap_.begin(), heap_.end(), std::greater<>());
    heap_.pop_back();
    h->heap_ready_ms = kNever;
    SiteRuntime* site = site_rt_[h->site].get();
    if (!BudgetAllowsLocked(site, now_ms)) {
      ++site->stats.budget_deferrals;
      h->not_before_ms = DayStartMs(VietnamDay(now_ms) + 1);
      PushHostLocked(h);
      continue;
    }
    if (host_ok && !host_ok(h->host)) {
      refused.push_back(h);
      continue;
    }
    const int cls = PickClassLocked(*h, now_ms);
    if (cls >= 0 && ScheduleClaimedLocked(h->cache[cls].entries.front().key)) {
      refused.push_back(h);  // An uncommitted batch is updating its schedule: next time.
      continue;
    }
    if (cls >= 0) {
      lease = LeaseFrontLocked(h, cls);
      ++site->budget_used;
      ++site->stats.leased;
    }
    PushHostLocked(h);
  }
  for (HostState* h : refused) PushHostLocked(h);
  return lease;
}

// Hands out the first cached entry of class `cls` of host `h`.
Lease Frontier::LeaseFrontLocked(HostState* h, int cls) {
  HostState::Entry entry = std::move(h->cache[cls].entries.front());
  h->cache[cls].entries.erase(h->cache[cls].entries.begin());
  Lease lease;
  lease.key = std::move(entry.key);
  QueueValue v;
  if (DecodeQueueValue(entry.value, &v)) {
    lease.kind = v.kind;
    lease.depth = v.depth;
    lease.discovered_by = v.by;
    lease.backfill = v.backfill;
    lease.fetches = v.fetches;
    lease.fetch_url = std::move(v.fetch_url);
    lease.etag = std::move(v.etag);
    lease.last_modified = std::move(v.last_modified);
  }
  h->leased.insert(lease.key);
  QueueKeyParts parts;
  ParseQueueKey(lease.key, &parts);
  lease.url = std::string(parts.url);
  if (lease.fetch_url.empty()) lease.fetch_url = lease.url;
  lease.host = std::string(parts.host);
  lease.priority = parts.priority;
  lease.due_ms = parts.due_ms;
  lease.site = h->site;
  return lease;
}

void Frontier::ApplyOpLocked(const FrontierBatch::Op& op) {
  QueueKeyParts parts;
  if (!ParseQueueKey(op.key, &parts)) return;
  HostState* h = nullptr;
  if (op.insert) {
    QueueValue v;
    const int site = DecodeQueueValue(op.value, &v) ? SiteIndex(v.site) : -1;
    if (site < 0) return;
    h = FindOrAddHost(parts.host, site);
  } else {
    const auto it = host_index_.find(std::string(parts.host));
    if (it == host_index_.end()) return;
    h = it->second;
  }
  h->leased.erase(op.key);
  const int cls = static_cast<int>(parts.priority);
  h->cache[cls].refill_failed = false;
  ApplyToCacheLocked(h, cls, op, parts.due_ms);
  if (h->cache[cls].refilling) h->cache[cls].replay.push_back(op);
  PushHostLocked(h);
}

// The cache side of a queue op: the entry goes in where the cache covers its key.
void Frontier::ApplyToCacheLocked(HostState* h, int cls, const FrontierBatch::Op& op,
                                  int64_t due_ms) {
  HostState::Cache& cache = h->cache[cls];
  const auto pos =
      std::lower_bound(cache.entries.begin(), cache.entries.end(), op.key,
                       [](const HostState::Entry& e, const std::string& k) { return e.key < k; });
  const bool present = pos != cache.entries.end() && pos->key == op.key;
  if (!op.insert) {
    if (present) cache.entries.erase(pos);
  } else if (!present && (cache.complete || pos != cache.entries.end())) {
    cache.entries.insert(pos, {op.key, op.value, due_ms});
    if (cache.entries.size() > 2 * options_.prefetch) {
      cache.entries.pop_back();
      cache.complete = false;
    }
  }
}

void Frontier::QueueLocked(FrontierBatch* b, std::string_view url, Priority p, int64_t due_ms,
                           const std::string& value) {
  std::string key = QueueKey(HostOf(url), p, due_ms, url);
  b->batch()->Put(frontier_cf_, key, value);
  b->ops_.push_back({true, std::move(key), value});
}

Status Frontier::Commit(FrontierBatch* b, const rocksdb::WriteOptions& options) {
  const rocksdb::Status s = db_->Write(options, b->batch());
  if (!s.ok()) {
    Abandon(b);
    return FromRocks(s, "frontier commit");
  }
  Applied(b);
  return Status::Ok();
}

void Frontier::Applied(FrontierBatch* b) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const FrontierBatch::Op& op : b->ops_) ApplyOpLocked(op);
    for (const std::string& url : b->claims_) claims_.erase(url);
    for (const auto& [site, outcome] : b->given_up_) {
      ++site_rt_[site]->stats.given_up[static_cast<int>(outcome)];
    }
    b->ops_.clear();
    b->claims_.clear();
    b->given_up_.clear();
  }
  RefillIfInline();
}

void Frontier::Abandon(FrontierBatch* b) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const std::string& url : b->claims_) claims_.erase(url);
  b->ops_.clear();
  b->claims_.clear();
  b->given_up_.clear();
}

size_t Frontier::host_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return hosts_.size();
}

std::optional<int64_t> Frontier::NextReadyMs() const {
  std::lock_guard<std::mutex> lock(mu_);
  if (!refills_.empty() || refills_running_ > 0) return 0;
  int64_t best = kNever;
  for (const auto& h : hosts_) best = std::min(best, h->heap_ready_ms);
  return best == kNever ? std::nullopt : std::optional<int64_t>(best);
}

}  // namespace tincrawl

#include <algorithm>
#include <optional>

#include "crawler/frontier/frontier.h"
#include "crawler/frontier/frontier_internal.h"

namespace tincrawl {

using namespace frontier_internal;  // NOLINT(google-build-using-namespace): internal helpers.

int Frontier::SiteIndex(std::string_view site_id) const {
  for (size_t i = 0; i < sites_.size(); ++i) {
    if (sites_[i].id == site_id) return static_cast<int>(i);
  }
  return -1;
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

Status Frontier::RefillLocked(HostState* h, int cls) {
  HostState::Cache& cache = h->cache[cls];
  const std::string prefix = ClassPrefix(h->host, cls);
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator({}, frontier_cf_));
  cache.entries.clear();
  cache.complete = false;
  for (it->Seek(prefix); it->Valid(); it->Next()) {
    const std::string_view key(it->key().data(), it->key().size());
    if (!key.starts_with(prefix)) break;
    if (cache.entries.size() >= options_.prefetch) return FromRocks(it->status(), "refill");
    if (h->leased.count(std::string(key)) != 0) continue;
    QueueKeyParts parts;
    if (ParseQueueKey(key, &parts)) {
      cache.entries.push_back({std::string(key), it->value().ToString(), parts.due_ms});
    }
  }
  cache.complete = it->status().ok();
  return FromRocks(it->status(), "frontier refill");
}

void Frontier::PushHostLocked(HostState* h) {
  int64_t ready = kNever;
  for (int c = 0; c < kPriorityCount; ++c) {
    HostState::Cache& cache = h->cache[c];
    if (cache.entries.empty() && !cache.complete) {
      // An I/O error leaves the class incomplete; the next push retries the seek.
      if (!RefillLocked(h, c).ok()) continue;
    }
    if (!cache.entries.empty()) ready = std::min(ready, cache.entries.front().due_ms);
  }
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
  h->cache[cls].entries.pop_front();
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
  HostState::Cache& cache = h->cache[static_cast<int>(parts.priority)];
  const auto pos =
      std::lower_bound(cache.entries.begin(), cache.entries.end(), op.key,
                       [](const HostState::Entry& e, const std::string& k) { return e.key < k; });
  const bool present = pos != cache.entries.end() && pos->key == op.key;
  h->leased.erase(op.key);
  if (!op.insert) {
    if (present) cache.entries.erase(pos);
  } else if (!present && (cache.complete || pos != cache.entries.end())) {
    cache.entries.insert(pos, {op.key, op.value, parts.due_ms});
    if (cache.entries.size() > 2 * options_.prefetch) {
      cache.entries.pop_back();
      cache.complete = false;
    }
  }
  PushHostLocked(h);
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
  int64_t best = kNever;
  for (const auto& h : hosts_) best = std::min(best, h->heap_ready_ms);
  return best == kNever ? std::nullopt : std::optional<int64_t>(best);
}

}  // namespace tincrawl

#include "crawler/frontier/frontier.h"

#include <algorithm>
#include <array>
#include <deque>
#include <limits>

#include "crawler/common/record_codec.h"

namespace tincrawl {
namespace {

constexpr int64_t kNever = std::numeric_limits<int64_t>::max();
constexpr uint64_t kFormat = 1;
constexpr char kSchedulePrefix = '\x01';
constexpr char kHostsStart[] = "\x02";
constexpr int64_t kVietnamOffsetSeconds = 7 * 3600;

struct QueueValue {
  std::string site;
  UrlKind kind = UrlKind::kUnknown;
  int depth = 0;
  DiscoveredBy by = DiscoveredBy::kSeed;
  bool backfill = false;
  uint32_t fetches = 0;
};

std::string EncodeQueueValue(const QueueValue& v) {
  RecordWriter w;
  w.U64(kFormat);
  w.Str(v.site);
  w.U64(static_cast<uint64_t>(v.kind));
  w.I64(v.depth);
  w.U64(static_cast<uint64_t>(v.by));
  w.U64(v.backfill ? 1 : 0);
  w.U64(v.fetches);
  return w.Take();
}

bool DecodeQueueValue(std::string_view in, QueueValue* v) {
  RecordReader r(in);
  uint64_t version = 0, kind = 0, by = 0, backfill = 0, fetches = 0;
  if (!r.U64(&version) || version != kFormat || !r.Str(&v->site) || !r.U64(&kind) ||
      !r.Int(&v->depth) || !r.U64(&by) || !r.U64(&backfill) || !r.U64(&fetches)) {
    return false;
  }
  v->kind = static_cast<UrlKind>(std::min<uint64_t>(kind, 5));
  v->by = static_cast<DiscoveredBy>(std::min<uint64_t>(by, 3));
  v->backfill = backfill != 0;
  v->fetches = static_cast<uint32_t>(fetches);
  return true;
}

std::string QueueKey(std::string_view host, Priority p, int64_t due_ms, std::string_view url) {
  std::string key;
  key.reserve(host.size() + 10 + url.size());
  key.append(host);
  key.push_back('\0');
  key.push_back(static_cast<char>(p));
  PutBigEndian64(&key, static_cast<uint64_t>(std::max<int64_t>(0, due_ms)));
  key.append(url);
  return key;
}

struct QueueKeyParts {
  std::string_view host;
  Priority priority = Priority::kNew;
  int64_t due_ms = 0;
  std::string_view url;
};

bool ParseQueueKey(std::string_view key, QueueKeyParts* parts) {
  const size_t zero = key.find('\0');
  if (zero == std::string_view::npos || key.size() < zero + 10) return false;
  const auto p = static_cast<uint8_t>(key[zero + 1]);
  if (p >= kPriorityCount) return false;
  parts->host = key.substr(0, zero);
  parts->priority = static_cast<Priority>(p);
  parts->due_ms = static_cast<int64_t>(GetBigEndian64(key.substr(zero + 2, 8)));
  parts->url = key.substr(zero + 10);
  return true;
}

std::string ClassPrefix(std::string_view host, int cls) {
  std::string prefix(host);
  prefix.push_back('\0');
  prefix.push_back(static_cast<char>(cls));
  return prefix;
}

std::string ScheduleKey(std::string_view url) {
  std::string key(1, kSchedulePrefix);
  key.append(url);
  return key;
}

std::string BudgetKey(std::string_view site) {
  std::string key("\0b", 2);
  key.append(site);
  return key;
}

int64_t VietnamDay(int64_t now_ms) { return (now_ms / 1000 + kVietnamOffsetSeconds) / 86400; }
int64_t DayStartMs(int64_t day) { return (day * 86400 - kVietnamOffsetSeconds) * 1000; }

bool IsListingKind(UrlKind kind) {
  return kind == UrlKind::kListing || kind == UrlKind::kFeed || kind == UrlKind::kSitemap;
}

bool IsSuccess(Outcome o) { return o == Outcome::kOk || o == Outcome::kNotModified; }

uint8_t SourceBit(DiscoveredBy by) { return static_cast<uint8_t>(1u << static_cast<int>(by)); }

}  // namespace

const char* PriorityName(Priority p) {
  switch (p) {
    case Priority::kNew:
      return "new";
    case Priority::kListing:
      return "listing";
    case Priority::kRevisit:
      break;
  }
  return "revisit";
}

Priority PriorityFor(UrlKind kind, bool fetched_before) {
  if (IsListingKind(kind)) return Priority::kListing;
  return fetched_before ? Priority::kRevisit : Priority::kNew;
}

struct Frontier::Schedule {
  UrlKind kind = UrlKind::kUnknown;
  Priority priority = Priority::kNew;
  int64_t due_ms = 0;
  bool queued = false;
  bool backfill = false;
  uint8_t seen_by = 0;
  int64_t lastmod = 0;
  ListingModel model;

  std::string Encode() const {
    RecordWriter w;
    w.U64(kFormat);
    w.U64(static_cast<uint64_t>(kind));
    w.U64(static_cast<uint64_t>(priority));
    w.I64(due_ms);
    w.U64((queued ? 1 : 0) | (backfill ? 2 : 0));
    w.U64(seen_by);
    w.I64(lastmod);
    w.F64(model.decayed_new);
    w.F64(model.decayed_seconds);
    w.F64(model.interval_seconds);
    return w.Take();
  }

  bool Decode(std::string_view in) {
    RecordReader r(in);
    uint64_t version = 0, k = 0, p = 0, flags = 0, seen = 0;
    if (!r.U64(&version) || version != kFormat || !r.U64(&k) || !r.U64(&p) || !r.I64(&due_ms) ||
        !r.U64(&flags) || !r.U64(&seen) || !r.I64(&lastmod) || !r.F64(&model.decayed_new) ||
        !r.F64(&model.decayed_seconds) || !r.F64(&model.interval_seconds)) {
      return false;
    }
    kind = static_cast<UrlKind>(std::min<uint64_t>(k, 5));
    priority = static_cast<Priority>(std::min<uint64_t>(p, kPriorityCount - 1));
    queued = (flags & 1) != 0;
    backfill = (flags & 2) != 0;
    seen_by = static_cast<uint8_t>(seen);
    return true;
  }
};

struct Frontier::HostState {
  struct Entry {
    std::string key;
    std::string value;  // Encoded QueueValue, so PopReady needs no read.
    int64_t due_ms = 0;
  };
  struct Cache {
    std::deque<Entry> entries;  // The smallest keys of the class, leases excluded.
    bool complete = false;      // No other entry of the class exists in the database.
  };

  std::string host;
  int site = -1;
  uint32_t index = 0;
  std::array<Cache, kPriorityCount> cache;
  std::unordered_set<std::string> leased;
  int64_t not_before_ms = 0;
  int64_t heap_ready_ms = kNever;
  uint64_t generation = 0;
};

struct Frontier::SiteRuntime {
  SiteRuntime(const TrapLimits& limits, int pages) : guard(limits), pages_per_day(pages) {}
  TrapGuard guard;
  int pages_per_day;
  FrontierSiteStats stats;
  int64_t budget_day = -1;
  uint64_t budget_used = 0;
};

Frontier::Frontier(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* urls_cf,
                   rocksdb::ColumnFamilyHandle* frontier_cf, std::vector<SiteConfig> sites,
                   FrontierOptions options)
    : db_(db),
      urls_cf_(urls_cf),
      frontier_cf_(frontier_cf),
      sites_(std::move(sites)),
      options_(options) {
  options_.prefetch = std::max<size_t>(1, options_.prefetch);
  for (const SiteConfig& s : sites_) {
    TrapLimits limits = options_.trap;
    limits.max_depth = s.recrawl.max_depth;
    site_rt_.push_back(std::make_unique<SiteRuntime>(limits, s.recrawl.pages_per_day));
  }
}

Frontier::~Frontier() = default;

Status Frontier::Open() {
  std::lock_guard<std::mutex> lock(mu_);
  for (size_t i = 0; i < sites_.size(); ++i) {
    std::string value;
    rocksdb::Status s = db_->Get({}, frontier_cf_, BudgetKey(sites_[i].id), &value);
    if (s.IsNotFound()) continue;
    if (!s.ok()) return FromRocks(s, "frontier budget");
    RecordReader r(value);
    uint64_t used = 0;
    if (r.I64(&site_rt_[i]->budget_day) && r.U64(&used)) site_rt_[i]->budget_used = used;
  }
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator({}, frontier_cf_));
  for (it->Seek(kHostsStart); it->Valid();) {
    QueueKeyParts parts;
    QueueValue value;
    const std::string_view key(it->key().data(), it->key().size());
    if (!ParseQueueKey(key, &parts) ||
        !DecodeQueueValue({it->value().data(), it->value().size()}, &value)) {
      return Status::Corruption("frontier: bad queue entry");
    }
    const std::string host(parts.host);
    const int site = SiteIndex(value.site);
    if (site >= 0) PushHostLocked(FindOrAddHost(host, site));
    it->Seek(host + '\x01');
  }
  return FromRocks(it->status(), "frontier open");
}

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

std::optional<Lease> Frontier::PopReady(int64_t now_ms,
                                        const std::function<bool(std::string_view)>& host_ok) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<HostState*> refused;
  std::optional<Lease> lease;
  int site_of_lease = -1;
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
    if (cls >= 0) {
      HostState::Entry entry = std::move(h->cache[cls].entries.front());
      h->cache[cls].entries.pop_front();
      lease.emplace();
      lease->key = std::move(entry.key);
      QueueValue v;
      if (DecodeQueueValue(entry.value, &v)) {
        lease->kind = v.kind;
        lease->depth = v.depth;
        lease->discovered_by = v.by;
        lease->backfill = v.backfill;
        lease->fetches = v.fetches;
      }
      h->leased.insert(lease->key);
      site_of_lease = h->site;
      ++site->budget_used;
      ++site->stats.leased;
    }
    PushHostLocked(h);
  }
  for (HostState* h : refused) PushHostLocked(h);
  if (!lease) return std::nullopt;

  QueueKeyParts parts;
  ParseQueueKey(lease->key, &parts);
  lease->url = std::string(parts.url);
  lease->host = std::string(parts.host);
  lease->priority = parts.priority;
  lease->due_ms = parts.due_ms;
  lease->site = site_of_lease;
  return lease;
}

void Frontier::DeferHost(std::string_view host, int64_t until_ms) {
  std::lock_guard<std::mutex> lock(mu_);
  const auto it = host_index_.find(std::string(host));
  if (it == host_index_.end()) return;
  it->second->not_before_ms = std::max(it->second->not_before_ms, until_ms);
  PushHostLocked(it->second);
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

void Frontier::PutSchedule(FrontierBatch* b, std::string_view url, const Schedule& s) const {
  b->batch()->Put(frontier_cf_, ScheduleKey(url), s.Encode());
}

Status Frontier::ReadSchedule(std::string_view url, Schedule* schedule, bool* found) const {
  std::string value;
  const rocksdb::Status s = db_->Get({}, frontier_cf_, ScheduleKey(url), &value);
  *found = s.ok();
  if (s.IsNotFound()) return Status::Ok();
  if (!s.ok()) return FromRocks(s, "frontier schedule");
  if (!schedule->Decode(value)) return Status::Corruption("frontier: bad schedule record");
  return Status::Ok();
}

Status Frontier::Add(int site, const AddRequest& r, FrontierBatch* b, AddResult* result) {
  if (site < 0 || site >= static_cast<int>(sites_.size()) || HostOf(r.url).empty()) {
    return Status::InvalidArgument("frontier add: bad site or URL");
  }
  const rocksdb::Slice key(r.url.data(), r.url.size());
  std::string existing;
  rocksdb::Status s = db_->Get({}, urls_cf_, key, &existing);
  if (!s.ok() && !s.IsNotFound()) return FromRocks(s, "frontier add");
  if (s.IsNotFound()) {
    std::lock_guard<std::mutex> lock(mu_);
    SiteRuntime* rt = site_rt_[site].get();
    if (claims_.count(std::string(r.url)) != 0) {
      ++rt->stats.known;
      *result = AddResult::kKnown;
      return Status::Ok();
    }
    const TrapReason trap = rt->guard.Admit(r.url, r.kind, r.depth);
    if (trap != TrapReason::kNone) {
      *result = AddResult::kTrapped;
      return Status::Ok();
    }
    claims_.emplace(r.url);
    // A batch committed (and its claim released) between the read above and the claim is
    // visible now: read again so two adders can never both queue the URL.
    s = db_->Get({}, urls_cf_, key, &existing);
    if (s.IsNotFound()) {
      b->claims_.emplace_back(r.url);
      ++rt->stats.added;
    } else {
      claims_.erase(std::string(r.url));
      if (!s.ok()) return FromRocks(s, "frontier add");
    }
  }
  if (s.ok()) {
    UrlState known;
    if (!DecodeUrlState(existing, &known)) return Status::Corruption("frontier: bad url state");
    return AddKnown(site, r, known, b, result);
  }
  UrlState state;
  state.status = UrlStatus::kPending;
  state.site = sites_[site].id;
  state.depth = r.depth;
  state.discovered_by = r.discovered_by;
  state.next_visit = r.due_ms / 1000;
  b->batch()->Put(urls_cf_, rocksdb::Slice(r.url.data(), r.url.size()), EncodeUrlState(state));
  Schedule sc;
  sc.kind = r.kind;
  sc.priority = PriorityFor(r.kind, false);
  sc.due_ms = r.due_ms;
  sc.queued = true;
  sc.backfill = r.backfill;
  sc.seen_by = SourceBit(r.discovered_by);
  sc.lastmod = r.lastmod;
  PutSchedule(b, r.url, sc);
  const QueueValue v{sites_[site].id, r.kind, r.depth, r.discovered_by, r.backfill, 0};
  QueueLocked(b, r.url, sc.priority, r.due_ms, EncodeQueueValue(v));
  *result = AddResult::kAdded;
  return Status::Ok();
}

Status Frontier::AddKnown(int site, const AddRequest& r, const UrlState& state, FrontierBatch* b,
                          AddResult* result) {
  *result = AddResult::kKnown;
  Schedule sc;
  bool found = false;
  Status st = ReadSchedule(r.url, &sc, &found);
  if (!st.ok()) return st;
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++site_rt_[site]->stats.known;
  }
  if (!found) return Status::Ok();
  bool changed = (sc.seen_by & SourceBit(r.discovered_by)) == 0 || r.lastmod > sc.lastmod;
  sc.seen_by |= SourceBit(r.discovered_by);
  sc.lastmod = std::max(sc.lastmod, r.lastmod);
  if (r.reschedule && sc.queued && r.due_ms < sc.due_ms) {
    const std::string old_key = QueueKey(HostOf(r.url), sc.priority, sc.due_ms, r.url);
    bool leased = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      const auto it = host_index_.find(std::string(HostOf(r.url)));
      leased = it != host_index_.end() && it->second->leased.count(old_key) != 0;
    }
    if (!leased) {
      b->batch()->Delete(frontier_cf_, old_key);
      b->ops_.push_back({false, old_key, std::string()});
      sc.due_ms = r.due_ms;
      sc.backfill = r.backfill;
      const QueueValue v{state.site,          sc.kind,    state.depth,
                         state.discovered_by, r.backfill, static_cast<uint32_t>(state.fetch_count)};
      QueueLocked(b, r.url, sc.priority, sc.due_ms, EncodeQueueValue(v));
      UrlState updated = state;
      updated.next_visit = sc.due_ms / 1000;
      b->batch()->Put(urls_cf_, rocksdb::Slice(r.url.data(), r.url.size()),
                      EncodeUrlState(updated));
      changed = true;
      *result = AddResult::kRescheduled;
    }
  }
  if (changed) PutSchedule(b, r.url, sc);
  return Status::Ok();
}

int64_t Frontier::NextVisit(const Lease& lease, const FetchReport& report, UrlState* state,
                            Schedule* sc) {
  const Recrawl& cfg = sites_[lease.site].recrawl;
  const int64_t now = report.now_ms;
  const bool listing = IsListingKind(lease.kind);
  const auto at = [now](double seconds) { return now + static_cast<int64_t>(seconds * 1000); };
  if (IsSuccess(report.outcome)) {
    if (!listing) return at(cfg.article_seconds);
    const double elapsed =
        state->last_fetched > 0 ? static_cast<double>(now / 1000 - state->last_fetched) : 0.0;
    return at(UpdateListingModel(&sc->model, elapsed, report.new_links, lease.fetches == 0, cfg));
  }
  if (report.outcome == Outcome::kCancelled || report.outcome == Outcome::kCircuitOpen) {
    return at(60);
  }
  const bool gone = report.http_status == 404 || report.http_status == 410;
  const bool transient = IsHostFailure(report.outcome);
  if (!gone && state->consecutive_failures <= (transient ? 8 : 3)) {
    return at(FailureBackoffSeconds(state->consecutive_failures));
  }
  if (listing) return at(cfg.listing_max_seconds);
  if (gone) state->status = UrlStatus::kGone;
  return transient ? at(cfg.article_seconds) : 0;
}

Status Frontier::Complete(const Lease& lease, const FetchReport& report, FrontierBatch* b,
                          int64_t* next_due_ms) {
  if (lease.site < 0 || lease.site >= static_cast<int>(sites_.size())) {
    return Status::InvalidArgument("frontier complete: bad lease");
  }
  UrlState state;
  std::string value;
  rocksdb::Status s = db_->Get({}, urls_cf_, lease.url, &value);
  if (!s.ok() && !s.IsNotFound()) return FromRocks(s, "frontier complete");
  if (s.ok() && !DecodeUrlState(value, &state)) return Status::Corruption("bad url state");
  Schedule sc;
  bool found = false;
  Status st = ReadSchedule(lease.url, &sc, &found);
  if (!st.ok()) return st;
  if (!found) sc.kind = lease.kind;
  const bool cancelled =
      report.outcome == Outcome::kCancelled || report.outcome == Outcome::kCircuitOpen;
  if (IsSuccess(report.outcome)) {
    ++state.fetch_count;
    state.consecutive_failures = 0;
    state.status = UrlStatus::kFetched;
  } else if (!cancelled) {
    ++state.consecutive_failures;
    if (state.fetch_count == 0) state.status = UrlStatus::kFailed;
  }
  if (!cancelled) {
    state.last_outcome = std::string(OutcomeName(report.outcome));
    state.http_status = report.http_status;
    if (!report.etag.empty()) state.etag = report.etag;
    if (!report.last_modified.empty()) state.last_modified = report.last_modified;
  }
  state.site = sites_[lease.site].id;
  // NextVisit reads the previous fetch time (the listing model's elapsed interval).
  const int64_t next =
      report.next_due_ms ? *report.next_due_ms : NextVisit(lease, report, &state, &sc);
  if (!cancelled) state.last_fetched = report.now_ms / 1000;

  b->batch()->Delete(frontier_cf_, lease.key);
  b->ops_.push_back({false, lease.key, std::string()});
  const std::string current = QueueKey(lease.host, sc.priority, sc.due_ms, lease.url);
  if (found && sc.queued && current != lease.key) {
    b->batch()->Delete(frontier_cf_, current);
    b->ops_.push_back({false, current, std::string()});
  }
  sc.queued = next > 0;
  sc.backfill = false;
  if (next > 0) {
    const bool retry = !IsSuccess(report.outcome);
    sc.priority = retry ? lease.priority : PriorityFor(lease.kind, state.fetch_count > 0);
    sc.due_ms = next;
    const QueueValue v{state.site,          lease.kind, lease.depth,
                       lease.discovered_by, false,      static_cast<uint32_t>(state.fetch_count)};
    QueueLocked(b, lease.url, sc.priority, next, EncodeQueueValue(v));
  }
  state.next_visit = next / 1000;
  b->batch()->Put(urls_cf_, lease.url, EncodeUrlState(state));
  PutSchedule(b, lease.url, sc);
  {
    std::lock_guard<std::mutex> lock(mu_);
    const SiteRuntime& rt = *site_rt_[lease.site];
    RecordWriter w;
    w.I64(rt.budget_day);
    w.U64(rt.budget_used);
    b->batch()->Put(frontier_cf_, BudgetKey(state.site), w.Take());
  }
  if (next_due_ms != nullptr) *next_due_ms = next;
  return Status::Ok();
}

Status Frontier::Release(const Lease& lease, int64_t retry_at_ms, FrontierBatch* b) {
  const QueueValue v{sites_.at(lease.site).id, lease.kind,     lease.depth,
                     lease.discovered_by,      lease.backfill, lease.fetches};
  if (retry_at_ms <= lease.due_ms) {
    std::lock_guard<std::mutex> lock(mu_);
    ApplyOpLocked({true, lease.key, EncodeQueueValue(v)});
    return Status::Ok();
  }
  Schedule sc;
  bool found = false;
  Status st = ReadSchedule(lease.url, &sc, &found);
  if (!st.ok()) return st;
  b->batch()->Delete(frontier_cf_, lease.key);
  b->ops_.push_back({false, lease.key, std::string()});
  QueueLocked(b, lease.url, lease.priority, retry_at_ms, EncodeQueueValue(v));
  sc.kind = lease.kind;
  sc.priority = lease.priority;
  sc.due_ms = retry_at_ms;
  sc.queued = true;
  PutSchedule(b, lease.url, sc);
  return Status::Ok();
}

Status Frontier::Reschedule(std::string_view url, int64_t due_ms, FrontierBatch* b) {
  Schedule sc;
  bool found = false;
  Status st = ReadSchedule(url, &sc, &found);
  if (!st.ok()) return st;
  std::string value;
  UrlState state;
  const rocksdb::Status s = db_->Get({}, urls_cf_, rocksdb::Slice(url.data(), url.size()), &value);
  if (!found || !sc.queued || !s.ok() || !DecodeUrlState(value, &state)) {
    return Status::NotFound("frontier: URL not queued");
  }
  const std::string old_key = QueueKey(HostOf(url), sc.priority, sc.due_ms, url);
  {
    std::lock_guard<std::mutex> lock(mu_);
    const auto it = host_index_.find(std::string(HostOf(url)));
    if (it != host_index_.end() && it->second->leased.count(old_key) != 0) return Status::Ok();
  }
  b->batch()->Delete(frontier_cf_, old_key);
  b->ops_.push_back({false, old_key, std::string()});
  sc.due_ms = due_ms;
  const QueueValue v{state.site,          sc.kind,     state.depth,
                     state.discovered_by, sc.backfill, static_cast<uint32_t>(state.fetch_count)};
  QueueLocked(b, url, sc.priority, due_ms, EncodeQueueValue(v));
  PutSchedule(b, url, sc);
  state.next_visit = due_ms / 1000;
  b->batch()->Put(urls_cf_, rocksdb::Slice(url.data(), url.size()), EncodeUrlState(state));
  return Status::Ok();
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
  b->ops_.clear();
  b->claims_.clear();
}

void Frontier::Abandon(FrontierBatch* b) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const std::string& url : b->claims_) claims_.erase(url);
  b->ops_.clear();
  b->claims_.clear();
}

uint8_t Frontier::SeenBy(std::string_view url) const {
  Schedule sc;
  bool found = false;
  return ReadSchedule(url, &sc, &found).ok() && found ? sc.seen_by : 0;
}

ListingModel Frontier::ListingModelOf(std::string_view url) const {
  Schedule sc;
  bool found = false;
  return ReadSchedule(url, &sc, &found).ok() && found ? sc.model : ListingModel();
}

FrontierSiteStats Frontier::Stats(int site) const {
  std::lock_guard<std::mutex> lock(mu_);
  FrontierSiteStats stats = site_rt_.at(site)->stats;
  for (int r = 0; r < kTrapReasonCount; ++r) {
    stats.trapped[r] = site_rt_[site]->guard.count(static_cast<TrapReason>(r));
  }
  stats.trapped[0] = 0;
  return stats;
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

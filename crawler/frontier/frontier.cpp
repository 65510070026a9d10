#include "crawler/frontier/frontier.h"

#include <algorithm>
#include <array>
#include <deque>
#include <limits>

#include "crawler/common/record_codec.h"
#include "crawler/frontier/frontier_internal.h"

namespace tincrawl {

using namespace frontier_internal;  // NOLINT(google-build-using-namespace): internal helpers.

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
    // A duplicate id keeps the first site's index, as the linear lookup did.
    site_index_.emplace(s.id, static_cast<int>(&s - sites_.data()));
    TrapLimits limits = options_.trap;
    limits.max_depth = s.recrawl.max_depth;
    site_rt_.push_back(std::make_unique<SiteRuntime>(limits, s.recrawl.pages_per_day));
  }
}

Frontier::~Frontier() = default;

Status Frontier::Open() {
  if (Status s = OpenHosts(); !s.ok()) return s;
  return RunRefills();  // Every host's first entries, whichever thread refills later.
}

Status Frontier::OpenHosts() {
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

// Writes a URL seen for the first time: its state, its schedule and its queue entry.
void Frontier::QueueNew(int site, const AddRequest& r, FrontierBatch* b) {
  UrlState state;
  state.status = UrlStatus::kPending;
  state.site = sites_[site].id;
  state.depth = r.depth;
  state.discovered_by = r.discovered_by;
  state.next_visit = r.due_ms / 1000;
  state.fetch_url = FetchFormToStore(r.url, r.fetch_url);
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
  const QueueValue v{sites_[site].id, r.kind, r.depth, r.discovered_by, r.backfill, 0,
                     state.fetch_url, {},     {}};
  QueueLocked(b, r.url, sc.priority, r.due_ms, EncodeQueueValue(v));
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
  QueueNew(site, r, b);
  *result = AddResult::kAdded;
  return Status::Ok();
}

namespace {

bool WaitsForRules(std::string_view last_outcome) {
  for (Outcome o : {Outcome::kRobotsDenied, Outcome::kPrivateAddress, Outcome::kTooLarge}) {
    if (last_outcome == OutcomeName(o)) return true;
  }
  return false;
}

}  // namespace

Status Frontier::AddKnown(int site, const AddRequest& r, const UrlState& state, FrontierBatch* b,
                          AddResult* result) {
  *result = AddResult::kKnown;
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++site_rt_[site]->stats.known;
    // The schedule is read, changed and written by this batch: claim it so no other batch
    // (nor a lease, see PopReady) changes it before this one commits. Already claimed means
    // another uncommitted batch is updating it; only this sighting's hints are lost.
    if (!claims_.emplace(r.url).second) return Status::Ok();
    b->claims_.emplace_back(r.url);
  }
  Schedule sc;
  bool found = false;
  Status st = ReadSchedule(r.url, &sc, &found);  // After the claim, so it is the latest.
  if (!st.ok() || !found) return st;
  const std::string old_key = QueueKey(HostOf(r.url), sc.priority, sc.due_ms, r.url);
  {
    // A leased URL's schedule belongs to Complete, which writes it when the fetch ends.
    std::lock_guard<std::mutex> lock(mu_);
    const auto it = host_index_.find(std::string(HostOf(r.url)));
    if (sc.queued && it != host_index_.end() && it->second->leased.count(old_key) != 0) {
      return Status::Ok();
    }
  }
  bool changed = (sc.seen_by & SourceBit(r.discovered_by)) == 0 || r.lastmod > sc.lastmod;
  sc.seen_by |= SourceBit(r.discovered_by);
  sc.lastmod = std::max(sc.lastmod, r.lastmod);
  // A URL never fetched comes forward when seen again (or back, when it was given up), unless
  // what keeps it out is a rule only a config change lifts (robots.txt, address policy, size
  // cap); one whose feed or sitemap says it changed comes forward too.
  const bool never_fetched = state.fetch_count == 0 && state.status != UrlStatus::kGone &&
                             !WaitsForRules(state.last_outcome);
  const bool announced = r.lastmod > 0 && state.fetch_count > 0 && r.lastmod > state.last_fetched;
  const bool pull = sc.queued ? (r.reschedule || never_fetched || announced) && r.due_ms < sc.due_ms
                              : never_fetched;
  if (pull) {
    PullForward(r, state, old_key, &sc, b);
    changed = true;
    *result = AddResult::kRescheduled;
  }
  if (changed) PutSchedule(b, r.url, sc);
  return Status::Ok();
}

// Queues a known URL at r.due_ms (dropping its old queue entry, if any).
void Frontier::PullForward(const AddRequest& r, const UrlState& state, const std::string& old_key,
                           Schedule* sc, FrontierBatch* b) {
  if (sc->queued) {
    b->batch()->Delete(frontier_cf_, old_key);
    b->ops_.push_back({false, old_key, std::string()});
  }
  sc->queued = true;
  sc->due_ms = r.due_ms;
  sc->backfill = r.backfill;
  const QueueValue v{state.site,          sc->kind,   state.depth,
                     state.discovered_by, r.backfill, static_cast<uint32_t>(state.fetch_count),
                     state.fetch_url,     state.etag, state.last_modified};
  QueueLocked(b, r.url, sc->priority, sc->due_ms, EncodeQueueValue(v));
  UrlState updated = state;
  updated.next_visit = sc->due_ms / 1000;
  b->batch()->Put(urls_cf_, rocksdb::Slice(r.url.data(), r.url.size()), EncodeUrlState(updated));
}

// The next visit after a fetch (0: none), per the outcome table of docs/outcomes.md. `prior`
// is the URL's state before this fetch; `state` is updated (status, gone).
int64_t Frontier::NextVisit(const Lease& lease, const FetchReport& report, const UrlState& prior,
                            UrlState* state, Schedule* sc) {
  const Recrawl& cfg = sites_[lease.site].recrawl;
  const int64_t now = report.now_ms;
  const bool listing = IsListingKind(lease.kind);
  const auto at = [now](double seconds) { return now + static_cast<int64_t>(seconds * 1000); };
  if (IsSuccess(report.outcome)) {
    // The recurring schedule is spread (Jittered); failure delays are exact.
    const auto spread = [&](double seconds) {
      return at(Jittered(seconds, cfg.jitter, lease.url, lease.fetches));
    };
    if (!listing) return spread(ArticleRevisitSeconds(state->fetch_count, cfg));
    const double elapsed =
        prior.last_fetched > 0 ? static_cast<double>(now / 1000 - prior.last_fetched) : 0.0;
    return spread(
        UpdateListingModel(&sc->model, elapsed, report.new_links, lease.fetches == 0, cfg));
  }
  const double backoff =
      FailureBackoffSeconds(state->consecutive_failures, std::max(cfg.listing_max_seconds, 3600.0));
  switch (FailureActionFor(report.outcome, report.http_status, report.robots_unavailable)) {
    case FailureAction::kCancelled:
      return at(60);
    case FailureAction::kRulesChange:
      return at(kRulesRecheckSeconds);
    case FailureAction::kRetry:
      return at(backoff);
    case FailureAction::kMaybeGone: {
      if (listing) return at(std::max(backoff, kGoneConfirmSeconds));  // Seeds never go.
      const bool seen_gone = (prior.http_status == 404 || prior.http_status == 410) &&
                             now / 1000 - prior.last_fetched >= kGoneConfirmSeconds;
      if (!seen_gone) return at(std::max(backoff, kGoneConfirmSeconds));
      state->status = UrlStatus::kGone;
      return 0;
    }
    case FailureAction::kGiveUp:
      if (state->consecutive_failures < kGiveUpAfter || listing) return at(backoff);
      return 0;  // Counted by Applied, once the batch that gives it up is written.
  }
  return at(backoff);
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
  const UrlState prior = state;
  RecordFetch(lease, report, &state);
  const int64_t next =
      report.next_due_ms ? *report.next_due_ms : NextVisit(lease, report, prior, &state, &sc);
  if (report.outcome != Outcome::kCancelled) state.last_fetched = report.now_ms / 1000;
  if (next == 0 && !report.next_due_ms && state.status != UrlStatus::kGone) {
    b->given_up_.push_back({lease.site, report.outcome});
  }

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
    const QueueValue v{state.site,
                       lease.kind,
                       lease.depth,
                       lease.discovered_by,
                       false,
                       static_cast<uint32_t>(state.fetch_count),
                       FetchFormToStore(lease.url, lease.fetch_url),
                       state.etag,
                       state.last_modified};
    QueueLocked(b, lease.url, sc.priority, next, EncodeQueueValue(v));
  }
  state.next_visit = next / 1000;
  b->batch()->Put(urls_cf_, lease.url, EncodeUrlState(state));
  PutSchedule(b, lease.url, sc);
  PutBudget(lease.site, b);
  if (next_due_ms != nullptr) *next_due_ms = next;
  return Status::Ok();
}

// The fetch's effect on the URL's record (counts, status, validators); a cancelled fetch only
// fills in the site and fetch form.
void Frontier::RecordFetch(const Lease& lease, const FetchReport& report, UrlState* state) const {
  const bool cancelled = report.outcome == Outcome::kCancelled;
  if (IsSuccess(report.outcome)) {
    ++state->fetch_count;
    state->consecutive_failures = 0;
    state->status = UrlStatus::kFetched;
  } else if (!cancelled) {
    ++state->consecutive_failures;
    if (state->fetch_count == 0) state->status = UrlStatus::kFailed;
  }
  if (!cancelled) {
    state->last_outcome = std::string(OutcomeName(report.outcome));
    state->http_status = report.http_status;
    if (!report.etag.empty()) state->etag = report.etag;
    if (!report.last_modified.empty()) state->last_modified = report.last_modified;
  }
  state->site = sites_[lease.site].id;
  if (state->fetch_url.empty()) state->fetch_url = FetchFormToStore(lease.url, lease.fetch_url);
}

void Frontier::PutBudget(int site, FrontierBatch* b) {
  std::lock_guard<std::mutex> lock(mu_);
  const SiteRuntime& rt = *site_rt_[site];
  RecordWriter w;
  w.I64(rt.budget_day);
  w.U64(rt.budget_used);
  b->batch()->Put(frontier_cf_, BudgetKey(sites_[site].id), w.Take());
}

Status Frontier::Release(const Lease& lease, int64_t retry_at_ms, FrontierBatch* b) {
  const QueueValue v{sites_.at(lease.site).id,
                     lease.kind,
                     lease.depth,
                     lease.discovered_by,
                     lease.backfill,
                     lease.fetches,
                     FetchFormToStore(lease.url, lease.fetch_url),
                     lease.etag,
                     lease.last_modified};
  if (retry_at_ms <= lease.due_ms) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      ApplyOpLocked({true, lease.key, EncodeQueueValue(v)});
    }
    RefillIfInline();
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

Status Frontier::GetSchedule(std::string_view url, UrlSchedule* schedule, bool* found) const {
  Schedule sc;
  const Status st = ReadSchedule(url, &sc, found);
  if (st.ok() && *found) *schedule = sc;
  return st;
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

}  // namespace tincrawl

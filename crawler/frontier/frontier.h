#pragma once

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <array>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "crawler/common/outcome.h"
#include "crawler/common/status.h"
#include "crawler/config/config.h"
#include "crawler/frontier/recrawl.h"
#include "crawler/frontier/trap_guard.h"
#include "crawler/store/store.h"
#include "crawler/url/url_classifier.h"

namespace tincrawl {

// Priority classes, best first. Among a host's due URLs a new article goes before a listing
// or feed recrawl, which goes before an article revisit; a listing overdue by more than
// FrontierOptions::listing_promote_ms jumps ahead of new articles so a deep backlog cannot
// starve discovery.
enum class Priority : uint8_t { kNew = 0, kListing = 1, kRevisit = 2 };
inline constexpr int kPriorityCount = 3;
const char* PriorityName(Priority p);

// The class a URL of `kind` gets: listings, feeds and sitemaps are kListing; other URLs are
// kNew before their first successful fetch and kRevisit after.
Priority PriorityFor(UrlKind kind, bool fetched_before);

struct FrontierOptions {
  int64_t listing_promote_ms = 30 * 60 * 1000;
  size_t prefetch = 8;  // Queue entries cached per host and class.
  TrapLimits trap;      // max_depth is taken from each site's recrawl.max_depth.
  // Where a host's cache is refilled from the database. True: at the end of the call that
  // needed it (PopReady, Applied, Release), outside the lock. False: only in RunRefills, which
  // the daemon runs on a worker, so PopReady (on the loop thread) never touches RocksDB; a
  // class is topped up before it runs dry, and a host waits out of the ready heap while a
  // class of it has no cached entry and may have some on disk.
  bool refill_inline = true;
};

// What Add is asked to queue. `url` must be normalized (UrlNormalizer) and on the site.
struct AddRequest {
  std::string_view url;
  std::string_view fetch_url;  // The form to request when it differs from `url` (the key).
  UrlKind kind = UrlKind::kUnknown;
  DiscoveredBy discovered_by = DiscoveredBy::kListing;
  int depth = 0;  // Seeds/feeds/sitemaps 0; links one more than their page; pagination keeps it.
  int64_t due_ms = 0;
  int64_t lastmod = 0;    // Unix seconds from a feed or sitemap; 0 = unknown.
  bool backfill = false;  // A pagination page walked in backfill mode.
  // When known: move its next visit earlier to due_ms (never later). Implied for a URL never
  // fetched successfully (a rediscovery brings it forward, or back when it was given up) and
  // for a lastmod newer than its last fetch.
  bool reschedule = false;
};

enum class AddResult : uint8_t { kAdded, kKnown, kRescheduled, kTrapped };

// A due URL handed to the pipeline. It stays leased (invisible to PopReady) until Complete or
// Release; a lease lives in memory only, so after a crash the URL is simply due again.
struct Lease {
  std::string url;        // The normalized key.
  std::string fetch_url;  // What to request: the URL as published (never empty).
  std::string host;
  int site = -1;  // Index into the sites given to the Frontier.
  UrlKind kind = UrlKind::kUnknown;
  DiscoveredBy discovered_by = DiscoveredBy::kSeed;
  Priority priority = Priority::kNew;
  int depth = 0;
  int64_t due_ms = 0;
  bool backfill = false;
  uint32_t fetches = 0;  // Completed fetches before this one.
  std::string etag;      // Validators of the last fetch, for a conditional GET.
  std::string last_modified;
  std::string key;  // The queue key (internal).

  // Pagination mode of a listing page: kBackfill on a listing's first walk (its first fetch,
  // or a page reached while backfilling), kSteady otherwise.
  CrawlMode mode() const {
    return (backfill || fetches == 0) ? CrawlMode::kBackfill : CrawlMode::kSteady;
  }
};

// The result of fetching a leased URL.
struct FetchReport {
  Outcome outcome = Outcome::kOk;
  int http_status = 0;
  std::string etag;
  std::string last_modified;
  int new_links = 0;                   // URLs this page added (AddResult::kAdded).
  std::optional<int64_t> next_due_ms;  // Overrides the recrawl model when set.
  bool robots_unavailable = false;     // The outcome is that of robots.txt (see FetchResult).
  int64_t now_ms = 0;
};

// Frontier writes gathered for one unit of work. They go into the caller's WriteBatch (so one
// page = one batch with its article), and the in-memory queue heads follow once the batch is
// written: call Frontier::Commit (writes and applies) or, when the caller writes the batch
// itself, Frontier::Applied after a successful write and Frontier::Abandon after a failed one.
class FrontierBatch {
 public:
  explicit FrontierBatch(rocksdb::WriteBatch* batch) : batch_(batch) {}
  rocksdb::WriteBatch* batch() const { return batch_; }
  bool empty() const { return ops_.empty() && claims_.empty(); }

 private:
  friend class Frontier;
  struct Op {
    bool insert = true;
    std::string key;
    std::string value;
  };
  rocksdb::WriteBatch* batch_;
  std::vector<Op> ops_;
  std::vector<std::string> claims_;  // URLs added here, invisible to other adders meanwhile.
  std::vector<std::pair<int, Outcome>> given_up_;  // (site, last outcome), counted once applied.
};

struct FrontierSiteStats {
  uint64_t added = 0;
  uint64_t known = 0;
  uint64_t leased = 0;  // Leases handed out since start.
  uint64_t budget_deferrals = 0;
  std::array<uint64_t, kTrapReasonCount> trapped{};
  std::array<uint64_t, kOutcomeCount> given_up{};  // URLs dropped for good, by last outcome.
};

// What the frontier's schedule record holds for one URL: when and why it is next due.
struct UrlSchedule {
  UrlKind kind = UrlKind::kUnknown;
  Priority priority = Priority::kNew;
  int64_t due_ms = 0;
  bool queued = false;    // It has a queue entry (due or leased); false once finished.
  bool backfill = false;  // Queued by an archive backfill (lower share of the budget).
  uint8_t seen_by = 0;    // Mask of the DiscoveredBy values that found it (bit 1 << value).
  int64_t lastmod = 0;    // The newest feed/sitemap lastmod seen, Unix seconds.
  ListingModel model;     // Listings: the adaptive recrawl model.
};

// The crawl frontier, persisted in two column families.
//
// `frontier` CF keys:
//   host '\0' priority(1) due_ms(8, big-endian) url -> QueueValue   the queue, one entry per URL
//   '\x01' url                                      -> Schedule     kind, queue position, model
//   '\x00' 'b' site                                 -> budget day and pages used
// `urls` CF: url -> UrlState (store.h), the record other modules read (status, validators,
// discovered_by, next_visit, fetch_count).
//
// Memory holds only, per host, the first `prefetch` queue entries of each class, its leases
// and a generation counter, plus a min-heap of hosts by ready time; everything else is a seek.
//
// Durability contract: a URL whose Add was committed is never lost (it is queued until its
// fetch completes, and then re-queued for its next visit unless gone). A URL whose Complete was
// committed is not handed out again before the next_due Complete computed. A URL leased but not
// completed when the process dies is due again at its old time after restart: it was not
// fetched successfully as far as the store knows.
//
// Thread-safe: every method may be called from any thread.
class Frontier {
 public:
  // `db` and the handles are not owned and must outlive the Frontier. `sites` are indexed as
  // given (the SiteRouter order).
  Frontier(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* urls_cf,
           rocksdb::ColumnFamilyHandle* frontier_cf, std::vector<SiteConfig> sites,
           FrontierOptions options = {});
  ~Frontier();
  Frontier(const Frontier&) = delete;
  Frontier& operator=(const Frontier&) = delete;

  // Loads host heads and budgets (one seek per host, no full scan). Call once before use.
  Status Open();

  // Queues a newly discovered URL unless `urls` already knows it (then records the extra
  // discovery source and, with reschedule, pulls its visit earlier) or a trap guard cuts it off
  // (counted per reason). Writes go into `batch`. *result says which.
  Status Add(int site, const AddRequest& request, FrontierBatch* batch, AddResult* result);

  // Returns the next URL due at `now_ms` and leases it, or nullopt when nothing is due.
  // `host_ok` (may be empty) is asked about each candidate host (politeness, circuit breaker);
  // hosts refused are skipped this time. Sites over pages_per_day are deferred to the next day
  // (Asia/Ho_Chi_Minh). O(log hosts) plus an occasional seek to refill a host's cache.
  std::optional<Lease> PopReady(int64_t now_ms,
                                const std::function<bool(std::string_view host)>& host_ok = {});

  // Records the fetch of a leased URL and re-queues it for its next visit: listings and feeds
  // per the adaptive model, articles after ArticleRevisitSeconds, failures per
  // FailureActionFor (docs/outcomes.md): retried with backoff, gone after a second 404/410 an
  // hour later, given up (counted) after kGiveUpAfter other 4xx. Listings are never dropped.
  // *next_due_ms receives the next visit (0 = none).
  Status Complete(const Lease& lease, const FetchReport& report, FrontierBatch* batch,
                  int64_t* next_due_ms);

  // Gives a lease back unfetched (cancelled, circuit open). The URL is due again at
  // max(its due time, retry_at_ms); nothing is written when that is its current time.
  Status Release(const Lease& lease, int64_t retry_at_ms, FrontierBatch* batch);

  // Writes `batch->batch()` to the database and applies its memory updates.
  Status Commit(FrontierBatch* batch, const rocksdb::WriteOptions& options = {});
  void Applied(FrontierBatch* batch);
  void Abandon(FrontierBatch* batch);

  // The schedule record of `url` (a normalized key), for `tincrawl url`; *found is false when
  // the frontier has never seen it. A plain read: the frontier need not be Open().
  Status GetSchedule(std::string_view url, UrlSchedule* schedule, bool* found) const;

  int SiteIndex(std::string_view site_id) const;
  FrontierSiteStats Stats(int site) const;
  size_t host_count() const;
  // The earliest time anything becomes due (for the scheduler's timer); nullopt when empty.
  // While refills are pending the answer is 0: what they will read may be due.
  std::optional<int64_t> NextReadyMs() const;

  // Runs the host-cache refills queued so far (seeks, outside the lock) and returns the first
  // error. With refill_inline false the daemon calls it from a worker whenever RefillsPending.
  Status RunRefills();
  bool RefillsPending() const;

 private:
  struct HostState;
  struct SiteRuntime;
  struct Schedule;

  Status OpenHosts();
  HostState* FindOrAddHost(std::string_view host, int site);
  std::optional<Lease> PopReadyLocked(int64_t now_ms,
                                      const std::function<bool(std::string_view host)>& host_ok);
  void RequestRefillLocked(HostState* h, int cls);
  Status RefillOne(uint32_t host, int cls);
  void RefillIfInline();
  void PushHostLocked(HostState* h);
  void ApplyToCacheLocked(HostState* h, int cls, const FrontierBatch::Op& op, int64_t due_ms);
  int PickClassLocked(const HostState& h, int64_t now_ms) const;
  bool ScheduleClaimedLocked(std::string_view queue_key) const;
  bool BudgetAllowsLocked(SiteRuntime* s, int64_t now_ms);
  void ApplyOpLocked(const FrontierBatch::Op& op);
  Status ReadSchedule(std::string_view url, Schedule* schedule, bool* found) const;
  Status AddKnown(int site, const AddRequest& r, const UrlState& state, FrontierBatch* b,
                  AddResult* result);
  void QueueNew(int site, const AddRequest& r, FrontierBatch* b);
  Lease LeaseFrontLocked(HostState* h, int cls);
  void RecordFetch(const Lease& lease, const FetchReport& report, UrlState* state) const;
  void PutBudget(int site, FrontierBatch* b);
  void PullForward(const AddRequest& r, const UrlState& state, const std::string& old_key,
                   Schedule* sc, FrontierBatch* b);
  void QueueLocked(FrontierBatch* b, std::string_view url, Priority p, int64_t due_ms,
                   const std::string& value);
  void PutSchedule(FrontierBatch* b, std::string_view url, const Schedule& s) const;
  int64_t NextVisit(const Lease& lease, const FetchReport& report, const UrlState& prior,
                    UrlState* state, Schedule* schedule);

  rocksdb::DB* db_;
  rocksdb::ColumnFamilyHandle* urls_cf_;
  rocksdb::ColumnFamilyHandle* frontier_cf_;
  std::vector<SiteConfig> sites_;
  std::unordered_map<std::string, int> site_index_;  // Site id -> index in sites_.
  FrontierOptions options_;

  mutable std::mutex mu_;
  std::vector<std::unique_ptr<SiteRuntime>> site_rt_;
  std::vector<std::unique_ptr<HostState>> hosts_;
  std::unordered_map<std::string, HostState*> host_index_;
  struct HeapItem {
    int64_t ready_ms;
    uint32_t host;
    uint64_t generation;
    bool operator>(const HeapItem& o) const { return ready_ms > o.ready_ms; }
  };
  std::vector<HeapItem> heap_;  // Min-heap (std::push_heap with greater).
  std::unordered_set<std::string> claims_;
  std::deque<std::pair<uint32_t, int>> refills_;  // (host index, class) to refill.
  int refills_running_ = 0;
};

}  // namespace tincrawl

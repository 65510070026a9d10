// The loop's periodic work: the 100 ms tick (retries, gauges, periodic jobs, watchdog, status).
#include <cstdio>
#include <cstdlib>
#include <string>

#include "crawler/common/heap.h"
#include "crawler/daemon/daemon.h"
#include "crawler/frontier/census.h"
#include "crawler/telemetry/log.h"

namespace tincrawl {
namespace {
constexpr int64_t kGaugeEveryMs = 5000;
constexpr int64_t kStatusEveryMs = 10000;
constexpr int64_t kCensusEveryMs = 30000;
constexpr int64_t kJobDeadlineMs = 30 * 1000;  // A page's processing; counted when past it.
constexpr int64_t kJobStuckMs = 300 * 1000;    // A worker this long on one job is stuck.
}  // namespace

void Crawler::StartCensus() {
  auto census = std::make_shared<std::vector<SiteCensus>>();
  int64_t now = NowMs();
  Background([this, census, now] { (void)CountFrontier(*store_, *router_, now, census.get()); },
             [this, census] {
               if (census->size() != sites_.size()) return;  // Sites changed meanwhile.
               for (size_t i = 0; i < sites_.size(); ++i) {
                 sites_[i].metrics->frontier[0]->Set(static_cast<double>((*census)[i].due));
                 sites_[i].metrics->frontier[2]->Set(static_cast<double>((*census)[i].scheduled));
               }
             });
}

void Crawler::OnTickTimer(uv_timer_t* t) { static_cast<Crawler*>(t->data)->Tick(); }

void Crawler::Tick() {
  int64_t now = NowMs();
  if (!retry_.empty() && now >= retry_at_ms_) {
    std::deque<std::shared_ptr<InFlight>> again;
    again.swap(retry_);
    for (auto& f : again) Dispatch(std::move(f));
  }
  FlushReleases();
  if (reload_requested_ && !reload_parsing_ && !draining_) StartReloadParse();
  Pump();
  if (now - last_gauges_ms_ >= kGaugeEveryMs) {
    last_gauges_ms_ = now;
    RefreshGauges();
    Background([this] { (void)spool_->Tick(); }, nullptr);
    int keep_days = config_.daemon.output.keep_raw_html_days;
    if (keep_days > 0) {
      int64_t cutoff = now / 1000 - int64_t{keep_days} * 86400;
      Background([this, cutoff] { (void)store_->PruneRaw(cutoff); }, nullptr);
    }
  }
  if (now - last_trim_ms_ >= int64_t{kReleaseFreeHeapEverySeconds} * 1000) {
    last_trim_ms_ = now;
    Background([] { ReleaseFreeHeap(); }, nullptr);  // Milliseconds on a big heap: off the loop.
  }
  if (now - last_census_ms_ >= kCensusEveryMs && !reloading_) {
    last_census_ms_ = now;
    StartCensus();
  }
  const bool workers_ok = CheckWorkers();
  uint64_t wd = notifier_.watchdog_usec();
  if (wd > 0 && workers_ok && static_cast<uint64_t>(now - last_watchdog_ms_) * 1000 >= wd / 2) {
    last_watchdog_ms_ = now;
    notifier_.Watchdog();  // From the loop itself: a stuck loop stops the pings.
  }
  if (now - last_status_ms_ >= kStatusEveryMs) {
    last_status_ms_ = now;
    notifier_.Status(StatusLine());
  }
  if (options_.progress && now - last_progress_ms_ >= 500) {
    last_progress_ms_ = now;
    std::fprintf(stderr, "\r%s\x1b[K", StatusLine().c_str());
  }
  MaybeFinish();
}

void Crawler::RefreshGauges() {
  metrics_.store_bytes->Set(static_cast<double>(store_->TotalSstBytes()));
  metrics_.store_pending_compaction_bytes->Set(
      static_cast<double>(store_->PendingCompactionBytes()));
  const Store::MemoryUsage mem = store_->Memory();
  metrics_.store_memory_memtables->Set(static_cast<double>(mem.memtables));
  metrics_.store_memory_block_cache->Set(static_cast<double>(mem.block_cache));
  metrics_.store_memory_table_readers->Set(static_cast<double>(mem.table_readers));
  metrics_.dedup_index_bytes->Set(static_cast<double>(dedup_->IndexMemoryBytes()));
  metrics_.dedup_index_articles->Set(static_cast<double>(dedup_->indexed()));
  for (size_t i = 0; i < sites_.size(); ++i) {
    const CrawlSite& s = sites_[i];
    bool open = false;
    for (const auto& host : s.config.hosts) {
      open = open || http_->HostState(host).circuit == CircuitState::kOpen;
    }
    s.metrics->circuit_open->Set(open ? 1 : 0);
    s.metrics->delay->Set(http_->SiteDelaySeconds(s.config.id));
    s.metrics->frontier[1]->Set(static_cast<double>(inflight_per_site_[i]));
    ExportFrontierStats(i);
  }
}

// The frontier counts since it was built (a reload builds a new one); the counters advance by
// what it counted since the last export.
void Crawler::ExportFrontierStats(size_t site) {
  if (exported_stats_.size() != sites_.size()) exported_stats_.assign(sites_.size(), {});
  const FrontierSiteStats now = frontier_->Stats(static_cast<int>(site));
  FrontierSiteStats& last = exported_stats_[site];
  const auto advance = [](prometheus::Counter* c, uint64_t current, uint64_t* seen) {
    if (current < *seen) *seen = 0;  // A new frontier started counting from zero.
    c->Increment(static_cast<double>(current - *seen));
    *seen = current;
  };
  const SiteMetrics& m = *sites_[site].metrics;
  advance(m.links_added, now.added, &last.added);
  advance(m.links_known, now.known, &last.known);
  advance(m.leases, now.leased, &last.leased);
  advance(m.budget_deferrals, now.budget_deferrals, &last.budget_deferrals);
  for (int i = 0; i < kOutcomeCount; ++i) {
    if (m.given_up[i] != nullptr) advance(m.given_up[i], now.given_up[i], &last.given_up[i]);
  }
}

// The workers' heartbeat. A job past kJobDeadlineMs is counted; one past kJobStuckMs means a
// stuck worker (no page needs that long: extraction is bounded by the HTML guard), and the
// daemon must restart: under a systemd watchdog the pings stop, so systemd restarts it (with a
// core dump of where it hangs); without one, it exits 1 at once. Either way it is a kill -9 as
// far as the data goes, which loses nothing committed.
bool Crawler::CheckWorkers() {
  const WorkerHealth health = pool_->Health(WorkerPool::MonotonicMs(), kJobDeadlineMs);
  if (health.newly_overdue > 0) {
    metrics_.worker_jobs_overdue->Increment(health.newly_overdue);
    LogWarn("a worker job is past its deadline",
            {{"seconds", std::to_string(health.oldest_job_ms / 1000)}});
  }
  metrics_.worker_oldest_job_seconds->Set(static_cast<double>(health.oldest_job_ms) / 1000.0);
  if (health.oldest_job_ms < kJobStuckMs) return true;
  if (!worker_stuck_logged_) {
    worker_stuck_logged_ = true;
    LogError("a worker is stuck; restarting the service",
             {{"seconds", std::to_string(health.oldest_job_ms / 1000)},
              {"watchdog", notifier_.watchdog_usec() > 0 ? "pings stopped" : "none: exiting"}});
  }
  if (notifier_.watchdog_usec() == 0) std::_Exit(EXIT_FAILURE);
  return false;
}

std::string Crawler::StatusLine() const {
  char buf[256];
  std::snprintf(
      buf, sizeof buf,
      "fetched %lld (ok %lld, failed %lld), articles new %lld updated %lld "
      "duplicates %lld, in flight %zu",
      static_cast<long long>(counters_.fetched.load()),
      static_cast<long long>(counters_.fetch_ok.load()),
      static_cast<long long>(counters_.fetch_failed.load()),
      static_cast<long long>(counters_.articles_new.load()),
      static_cast<long long>(counters_.articles_updated.load()),
      static_cast<long long>(counters_.duplicates_exact.load() + counters_.duplicates_near.load()),
      inflight_);
  return buf;
}

}  // namespace tincrawl

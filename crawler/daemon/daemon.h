#pragma once

#include <uv.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "crawler/config/config.h"
#include "crawler/daemon/loop_lag.h"
#include "crawler/daemon/sd_notify.h"
#include "crawler/daemon/worker_pool.h"
#include "crawler/net/http_client.h"
#include "crawler/pipeline/page_processor.h"
#include "crawler/sink/sink.h"
#include "crawler/telemetry/metrics.h"

namespace tincrawl {

struct CrawlOptions {
  bool one_shot = false;                // `tincrawl crawl`: stop when nothing is due.
  std::vector<std::string> only_sites;  // --site; empty = every enabled site.
  int64_t max_pages = 0;                // --max-pages; 0 = unlimited.
  bool progress = false;                // Progress line on stderr (crawl on a TTY).
  double idle_horizon_seconds = 2.0;    // One-shot: idle when nothing is due this soon.
};

// The daemon: wires config, store, frontier, HTTP client, worker pool, metrics and signals
// around one libuv loop. The loop thread leases due URLs from the frontier and hands them to
// the HttpClient; finished fetches go to the worker pool (PageProcessor); nothing on the loop
// parses or writes to disk.
class Crawler {
 public:
  Crawler(Config config, CrawlOptions options);
  ~Crawler();
  Crawler(const Crawler&) = delete;
  Crawler& operator=(const Crawler&) = delete;

  // Opens the store (clear error for foreign/corrupt directories), spool, deduper, frontier,
  // metrics endpoint and HTTP client, and queues every site's seeds, feeds and sitemaps.
  Status Open();

  // Runs the loop until SIGTERM/SIGINT (drained within drain_seconds) or, in one-shot mode,
  // until nothing is due. Returns the status of the shutdown.
  Status Run();

  const CrawlCounters& counters() const { return counters_; }
  Metrics& metrics() { return metrics_; }

 private:
  struct InFlight;
  struct SiteBuild {
    std::vector<CrawlSite> sites;
    std::unique_ptr<SiteRouter> router;
    std::unique_ptr<Frontier> frontier;
  };
  struct ParsedConfig {
    Config config;
    std::vector<ConfigError> errors;
  };

  Status OpenState();
  Status OpenSink();
  Status PrepareSites(const Config& config, SiteBuild* out) const;
  void InstallSites(SiteBuild build);
  void StartReloadParse();
  void OnReloadParsed(ParsedConfig parsed);
  void ApplyReload();
  void FinishReload(Config next, SiteBuild build, Status built);
  void StartCensus();
  // Runs `work` on a worker, then `done` on the loop; false (nothing runs) when the pool is full.
  bool Background(std::function<void()> work, std::function<void()> done);
  void ReleaseLease(const Lease& lease, int64_t retry_at_ms);
  void FlushReleases();
  bool HoldForStorage(std::shared_ptr<InFlight>& f);
  bool CheckWorkers();
  void Finished(const InFlight& f);
  Status StartLoop();
  void SeedSites();
  void Pump();
  void ScheduleRefills();
  void StartFetch(Lease lease);
  void OnFetched(std::shared_ptr<InFlight> f, FetchResult result);
  void CountFetch(const CrawlSite& site, const FetchResult& result);
  void Dispatch(std::shared_ptr<InFlight> f);
  void OnProcessed(std::shared_ptr<InFlight> f);
  void OnSitemaps(const std::string& site_id, const std::vector<std::string>& sitemaps);
  void Tick();
  void RefreshGauges();
  void ExportFrontierStats(size_t site);
  void MaybeFinish();
  void BeginDrain(const char* why);
  void Close();
  void OnReload();
  bool HostAvailable(std::string_view host);
  int64_t NowMs() const;
  std::string StatusLine() const;

  static void OnTickTimer(uv_timer_t* t);
  static void OnSignal(uv_signal_t* s, int signum);

  Config config_;
  CrawlOptions options_;
  Metrics metrics_;
  SdNotifier notifier_;
  CrawlCounters counters_;

  uv_loop_t loop_{};
  std::unique_ptr<Store> store_;
  std::unique_ptr<Deduper> dedup_;
  std::unique_ptr<Spool> spool_;
  std::unique_ptr<PostgresSink> sink_;  // output.postgres; reads spool_, so declared after it.
  std::unique_ptr<WarcWriter> warc_;    // When output.warc is on.
  std::vector<CrawlSite> sites_;
  std::unique_ptr<SiteRouter> router_;
  std::unique_ptr<Frontier> frontier_;
  std::unique_ptr<PageProcessor> processor_;
  std::unique_ptr<HttpClient> http_;
  std::unique_ptr<WorkerPool> pool_;
  std::unique_ptr<LoopLagMonitor> lag_;

  uv_timer_t tick_{};
  uv_timer_t drain_timer_{};
  uv_signal_t sigterm_{}, sigint_{}, sighup_{};

  std::deque<std::shared_ptr<InFlight>> backlog_;  // Fetched, waiting for a worker slot.
  std::deque<std::shared_ptr<InFlight>> retry_;    // Processing failed (disk full): retry later.
  struct PendingRelease {
    Lease lease;
    int64_t retry_at_ms = 0;
  };
  std::deque<PendingRelease> releases_;  // Leases to give back, not yet handed to a worker.
  bool release_job_ = false;             // A worker is writing a batch of releases.
  bool refill_job_ = false;              // A worker is refilling the frontier's host caches.
  int64_t io_error_since_ms_ = 0;        // First of a run of store/spool I/O errors; 0: none.
  Status fatal_;                         // Why the daemon stops on its own (Run returns it).
  bool worker_stuck_logged_ = false;
  size_t held_body_bytes_ = 0;  // Bodies fetched, waiting for or in processing.
  std::vector<int> inflight_per_site_;
  std::vector<FrontierSiteStats> exported_stats_;  // What ExportFrontierStats last counted.
  size_t inflight_ = 0;                            // Leased and not yet processed.
  int64_t started_ = 0;                            // Fetches started (for --max-pages).
  int64_t retry_at_ms_ = 0;
  int64_t last_status_ms_ = 0;
  int64_t last_gauges_ms_ = 0;
  int64_t last_watchdog_ms_ = 0;
  int64_t last_progress_ms_ = 0;
  bool paused_ = false;  // Store cannot write (disk full): no new fetches.
  bool draining_ = false;
  bool closing_ = false;
  bool reloading_ = false;  // A valid new config waits for in-flight work to finish.
  std::optional<Config> pending_reload_;
  bool reload_parsing_ = false;    // A worker is reading the config files (SIGHUP).
  bool reload_again_ = false;      // Another SIGHUP came meanwhile: read them once more.
  bool reload_requested_ = false;  // The pool was full: the tick starts the parse.
  int background_jobs_ = 0;        // Pool jobs not tied to a lease (census, spool tick, seeding).
  int64_t last_census_ms_ = 0;
  int64_t last_trim_ms_ = 0;  // ReleaseFreeHeap.
};

}  // namespace tincrawl

#pragma once

#include <prometheus/counter.h>
#include <prometheus/exposer.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <array>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "crawler/common/outcome.h"
#include "crawler/common/status.h"
#include "crawler/config/config.h"

namespace tincrawl {

// Kinds of article results (label `kind` of tincrawl_articles_total).
enum class ArticleKind { kNew, kUpdated, kDuplicateExact, kDuplicateNear, kUnchanged };
inline constexpr int kArticleKindCount = 5;
const char* ArticleKindName(ArticleKind kind);

// Reasons an extraction failed (label `reason` of tincrawl_extract_failures_total).
enum class ExtractFailure { kNoContent, kNoTitle, kNoDate, kBinary, kTooLarge, kEmpty, kOther };
inline constexpr int kExtractFailureCount = 7;
const char* ExtractFailureName(ExtractFailure reason);

// Frontier states (label `state` of tincrawl_frontier_urls).
inline constexpr std::array<const char*, 3> kFrontierStates = {"due", "inflight", "scheduled"};

// References to every per-site series, created when the site's config loads (Family::Add is
// slow and must stay off the hot path). Pointers stay valid until RemoveSite().
struct SiteMetrics {
  std::array<prometheus::Counter*, kOutcomeCount> fetches{};
  std::array<prometheus::Counter*, kArticleKindCount> articles{};
  std::array<prometheus::Counter*, kExtractFailureCount> extract_failures{};
  prometheus::Counter* response_bytes = nullptr;
  prometheus::Counter* robots_denied = nullptr;
  prometheus::Counter* extract_fallback = nullptr;
  prometheus::Counter* tls_ca_file = nullptr;
  prometheus::Counter* tls_legacy = nullptr;
  prometheus::Counter* tls_seclevel = nullptr;
  prometheus::Counter* tls_noverify = nullptr;
  prometheus::Gauge* last_success = nullptr;
  prometheus::Gauge* last_new_article = nullptr;
  prometheus::Gauge* consecutive_failures = nullptr;
  prometheus::Gauge* circuit_open = nullptr;
  prometheus::Gauge* delay = nullptr;  // Current politeness delay (largest over its hosts).
  std::array<prometheus::Gauge*, kFrontierStates.size()> frontier{};
  prometheus::Counter* links_added = nullptr;       // Discovered links queued for the first time.
  prometheus::Counter* links_known = nullptr;       // Discovered links the frontier already knew.
  prometheus::Counter* leases = nullptr;            // URLs handed out for fetching.
  prometheus::Counter* budget_deferrals = nullptr;  // Hosts held back by pages_per_day.
  // URLs the frontier dropped for good, by their last outcome; only the outcomes that can give
  // up a URL (docs/outcomes.md: http_4xx, redirect, error) have a series, the rest are null.
  std::array<prometheus::Counter*, kOutcomeCount> given_up{};
};

// The process's metrics registry, optional HTTP exposer and process collector. Thread-safe:
// prometheus-cpp metrics are atomic; AddSite/RemoveSite/Site take a mutex.
class Metrics {
 public:
  Metrics();
  ~Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // Starts serving /metrics on `config.listen` (no-op when disabled). Returns an error when the
  // address cannot be bound.
  Status Serve(const MetricsConfig& config);

  // Creates (or keeps) the series of `site_id`; returns references valid until RemoveSite.
  SiteMetrics* AddSite(const std::string& site_id);
  // Removes every series labelled with `site_id`.
  void RemoveSite(const std::string& site_id);
  // The site's series, or nullptr when the site is not configured.
  SiteMetrics* Site(const std::string& site_id);

  // Text exposition of everything (what /metrics serves), for tests and `tincrawl sites`.
  std::string Scrape() const;

  std::shared_ptr<prometheus::Registry> registry() { return registry_; }

  // Process-wide series.
  prometheus::Gauge* up = nullptr;
  prometheus::Gauge* inflight = nullptr;
  prometheus::Gauge* sites_configured = nullptr;
  prometheus::Gauge* store_bytes = nullptr;
  prometheus::Gauge* buffered_body_bytes = nullptr;   // Response bodies held in memory.
  prometheus::Gauge* dedup_index_bytes = nullptr;     // Memory of the near-duplicate index.
  prometheus::Gauge* dedup_index_articles = nullptr;  // Articles in it.
  prometheus::Gauge* store_pending_compaction_bytes = nullptr;
  // RocksDB's memory by part: memtables, block_cache, table_readers.
  prometheus::Gauge* store_memory_memtables = nullptr;
  prometheus::Gauge* store_memory_block_cache = nullptr;
  prometheus::Gauge* store_memory_table_readers = nullptr;
  prometheus::Gauge* store_paused = nullptr;
  prometheus::Counter* store_write_errors = nullptr;
  prometheus::Counter* spool_lines = nullptr;
  prometheus::Counter* warc_errors = nullptr;
  prometheus::Counter* reload_ok = nullptr;
  prometheus::Counter* reload_failed = nullptr;
  prometheus::Histogram* loop_lag = nullptr;
  std::array<prometheus::Histogram*, 5> fetch_phase{};  // dns, connect, tls, first_byte, total
  prometheus::Counter* urls_dropped_scope = nullptr;
  prometheus::Counter* urls_dropped_trap = nullptr;
  prometheus::Counter* urls_dropped_robots = nullptr;
  prometheus::Counter* worker_queue_full = nullptr;
  prometheus::Counter* worker_jobs_overdue = nullptr;      // Jobs that ran past the deadline.
  prometheus::Gauge* worker_oldest_job_seconds = nullptr;  // Age of the longest-running job.
  // Pages the HTML guard parsed only in part, by Article::guard ("depth", "elements", "work",
  // "parser"); nullptr for any other value.
  prometheus::Counter* ExtractGuarded(std::string_view reason) const;
  // Failed spool operations, by SpoolErrorName ("no_space", "file_too_large", "io_error",
  // "fsync", "wal_sync", "markers"); nullptr for any other value.
  prometheus::Counter* SpoolErrors(std::string_view reason) const;
  // The PostgreSQL sink (crawler/sink/): seconds the database is behind the spool (0 when
  // caught up), committed lines by op ("insert", "update", "skip", "reject") and failures by
  // reason ("connect", "schema", "query", "rejected", "spool", "position"); nullptr for any
  // other label value.
  prometheus::Gauge* sink_lag = nullptr;
  prometheus::Counter* SinkRows(std::string_view op) const;
  prometheus::Counter* SinkErrors(std::string_view reason) const;

 private:
  void CreateProcessSeries();
  void CreatePipelineSeries();
  void CreateSinkSeries();

  std::shared_ptr<prometheus::Registry> registry_;
  std::map<std::string, prometheus::Counter*, std::less<>> extract_guarded_;
  std::map<std::string, prometheus::Counter*, std::less<>> spool_errors_;
  std::map<std::string, prometheus::Counter*, std::less<>> sink_rows_;
  std::map<std::string, prometheus::Counter*, std::less<>> sink_errors_;
  std::unique_ptr<prometheus::Exposer> exposer_;
  std::shared_ptr<prometheus::Collectable> process_;

  prometheus::Family<prometheus::Counter>* fetches_;
  prometheus::Family<prometheus::Counter>* response_bytes_;
  prometheus::Family<prometheus::Counter>* robots_denied_;
  prometheus::Family<prometheus::Counter>* tls_relaxed_;
  prometheus::Family<prometheus::Counter>* articles_;
  prometheus::Family<prometheus::Counter>* extract_failures_;
  prometheus::Family<prometheus::Counter>* extract_fallback_;
  prometheus::Family<prometheus::Gauge>* last_success_;
  prometheus::Family<prometheus::Gauge>* last_new_article_;
  prometheus::Family<prometheus::Gauge>* consecutive_failures_;
  prometheus::Family<prometheus::Gauge>* circuit_open_;
  prometheus::Family<prometheus::Gauge>* site_delay_;
  prometheus::Family<prometheus::Gauge>* frontier_urls_;
  prometheus::Family<prometheus::Counter>* frontier_links_;
  prometheus::Family<prometheus::Counter>* frontier_leases_;
  prometheus::Family<prometheus::Counter>* budget_deferrals_;
  prometheus::Family<prometheus::Counter>* given_up_;

  std::mutex mu_;
  std::map<std::string, std::unique_ptr<SiteMetrics>> sites_;
};

// Fetch-phase names, in the order of Metrics::fetch_phase.
inline constexpr std::array<const char*, 5> kFetchPhases = {"dns", "connect", "tls", "first_byte",
                                                            "total"};

}  // namespace tincrawl

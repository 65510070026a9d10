#include "crawler/telemetry/metrics.h"

#include <dirent.h>
#include <prometheus/text_serializer.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <exception>
#include <fstream>
#include <sstream>

namespace tincrawl {

namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

MetricFamily OneValue(const char* name, const char* help, MetricType type, double value) {
  MetricFamily f;
  f.name = name;
  f.help = help;
  f.type = type;
  ClientMetric m;
  if (type == MetricType::Counter) {
    m.counter.value = value;
  } else {
    m.gauge.value = value;
  }
  f.metric.push_back(m);
  return f;
}

size_t CountOpenFds() {
  size_t n = 0;
  if (DIR* d = opendir("/proc/self/fd")) {
    while (readdir(d) != nullptr) ++n;
    closedir(d);
    n = n >= 3 ? n - 3 : 0;  // ".", ".." and the DIR's own descriptor.
  }
  return n;
}

double BootTime() {
  std::ifstream stat("/proc/stat");
  std::string key;
  double value = 0;
  while (stat >> key) {
    if (key == "btime") {
      stat >> value;
      return value;
    }
    stat.ignore(1 << 16, '\n');
  }
  return 0;
}

// The standard process_* series, read from /proc at scrape time.
class ProcessCollector : public prometheus::Collectable {
 public:
  std::vector<MetricFamily> Collect() const override {
    std::vector<MetricFamily> out;
    std::ifstream f("/proc/self/stat");
    std::string content((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    // Fields after the parenthesised command name (which may contain spaces).
    size_t close = content.rfind(')');
    if (close == std::string::npos) return out;
    std::istringstream rest(content.substr(close + 2));
    std::vector<std::string> fields;
    for (std::string tok; rest >> tok;) fields.push_back(tok);
    if (fields.size() < 22) return out;
    const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
    const double page = static_cast<double>(sysconf(_SC_PAGESIZE));
    double cpu = (std::stod(fields[11]) + std::stod(fields[12])) / ticks;  // utime + stime
    double start = BootTime() + std::stod(fields[19]) / ticks;
    double vsize = std::stod(fields[20]);
    double rss = std::stod(fields[21]) * page;
    rlimit lim{};
    getrlimit(RLIMIT_NOFILE, &lim);
    out.push_back(OneValue("process_cpu_seconds_total", "Total user and system CPU time spent.",
                           MetricType::Counter, cpu));
    out.push_back(OneValue("process_resident_memory_bytes", "Resident memory size in bytes.",
                           MetricType::Gauge, rss));
    out.push_back(OneValue("process_virtual_memory_bytes", "Virtual memory size in bytes.",
                           MetricType::Gauge, vsize));
    out.push_back(OneValue("process_open_fds", "Number of open file descriptors.",
                           MetricType::Gauge, static_cast<double>(CountOpenFds())));
    out.push_back(OneValue("process_max_fds", "Maximum number of open file descriptors.",
                           MetricType::Gauge, static_cast<double>(lim.rlim_cur)));
    out.push_back(OneValue("process_start_time_seconds",
                           "Start time of the process since unix epoch in seconds.",
                           MetricType::Gauge, start));
    return out;
  }
};

prometheus::Family<prometheus::Counter>* CounterFamily(prometheus::Registry& r, const char* name,
                                                       const char* help) {
  return &prometheus::BuildCounter().Name(name).Help(help).Register(r);
}

prometheus::Family<prometheus::Gauge>* GaugeFamily(prometheus::Registry& r, const char* name,
                                                   const char* help) {
  return &prometheus::BuildGauge().Name(name).Help(help).Register(r);
}

}  // namespace

const char* ArticleKindName(ArticleKind kind) {
  static const char* kNames[] = {"new", "updated", "duplicate_exact", "duplicate_near",
                                 "unchanged"};
  return kNames[static_cast<int>(kind)];
}

const char* ExtractFailureName(ExtractFailure reason) {
  static const char* kNames[] = {"no_content", "no_title", "no_date", "binary",
                                 "too_large",  "empty",    "other"};
  return kNames[static_cast<int>(reason)];
}

namespace {

prometheus::Counter* Lookup(const std::map<std::string, prometheus::Counter*, std::less<>>& series,
                            std::string_view label) {
  const auto it = series.find(label);
  return it == series.end() ? nullptr : it->second;
}

}  // namespace

prometheus::Counter* Metrics::ExtractGuarded(std::string_view reason) const {
  return Lookup(extract_guarded_, reason);
}

prometheus::Counter* Metrics::SpoolErrors(std::string_view reason) const {
  return Lookup(spool_errors_, reason);
}

prometheus::Counter* Metrics::SinkRows(std::string_view op) const { return Lookup(sink_rows_, op); }

prometheus::Counter* Metrics::SinkErrors(std::string_view reason) const {
  return Lookup(sink_errors_, reason);
}

Metrics::Metrics() : registry_(std::make_shared<prometheus::Registry>()) {
  auto& r = *registry_;
  fetches_ = CounterFamily(r, "tincrawl_fetches_total", "Fetches completed, by site and outcome.");
  response_bytes_ = CounterFamily(r, "tincrawl_response_bytes_total",
                                  "Response body bytes received (decoded), by site.");
  robots_denied_ = CounterFamily(r, "tincrawl_robots_denied_total",
                                 "URLs not fetched because robots.txt disallows them.");
  tls_relaxed_ = CounterFamily(r, "tincrawl_tls_relaxed_fetches_total",
                               "Fetches made under a relaxed TLS setting, by site and setting.");
  articles_ = CounterFamily(r, "tincrawl_articles_total", "Articles processed, by site and kind.");
  extract_failures_ = CounterFamily(r, "tincrawl_extract_failures_total",
                                    "Article pages that gave no usable article, by reason.");
  extract_fallback_ =
      CounterFamily(r, "tincrawl_extract_fallback_total",
                    "Pages where site rules failed and generic extraction was used.");
  last_success_ = GaugeFamily(r, "tincrawl_site_last_success_timestamp_seconds",
                              "Time of the last successful fetch of the site.");
  last_new_article_ = GaugeFamily(r, "tincrawl_site_last_new_article_timestamp_seconds",
                                  "Time the site last yielded a new article.");
  consecutive_failures_ = GaugeFamily(r, "tincrawl_site_consecutive_failures",
                                      "Consecutive failed fetches of the site.");
  circuit_open_ = GaugeFamily(r, "tincrawl_site_circuit_open",
                              "1 while a host of the site has its circuit breaker open.");
  site_delay_ = GaugeFamily(r, "tincrawl_site_delay_seconds",
                            "Current delay between requests to the site's hosts (the largest; "
                            "grows on 429 and Retry-After, relaxes after successes).");
  frontier_urls_ = GaugeFamily(r, "tincrawl_frontier_urls", "URLs in the frontier, by state.");
  frontier_links_ = CounterFamily(r, "tincrawl_frontier_links_total",
                                  "Discovered links offered to the frontier, by result.");
  frontier_leases_ =
      CounterFamily(r, "tincrawl_frontier_leases_total", "URLs the frontier handed out to fetch.");
  budget_deferrals_ = CounterFamily(r, "tincrawl_frontier_budget_deferrals_total",
                                    "Times a host was held back by its site's pages_per_day.");
  given_up_ = CounterFamily(r, "tincrawl_urls_given_up_total",
                            "URLs no longer fetched after repeated permanent errors, by reason.");
  CreateProcessSeries();
  process_ = std::make_shared<ProcessCollector>();
}

void Metrics::CreateProcessSeries() {
  auto& r = *registry_;
  GaugeFamily(r, "tincrawl_build_info", "Build information; always 1.")
      ->Add({{"version", TINCRAWL_VERSION}})
      .Set(1);
  up = &GaugeFamily(r, "tincrawl_up", "1 while the daemon runs.")->Add({});
  inflight = &GaugeFamily(r, "tincrawl_inflight_fetches", "Transfers in flight.")->Add({});
  sites_configured =
      &GaugeFamily(r, "tincrawl_sites_configured", "Enabled sites in the loaded config.")->Add({});
  store_bytes = &GaugeFamily(r, "tincrawl_store_bytes", "Size of the store's SST files.")->Add({});
  buffered_body_bytes =
      &GaugeFamily(r, "tincrawl_buffered_body_bytes",
                   "Response bodies held in memory: arriving, or fetched and not yet processed.")
           ->Add({});
  dedup_index_bytes = &GaugeFamily(r, "tincrawl_dedup_index_bytes",
                                   "Memory held by the in-memory near-duplicate index.")
                           ->Add({});
  dedup_index_articles = &GaugeFamily(r, "tincrawl_dedup_index_articles",
                                      "Articles in the in-memory near-duplicate index.")
                              ->Add({});
  store_pending_compaction_bytes = &GaugeFamily(r, "tincrawl_store_pending_compaction_bytes",
                                                "Bytes RocksDB estimates compaction must rewrite.")
                                        ->Add({});
  auto* store_memory = GaugeFamily(r, "tincrawl_store_memory_bytes",
                                   "Memory RocksDB holds, by part (the block cache is bounded by "
                                   "store.block_cache_bytes).");
  store_memory_memtables = &store_memory->Add({{"part", "memtables"}});
  store_memory_block_cache = &store_memory->Add({{"part", "block_cache"}});
  store_memory_table_readers = &store_memory->Add({{"part", "table_readers"}});
  store_paused = &GaugeFamily(r, "tincrawl_store_paused",
                              "1 while fetching is paused because the store cannot write.")
                      ->Add({});
  store_write_errors =
      &CounterFamily(r, "tincrawl_store_write_errors_total", "Failed store writes.")->Add({});
  CreatePipelineSeries();
  CreateSinkSeries();
  loop_lag = &prometheus::BuildHistogram()
                  .Name("tincrawl_loop_lag_seconds")
                  .Help("Event loop lag: how late a periodic timer fired.")
                  .Register(r)
                  .Add({}, prometheus::Histogram::BucketBoundaries{0.0005, 0.001, 0.0025, 0.005,
                                                                   0.01, 0.025, 0.05, 0.1, 0.5, 1});
  auto& phases = prometheus::BuildHistogram()
                     .Name("tincrawl_fetch_duration_seconds")
                     .Help("Fetch time by phase (cumulative from the start of the transfer).")
                     .Register(r);
  for (size_t i = 0; i < kFetchPhases.size(); ++i) {
    fetch_phase[i] = &phases.Add({{"phase", kFetchPhases[i]}},
                                 prometheus::Histogram::BucketBoundaries{
                                     0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30});
  }
  up->Set(1);
}

// Series of the spool, WARC, reloads, link drops, the HTML guard and worker backpressure.
void Metrics::CreatePipelineSeries() {
  auto& r = *registry_;
  spool_lines =
      &CounterFamily(r, "tincrawl_spool_lines_total", "Lines appended to the spool.")->Add({});
  warc_errors = &CounterFamily(r, "tincrawl_warc_errors_total",
                               "WARC exchanges not archived (write failed, truncated away).")
                     ->Add({});
  auto* spool_errors = CounterFamily(r, "tincrawl_spool_errors_total",
                                     "Failed spool writes, syncs and marker updates, by reason.");
  for (const char* reason :
       {"no_space", "file_too_large", "io_error", "fsync", "wal_sync", "markers"}) {
    spool_errors_[reason] = &spool_errors->Add({{"reason", reason}});
  }
  auto* reloads = CounterFamily(r, "tincrawl_config_reloads_total", "Config reloads, by result.");
  reload_ok = &reloads->Add({{"result", "success"}});
  reload_failed = &reloads->Add({{"result", "failure"}});
  auto* dropped =
      CounterFamily(r, "tincrawl_urls_dropped_total", "Discovered URLs not queued, by reason.");
  urls_dropped_scope = &dropped->Add({{"reason", "out_of_scope"}});
  urls_dropped_trap = &dropped->Add({{"reason", "trap"}});
  urls_dropped_robots = &dropped->Add({{"reason", "robots"}});
  auto* guarded = CounterFamily(r, "tincrawl_extract_guarded_total",
                                "Pages parsed only in part by the HTML guard, by reason.");
  for (const char* reason : {"depth", "elements", "work", "parser"}) {
    extract_guarded_[reason] = &guarded->Add({{"reason", reason}});
  }
  worker_queue_full = &CounterFamily(r, "tincrawl_worker_queue_full_total",
                                     "Times the worker queue was full (backpressure).")
                           ->Add({});
  worker_jobs_overdue = &CounterFamily(r, "tincrawl_worker_jobs_overdue_total",
                                       "Worker jobs (one page each) still running after 30 s.")
                             ->Add({});
  worker_oldest_job_seconds =
      &GaugeFamily(r, "tincrawl_worker_oldest_job_seconds",
                   "How long the longest-running worker job has run (0: all idle).")
           ->Add({});
}

// Series of the PostgreSQL sink; they stay 0 when output.postgres is not configured.
void Metrics::CreateSinkSeries() {
  auto& r = *registry_;
  sink_lag = &GaugeFamily(r, "tincrawl_sink_lag_seconds",
                          "Age of the oldest durable spool line not yet in PostgreSQL; 0 when "
                          "caught up.")
                  ->Add({});
  auto* rows = CounterFamily(r, "tincrawl_sink_rows_total",
                             "Spool lines committed to PostgreSQL, by what they did to the row.");
  for (const char* op : {"insert", "update", "skip", "reject"}) {
    sink_rows_[op] = &rows->Add({{"op", op}});
  }
  auto* errors = CounterFamily(r, "tincrawl_sink_errors_total",
                               "PostgreSQL sink failures, by reason (each is retried).");
  for (const char* reason : {"connect", "schema", "query", "rejected", "spool", "position"}) {
    sink_errors_[reason] = &errors->Add({{"reason", reason}});
  }
}

Metrics::~Metrics() {
  if (exposer_) exposer_.reset();
}

Status Metrics::Serve(const MetricsConfig& config) {
  if (!config.enabled) return Status::Ok();
  try {
    exposer_ = std::make_unique<prometheus::Exposer>(config.listen, 2);
  } catch (const std::exception& e) {
    return Status::Unavailable("cannot serve metrics on " + config.listen + ": " + e.what());
  }
  exposer_->RegisterCollectable(registry_);
  exposer_->RegisterCollectable(process_);
  return Status::Ok();
}

SiteMetrics* Metrics::AddSite(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& slot = sites_[id];
  if (slot) return slot.get();
  slot = std::make_unique<SiteMetrics>();
  SiteMetrics& m = *slot;
  for (int i = 0; i < kOutcomeCount; ++i) {
    std::string outcome(OutcomeName(static_cast<Outcome>(i)));
    m.fetches[i] = &fetches_->Add({{"site", id}, {"outcome", outcome}});
  }
  for (int i = 0; i < kArticleKindCount; ++i) {
    m.articles[i] =
        &articles_->Add({{"site", id}, {"kind", ArticleKindName(static_cast<ArticleKind>(i))}});
  }
  for (int i = 0; i < kExtractFailureCount; ++i) {
    m.extract_failures[i] = &extract_failures_->Add(
        {{"site", id}, {"reason", ExtractFailureName(static_cast<ExtractFailure>(i))}});
  }
  m.response_bytes = &response_bytes_->Add({{"site", id}});
  m.robots_denied = &robots_denied_->Add({{"site", id}});
  m.extract_fallback = &extract_fallback_->Add({{"site", id}});
  m.tls_ca_file = &tls_relaxed_->Add({{"site", id}, {"setting", "ca_file"}});
  m.tls_legacy = &tls_relaxed_->Add({{"site", id}, {"setting", "legacy_server_connect"}});
  m.tls_seclevel = &tls_relaxed_->Add({{"site", id}, {"setting", "security_level"}});
  m.tls_noverify = &tls_relaxed_->Add({{"site", id}, {"setting", "verify_off"}});
  m.last_success = &last_success_->Add({{"site", id}});
  m.last_new_article = &last_new_article_->Add({{"site", id}});
  m.consecutive_failures = &consecutive_failures_->Add({{"site", id}});
  m.circuit_open = &circuit_open_->Add({{"site", id}});
  m.delay = &site_delay_->Add({{"site", id}});
  for (size_t i = 0; i < kFrontierStates.size(); ++i) {
    m.frontier[i] = &frontier_urls_->Add({{"site", id}, {"state", kFrontierStates[i]}});
  }
  m.links_added = &frontier_links_->Add({{"site", id}, {"result", "added"}});
  m.links_known = &frontier_links_->Add({{"site", id}, {"result", "known"}});
  m.leases = &frontier_leases_->Add({{"site", id}});
  m.budget_deferrals = &budget_deferrals_->Add({{"site", id}});
  for (Outcome o : {Outcome::kHttp4xx, Outcome::kRedirect, Outcome::kError}) {
    m.given_up[static_cast<int>(o)] =
        &given_up_->Add({{"site", id}, {"reason", std::string(OutcomeName(o))}});
  }
  return slot.get();
}

void Metrics::RemoveSite(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = sites_.find(id);
  if (it == sites_.end()) return;
  SiteMetrics& m = *it->second;
  for (auto* c : m.fetches) fetches_->Remove(c);
  for (auto* c : m.articles) articles_->Remove(c);
  for (auto* c : m.extract_failures) extract_failures_->Remove(c);
  response_bytes_->Remove(m.response_bytes);
  robots_denied_->Remove(m.robots_denied);
  extract_fallback_->Remove(m.extract_fallback);
  for (auto* c : {m.tls_ca_file, m.tls_legacy, m.tls_seclevel, m.tls_noverify}) {
    tls_relaxed_->Remove(c);
  }
  last_success_->Remove(m.last_success);
  last_new_article_->Remove(m.last_new_article);
  consecutive_failures_->Remove(m.consecutive_failures);
  circuit_open_->Remove(m.circuit_open);
  site_delay_->Remove(m.delay);
  for (auto* g : m.frontier) frontier_urls_->Remove(g);
  frontier_links_->Remove(m.links_added);
  frontier_links_->Remove(m.links_known);
  frontier_leases_->Remove(m.leases);
  budget_deferrals_->Remove(m.budget_deferrals);
  for (auto* c : m.given_up) {
    if (c != nullptr) given_up_->Remove(c);
  }
  sites_.erase(it);
}

SiteMetrics* Metrics::Site(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = sites_.find(id);
  return it == sites_.end() ? nullptr : it->second.get();
}

std::string Metrics::Scrape() const {
  std::vector<MetricFamily> families = registry_->Collect();
  for (auto& f : process_->Collect()) families.push_back(std::move(f));
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, families);
  return out.str();
}

}  // namespace tincrawl

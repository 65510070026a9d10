#include "crawler/daemon/daemon.h"

#include <chrono>
#include <cstdio>
#include <filesystem>

#include "crawler/telemetry/log.h"

namespace tincrawl {

namespace fs = std::filesystem;

namespace {
constexpr uint64_t kTickMs = 100;
constexpr int64_t kRetryAfterMs = 5000;
constexpr int64_t kReleaseRetryMs = 10 * 60 * 1000;  // A page that failed processing.
constexpr size_t kMaxBacklog = 64;
constexpr size_t kWorkerQueue = 256;
}  // namespace

// One leased URL on its way through fetch and processing.
struct Crawler::InFlight {
  Lease lease;
  FetchResult result;
  PageOutcome outcome;
};

Crawler::Crawler(Config config, CrawlOptions options)
    : config_(std::move(config)), options_(std::move(options)) {}

Crawler::~Crawler() = default;

int64_t Crawler::NowMs() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Status Crawler::Open() {
  Log::Configure(config_.daemon.log);
  if (int rc = uv_loop_init(&loop_); rc != 0) {
    return Status::Internal(std::string("uv_loop_init: ") + uv_strerror(rc));
  }
  Status s = OpenState();
  if (s.ok()) s = BuildSites(config_);
  if (s.ok()) s = metrics_.Serve(config_.daemon.metrics);
  if (!s.ok()) {
    (void)uv_loop_close(&loop_);  // No handle exists yet: nothing is left behind.
    return s;
  }
  if (Status st = StartLoop(); !st.ok()) return st;
  SeedSites();
  return Status::Ok();
}

Status Crawler::OpenState() {
  const DaemonConfig& d = config_.daemon;
  std::error_code ec;
  fs::create_directories(d.state_dir, ec);
  if (ec) {
    return Status::IoError("cannot create state_dir " + d.state_dir + ": " + ec.message());
  }
  if (Status s = Store::Open(d.state_dir + "/db", d.store, &store_); !s.ok()) return s;
  if (Status s = Deduper::Open(store_.get(), DedupOptions{}, &dedup_); !s.ok()) return s;
  SpoolOptions so;
  so.dir = d.output.spool_dir;
  so.rotate_bytes = d.output.rotate_bytes;
  so.rotate_seconds = d.output.rotate_seconds;
  if (!ParseFsyncPolicy(d.output.fsync, &so.fsync)) so.fsync = FsyncPolicy::kBatch;
  if (d.output.warc) {
    WarcOptions wo;
    wo.dir = d.output.warc_dir;
    wo.software = "tincrawl/" TINCRAWL_VERSION;
    wo.operator_info = d.network.user_agent;
    fs::create_directories(wo.dir, ec);
    if (ec) return Status::IoError("cannot create warc_dir " + wo.dir + ": " + ec.message());
    warc_ = std::make_unique<WarcWriter>(std::move(wo));
  }
  if (Status s = Spool::Open(so, store_.get(), &spool_); !s.ok()) return s;
  return OpenSink();
}

// The PostgreSQL sink tails the spool up to its durable end on its own thread.
Status Crawler::OpenSink() {
  if (!config_.daemon.output.postgres.enabled) return Status::Ok();
  SinkOptions options;
  options.postgres = config_.daemon.output.postgres;
  options.spool_dir = config_.daemon.output.spool_dir;
  options.durable_end = [spool = spool_.get()] { return spool->durable_end(); };
  sink_ = std::make_unique<PostgresSink>(std::move(options), &metrics_);
  if (Status s = sink_->Open(); !s.ok()) {
    const PostgresConfig& pg = config_.daemon.output.postgres;
    return Status::InvalidArgument(pg.file + ":" + std::to_string(pg.line) + ":" +
                                   std::to_string(pg.column) + ": output.postgres: " + s.message());
  }
  sink_->Start();
  return Status::Ok();
}

Status Crawler::BuildSites(const Config& config) {
  std::vector<SiteConfig> chosen;
  for (const auto& id : options_.only_sites) {
    if (config.FindSite(id) == nullptr) return Status::InvalidArgument("no site \"" + id + "\"");
  }
  for (const auto& s : config.sites) {
    bool wanted = options_.only_sites.empty()
                      ? s.enabled
                      : std::find(options_.only_sites.begin(), options_.only_sites.end(), s.id) !=
                            options_.only_sites.end();
    if (wanted) chosen.push_back(s);
  }
  std::vector<CrawlSite> sites;
  for (const auto& s : chosen) {
    CrawlSite site;
    site.config = s;
    site.normalizer = std::make_unique<UrlNormalizer>(s.urls);
    if (Status st = UrlClassifier::Create(s, &site.classifier); !st.ok()) return st;
    sites.push_back(std::move(site));
  }
  std::unique_ptr<SiteRouter> router;
  if (Status s = SiteRouter::Create(chosen, &router); !s.ok()) return s;
  auto frontier = std::make_unique<Frontier>(store_->db(), store_->cf(Cf::kUrls),
                                             store_->cf(Cf::kFrontier), chosen);
  if (Status s = frontier->Open(); !s.ok()) return s;
  // Everything built: swap it in (callers guarantee no worker is using the old runtime).
  processor_.reset();
  for (auto& site : sites) site.metrics = metrics_.AddSite(site.config.id);
  sites_ = std::move(sites);
  router_ = std::move(router);
  frontier_ = std::move(frontier);
  exported_stats_.clear();  // The new frontier counts from zero.
  exported_stats_.resize(sites_.size());
  metrics_.sites_configured->Set(static_cast<double>(sites_.size()));
  inflight_per_site_.assign(sites_.size(), 0);
  processor_ = std::make_unique<PageProcessor>(
      &sites_, router_.get(), store_.get(), frontier_.get(), dedup_.get(), spool_.get(), &metrics_,
      &counters_, config_.daemon.output.keep_raw_html_days);
  processor_->SetWarc(warc_.get(), config_.daemon.network.user_agent);
  return Status::Ok();
}

Status Crawler::StartLoop() {
  http_ = std::make_unique<HttpClient>(&loop_, config_.daemon.network, config_.daemon.politeness);
  if (Status s = http_->Init(); !s.ok()) return s;
  http_->SetRobotsStore(std::make_unique<RobotsBytesStore>(
      [this](const std::string& origin, std::string* value) {
        return store_->GetRobots(origin, value).ok();
      },
      [this](const std::string& origin, const std::string& value) {
        if (Status s = store_->PutRobots(origin, value); !s.ok()) {
          Log::Limited(LogLevel::kWarn, "robots_store", "robots.txt record not saved",
                       {{"origin", origin}, {"error", s.message()}});
        }
      }));
  if (options_.one_shot) {  // A one-shot crawl does not wait out a robots.txt outage.
    RobotsPolicy robots;
    robots.max_wait_seconds = 0;
    http_->SetRobotsPolicy(robots);
  }
  for (const auto& site : sites_) {
    if (Status s = http_->ConfigureSite(site.config); !s.ok()) {
      LogError("site TLS setup failed", {{"site", site.config.id}, {"error", s.message()}});
    }
  }
  http_->SetSitemapCallback(
      [this](const std::string& site_id, const std::string&,
             const std::vector<std::string>& sitemaps) { OnSitemaps(site_id, sitemaps); });
  pool_ = std::make_unique<WorkerPool>(&loop_, config_.daemon.workers, kWorkerQueue);
  if (Status s = pool_->Start(); !s.ok()) return s;
  lag_ = std::make_unique<LoopLagMonitor>(&loop_, kTickMs,
                                          [this](double lag) { metrics_.loop_lag->Observe(lag); });
  if (Status s = lag_->Start(); !s.ok()) return s;
  int rc = uv_timer_init(&loop_, &tick_);
  if (rc == 0) rc = uv_timer_init(&loop_, &drain_timer_);
  if (rc == 0) rc = uv_signal_init(&loop_, &sigterm_);
  if (rc == 0) rc = uv_signal_init(&loop_, &sigint_);
  if (rc == 0) rc = uv_signal_init(&loop_, &sighup_);
  if (rc != 0) return Status::Internal(std::string("libuv init: ") + uv_strerror(rc));
  for (uv_handle_t* h :
       {reinterpret_cast<uv_handle_t*>(&tick_), reinterpret_cast<uv_handle_t*>(&drain_timer_),
        reinterpret_cast<uv_handle_t*>(&sigterm_), reinterpret_cast<uv_handle_t*>(&sigint_),
        reinterpret_cast<uv_handle_t*>(&sighup_)}) {
    h->data = this;
  }
  return Status::Ok();
}

void Crawler::SeedSites() {
  int64_t now = NowMs();
  for (size_t i = 0; i < sites_.size(); ++i) {
    const SiteConfig& c = sites_[i].config;
    int idx = static_cast<int>(i);
    Status s = processor_->Seed(idx, c.seeds, UrlKind::kUnknown, DiscoveredBy::kSeed, now);
    if (s.ok()) s = processor_->Seed(idx, c.feeds, UrlKind::kFeed, DiscoveredBy::kFeed, now);
    if (s.ok()) {
      s = processor_->Seed(idx, c.sitemaps, UrlKind::kSitemap, DiscoveredBy::kSitemap, now);
    }
    if (!s.ok()) LogError("seeding failed", {{"site", c.id}, {"error", s.message()}});
  }
}

Status Crawler::Run() {
  int rc = uv_timer_start(&tick_, OnTickTimer, kTickMs, kTickMs);
  if (rc == 0) rc = uv_signal_start(&sigterm_, OnSignal, SIGTERM);
  if (rc == 0) rc = uv_signal_start(&sigint_, OnSignal, SIGINT);
  if (rc == 0) rc = uv_signal_start(&sighup_, OnSignal, SIGHUP);
  if (rc != 0) return Status::Internal(std::string("libuv start: ") + uv_strerror(rc));
  std::string sites = std::to_string(sites_.size());
  LogInfo("crawler started", {{"sites", sites}, {"state_dir", config_.daemon.state_dir}});
  notifier_.Ready("crawling " + sites + " sites");
  Pump();
  uv_run(&loop_, UV_RUN_DEFAULT);
  if (options_.progress) std::fprintf(stderr, "\r%s\x1b[K\n", StatusLine().c_str());
  Status spool = spool_->Close();
  if (sink_) sink_->Stop(config_.daemon.drain_seconds);  // Everything is durable now.
  if (warc_) {
    if (Status w = warc_->Close(); !w.ok()) LogError("WARC close failed", {{"error", w.message()}});
  }
  Status flush = store_->Flush();
  if (int close_rc = uv_loop_close(&loop_); close_rc != 0) {
    return Status::Internal(std::string("uv_loop_close: ") + uv_strerror(close_rc));
  }
  LogInfo("crawler stopped", {{"summary", StatusLine()}});
  if (!spool.ok()) return spool;
  if (!flush.ok()) return flush;
  // Nothing else is fatal: a failed page write pauses fetching and is retried, and per-page
  // errors are counted and logged where they happen.
  return Status::Ok();
}

bool Crawler::HostAvailable(std::string_view host) {
  HostSnapshot snap = http_->HostState(std::string(host));
  return snap.queued == 0 && snap.circuit != CircuitState::kOpen;
}

void Crawler::Pump() {
  if (draining_ || closing_ || paused_ || reloading_) return;
  const size_t cap = static_cast<size_t>(config_.daemon.network.max_connections);
  while (inflight_ < cap && backlog_.size() < kMaxBacklog) {
    if (options_.max_pages > 0 && started_ >= options_.max_pages) break;
    std::optional<Lease> lease =
        frontier_->PopReady(NowMs(), [this](std::string_view h) { return HostAvailable(h); });
    if (!lease) break;
    StartFetch(std::move(*lease));
  }
  metrics_.inflight->Set(static_cast<double>(http_->InFlight()));
}

void Crawler::StartFetch(Lease lease) {
  auto f = std::make_shared<InFlight>();
  f->lease = std::move(lease);
  FetchRequest req;
  req.url = f->lease.fetch_url;  // As published; the key is only for our own records.
  req.site_id = sites_[static_cast<size_t>(f->lease.site)].config.id;
  req.priority = f->lease.priority == Priority::kNew ? 2 : f->lease.priority == Priority::kListing;
  req.keep_headers = warc_ != nullptr;
  if (f->lease.fetches > 0) {  // A revisit: ask for changes only (conditional GET).
    UrlState state;
    if (store_->GetUrlState(f->lease.url, &state).ok()) {
      req.etag = state.etag;
      req.last_modified = state.last_modified;
    }
  }
  ++inflight_;
  ++started_;
  ++inflight_per_site_[static_cast<size_t>(f->lease.site)];
  http_->Submit(std::move(req), [this, f](FetchResult r) { OnFetched(f, std::move(r)); });
}

void Crawler::OnFetched(std::shared_ptr<InFlight> f, FetchResult result) {
  if (closing_ && result.outcome == Outcome::kCancelled) {
    // Shutdown: the lease lives in memory only, so the URL is simply due again next start.
    --inflight_;
    --inflight_per_site_[static_cast<size_t>(f->lease.site)];
    return;
  }
  CountFetch(sites_[static_cast<size_t>(f->lease.site)], result);
  f->result = std::move(result);
  Dispatch(std::move(f));
}

void Crawler::CountFetch(const CrawlSite& site, const FetchResult& r) {
  SiteMetrics* m = site.metrics;
  m->fetches[static_cast<int>(r.outcome)]->Increment();
  if (r.bytes_received > 0) m->response_bytes->Increment(static_cast<double>(r.bytes_received));
  if (r.outcome == Outcome::kRobotsDenied) {
    m->robots_denied->Increment();
    metrics_.urls_dropped_robots->Increment();
  }
  if (r.timings.total > 0) {
    const double phases[] = {r.timings.dns, r.timings.connect, r.timings.tls, r.timings.first_byte,
                             r.timings.total};
    for (size_t i = 0; i < kFetchPhases.size(); ++i) {
      if (phases[i] > 0) metrics_.fetch_phase[i]->Observe(phases[i]);
    }
  }
  if (r.tls_relaxed & kTlsExtraCa) m->tls_ca_file->Increment();
  if (r.tls_relaxed & kTlsLegacyServerConnect) m->tls_legacy->Increment();
  if (r.tls_relaxed & kTlsSecurityLevel) m->tls_seclevel->Increment();
  if (r.tls_relaxed & kTlsNoVerify) m->tls_noverify->Increment();
  ++counters_.fetched;
  if (r.outcome == Outcome::kOk || r.outcome == Outcome::kNotModified) {
    ++counters_.fetch_ok;
    m->last_success->Set(static_cast<double>(NowMs() / 1000));
    m->consecutive_failures->Set(0);
    return;
  }
  if (r.outcome == Outcome::kRobotsDenied && !r.robots_unavailable) {
    LogDebug("robots.txt disallows", {{"site", site.config.id}, {"url", r.request.url}});
    return;  // Politeness working as intended: counted above, not a failure.
  }
  ++counters_.fetch_failed;
  if (IsHostFailure(r.outcome) || r.robots_unavailable) m->consecutive_failures->Increment();
  std::string outcome(OutcomeName(r.outcome));
  Log::Limited(LogLevel::kWarn, site.config.id + ":" + outcome, "fetch failed",
               {{"site", site.config.id},
                {"url", r.request.url},
                {"outcome", outcome},
                {"status", std::to_string(r.http_status)},
                {"error", r.error}});
}

void Crawler::Dispatch(std::shared_ptr<InFlight> f) {
  if (closing_) {
    --inflight_;
    --inflight_per_site_[static_cast<size_t>(f->lease.site)];
    return;
  }
  auto work = [this, f] { f->outcome = processor_->Process(f->lease, f->result, NowMs()); };
  auto done = [this, f] { OnProcessed(f); };
  if (!pool_->Submit(std::move(work), std::move(done))) {
    metrics_.worker_queue_full->Increment();
    backlog_.push_back(std::move(f));
  }
}

void Crawler::OnProcessed(std::shared_ptr<InFlight> f) {
  const Status& s = f->outcome.status;
  if (!s.ok() && (s.code() == Status::Code::kNoSpace || s.code() == Status::Code::kIoError)) {
    // Nothing of the page was committed; keep the fetched bytes and retry when space returns.
    metrics_.store_write_errors->Increment();
    if (!paused_) LogError("store write failed; fetching paused", {{"error", s.message()}});
    paused_ = true;
    metrics_.store_paused->Set(1);
    retry_.push_back(std::move(f));
    retry_at_ms_ = NowMs() + kRetryAfterMs;
    return;
  }
  if (!s.ok()) {
    metrics_.store_write_errors->Increment();
    LogError("page processing failed", {{"url", f->lease.url}, {"error", s.message()}});
    ReleaseLease(f->lease);
  } else if (paused_ && retry_.empty()) {
    paused_ = false;
    metrics_.store_paused->Set(0);
    LogInfo("store writable again; fetching resumed");
  }
  --inflight_;
  --inflight_per_site_[static_cast<size_t>(f->lease.site)];
  while (!backlog_.empty() && !closing_ && pool_->Queued() < pool_->capacity()) {
    std::shared_ptr<InFlight> next = std::move(backlog_.front());
    backlog_.pop_front();
    Dispatch(std::move(next));
  }
  Pump();
  MaybeFinish();
}

void Crawler::OnSitemaps(const std::string& site_id, const std::vector<std::string>& sitemaps) {
  int site = frontier_->SiteIndex(site_id);
  if (site < 0 || closing_) return;
  int64_t now = NowMs();
  auto urls = std::make_shared<std::vector<std::string>>(sitemaps);
  Background(
      [this, site, urls, now] {
        Status s = processor_->Seed(site, *urls, UrlKind::kSitemap, DiscoveredBy::kSitemap, now);
        if (!s.ok()) LogWarn("robots.txt sitemaps not queued", {{"error", s.message()}});
      },
      [this] { Pump(); });
}

// A page whose processing failed for good goes back to the frontier, due again later, instead
// of staying leased (invisible) until the next restart.
void Crawler::ReleaseLease(const Lease& lease) {
  Background(
      [this, lease] {
        rocksdb::WriteBatch wb;
        FrontierBatch batch(&wb);
        Status st = frontier_->Release(lease, NowMs() + kReleaseRetryMs, &batch);
        if (st.ok()) st = frontier_->Commit(&batch);
        if (!st.ok())
          LogError("lease release failed", {{"url", lease.url}, {"error", st.message()}});
      },
      nullptr);
}

void Crawler::Background(std::function<void()> work, std::function<void()> done) {
  ++background_jobs_;
  bool queued = pool_->Submit(std::move(work), [this, done = std::move(done)] {
    --background_jobs_;
    if (done) done();
    MaybeFinish();
  });
  if (!queued) --background_jobs_;  // Pool full: periodic jobs simply run next time.
}

}  // namespace tincrawl

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
// Start time asked for per kIndexProgressEvery articles indexed (far more than it takes).
constexpr uint64_t kIndexLoadExtendUsec = 60ull * 1000 * 1000;
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
  SiteBuild build;
  if (s.ok()) s = PrepareSites(config_, &build);
  if (s.ok()) InstallSites(std::move(build));
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
  // Loading (or rebuilding) the near-duplicate index of a big store takes a while before READY:
  // each step asks systemd for more start time, so TimeoutStartSec does not restart-loop it.
  DedupOptions dedup;
  dedup.on_index_progress = [this](size_t indexed) {
    notifier_.Notify("EXTEND_TIMEOUT_USEC=" + std::to_string(kIndexLoadExtendUsec) +
                     "\nSTATUS=loading the duplicate index: " + std::to_string(indexed) +
                     " articles");
  };
  if (Status s = Deduper::Open(store_.get(), dedup, &dedup_); !s.ok()) return s;
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
  // robots.txt parsing and its store records are worker work; the pool being full (backpressure)
  // is the one case where the loop does it itself rather than stall the origin.
  http_->SetOffload([this](std::function<void()> work, std::function<void()> done) {
    auto w = std::make_shared<std::function<void()>>(std::move(work));
    auto d = std::make_shared<std::function<void()>>(std::move(done));
    if (!Background([w] { (*w)(); }, [d] { (*d)(); })) {
      (*w)();
      (*d)();
    }
  });
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
  if (!fatal_.ok()) return fatal_;
  if (!spool.ok()) return spool;
  if (!flush.ok()) return flush;
  // Nothing else is fatal: a full disk pauses fetching, and per-page errors are counted and
  // logged where they happen.
  return Status::Ok();
}

bool Crawler::HostAvailable(std::string_view host) {
  HostSnapshot snap = http_->HostState(std::string(host));
  return snap.queued == 0 && snap.circuit != CircuitState::kOpen;
}

void Crawler::Pump() {
  ScheduleRefills();
  if (draining_ || closing_ || paused_ || reloading_) return;
  // Response bodies held in memory (arriving, and fetched but not yet processed) stop new
  // fetches at network.max_buffered_body_bytes; the running ones finish.
  const size_t buffered = held_body_bytes_ + http_->BufferedBodyBytes();
  metrics_.buffered_body_bytes->Set(static_cast<double>(buffered));
  if (buffered >= static_cast<size_t>(config_.daemon.network.max_buffered_body_bytes)) return;
  const size_t cap = static_cast<size_t>(config_.daemon.network.max_connections);
  while (inflight_ < cap && backlog_.size() < kMaxBacklog) {
    if (options_.max_pages > 0 && started_ >= options_.max_pages) break;
    std::optional<Lease> lease =
        frontier_->PopReady(NowMs(), [this](std::string_view h) { return HostAvailable(h); });
    if (!lease) break;
    StartFetch(std::move(*lease));
  }
  metrics_.inflight->Set(static_cast<double>(http_->InFlight()));
  ScheduleRefills();  // The leases just taken may have run a host's cache low.
}

// The frontier's host caches are refilled by a worker (one job at a time), never on the loop;
// the loop pumps again when the job is done, since refilled hosts may be due.
void Crawler::ScheduleRefills() {
  if (refill_job_ || closing_ || !frontier_->RefillsPending()) return;
  Frontier* frontier = frontier_.get();  // A reload replaces frontier_ only when no job runs.
  refill_job_ = Background(
      [frontier] {
        if (Status s = frontier->RunRefills(); !s.ok()) {
          Log::Limited(LogLevel::kWarn, "frontier_refill", "frontier refill failed",
                       {{"error", s.message()}});
        }
      },
      [this] {
        refill_job_ = false;
        Pump();
      });
}

void Crawler::StartFetch(Lease lease) {
  auto f = std::make_shared<InFlight>();
  f->lease = std::move(lease);
  FetchRequest req;
  req.url = f->lease.fetch_url;  // As published; the key is only for our own records.
  req.site_id = sites_[static_cast<size_t>(f->lease.site)].config.id;
  req.priority = f->lease.priority == Priority::kNew ? 2 : f->lease.priority == Priority::kListing;
  req.keep_headers = warc_ != nullptr;
  // A revisit asks for changes only (conditional GET); the frontier carries the validators in
  // the queue entry, so nothing here reads the store.
  req.etag = f->lease.etag;
  req.last_modified = f->lease.last_modified;
  ++inflight_;
  ++started_;
  ++inflight_per_site_[static_cast<size_t>(f->lease.site)];
  http_->Submit(std::move(req), [this, f](FetchResult r) { OnFetched(f, std::move(r)); });
}

void Crawler::OnFetched(std::shared_ptr<InFlight> f, FetchResult result) {
  if (result.outcome == Outcome::kCancelled && (closing_ || reloading_)) {
    // Shutdown: the lease lives in memory only, so the URL is simply due again next start.
    // Reload: it goes back to the frontier, due when it was.
    if (reloading_ && !closing_) ReleaseLease(f->lease, NowMs());
    Finished(*f);
    MaybeFinish();
    return;
  }
  CountFetch(sites_[static_cast<size_t>(f->lease.site)], result);
  f->result = std::move(result);
  held_body_bytes_ += f->result.body.size();
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

// A lease's fetch is over (processed, dropped at shutdown or handed back).
void Crawler::Finished(const InFlight& f) {
  --inflight_;
  --inflight_per_site_[static_cast<size_t>(f.lease.site)];
  held_body_bytes_ -= std::min(held_body_bytes_, f.result.body.size());
}

void Crawler::Dispatch(std::shared_ptr<InFlight> f) {
  if (closing_) {
    Finished(*f);
    return;
  }
  auto work = [this, f] { f->outcome = processor_->Process(f->lease, f->result, NowMs()); };
  auto done = [this, f] { OnProcessed(f); };
  if (!pool_->Submit(std::move(work), std::move(done))) {
    metrics_.worker_queue_full->Increment();
    backlog_.push_back(std::move(f));
  }
}

// A page the store or spool could not write: nothing of it was committed, so it is kept and
// retried. A full disk pauses fetching until space returns. An I/O error pauses and retries the
// same way, but one that lasts store.io_error_exit_seconds stops the daemon with a non-zero
// exit (Run returns the error), so systemd restarts it; the uncommitted pages are due again.
bool Crawler::HoldForStorage(std::shared_ptr<InFlight>& f) {
  const Status& s = f->outcome.status;
  const bool full = s.code() == Status::Code::kNoSpace;
  if (!full && s.code() != Status::Code::kIoError) return false;
  metrics_.store_write_errors->Increment();
  const int64_t now = NowMs();
  if (full) {
    io_error_since_ms_ = 0;
  } else if (io_error_since_ms_ == 0) {
    io_error_since_ms_ = now;
  }
  const double limit_s = config_.daemon.store.io_error_exit_seconds;
  if (!full && static_cast<double>(now - io_error_since_ms_) >= limit_s * 1000) {
    if (fatal_.ok()) {
      const std::string seconds = std::to_string(static_cast<int64_t>(limit_s));
      LogError("store I/O error persists; stopping so the service restarts",
               {{"error", s.message()}, {"seconds", seconds}});
      fatal_ = Status::IoError("store or spool I/O error for " + seconds + " s: " + s.message());
    }
    retry_.push_back(std::move(f));
    for (const auto& held : retry_) Finished(*held);
    retry_.clear();
    BeginDrain("persistent I/O error");
    return true;
  }
  if (!paused_) {
    LogError(full ? "disk full; fetching paused" : "store I/O error; fetching paused, retrying",
             {{"error", s.message()}});
  }
  paused_ = true;
  metrics_.store_paused->Set(1);
  retry_.push_back(std::move(f));
  retry_at_ms_ = now + kRetryAfterMs;
  return true;
}

void Crawler::OnProcessed(std::shared_ptr<InFlight> f) {
  const Status& s = f->outcome.status;
  if (!s.ok() && HoldForStorage(f)) return;
  if (s.ok()) io_error_since_ms_ = 0;
  if (!s.ok()) {
    metrics_.store_write_errors->Increment();
    LogError("page processing failed", {{"url", f->lease.url}, {"error", s.message()}});
    ReleaseLease(f->lease, NowMs() + kReleaseRetryMs);
  } else if (paused_ && retry_.empty()) {
    paused_ = false;
    metrics_.store_paused->Set(0);
    LogInfo("store writable again; fetching resumed");
  }
  Finished(*f);
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

// A lease given back unfetched (reload) or whose processing failed for good goes back to the
// frontier, due at retry_at_ms or its old time, instead of staying leased (invisible) until the
// next restart. Releases are written in batches by a worker; when the pool is full they wait
// for the next tick, and a reload or drain waits for them.
void Crawler::ReleaseLease(const Lease& lease, int64_t retry_at_ms) {
  releases_.push_back({lease, retry_at_ms});
  FlushReleases();
}

void Crawler::FlushReleases() {
  if (releases_.empty() || release_job_) return;
  auto batch = std::make_shared<std::vector<PendingRelease>>(releases_.begin(), releases_.end());
  releases_.clear();
  release_job_ = true;
  const bool queued = Background(
      [this, batch] {
        rocksdb::WriteBatch wb;
        FrontierBatch fb(&wb);
        Status st;
        for (const PendingRelease& r : *batch) {
          if (st.ok()) st = frontier_->Release(r.lease, r.retry_at_ms, &fb);
        }
        if (st.ok()) st = frontier_->Commit(&fb);
        if (!st.ok()) LogError("lease release failed", {{"error", st.message()}});
      },
      [this] {
        release_job_ = false;
        FlushReleases();
      });
  if (!queued) {
    release_job_ = false;
    releases_.insert(releases_.begin(), batch->begin(), batch->end());
  }
}

bool Crawler::Background(std::function<void()> work, std::function<void()> done) {
  ++background_jobs_;
  bool queued = pool_->Submit(std::move(work), [this, done = std::move(done)] {
    --background_jobs_;
    if (done) done();
    MaybeFinish();
  });
  if (!queued) --background_jobs_;  // Pool full: periodic jobs simply run next time.
  return queued;
}

}  // namespace tincrawl

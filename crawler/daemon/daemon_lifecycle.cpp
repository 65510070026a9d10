// Stopping and reloading the crawl: one-shot completion, drain on SIGTERM/SIGINT, config reload
// on SIGHUP, and the ordered shutdown of the loop's handles.
#include <string>

#include "crawler/daemon/daemon.h"
#include "crawler/telemetry/log.h"

namespace tincrawl {

void Crawler::MaybeFinish() {
  if (closing_) return;
  bool quiet = inflight_ == 0 && backlog_.empty() && retry_.empty() && releases_.empty() &&
               pool_->Queued() == 0 && background_jobs_ == 0;
  if (!quiet) return;
  if (draining_) {
    Close();
    return;
  }
  if (reloading_ && pending_reload_) {
    ApplyReload();
    return;
  }
  if (!options_.one_shot) return;
  bool limit = options_.max_pages > 0 && started_ >= options_.max_pages;
  std::optional<int64_t> next = frontier_->NextReadyMs();
  int64_t horizon = NowMs() + static_cast<int64_t>(options_.idle_horizon_seconds * 1000);
  if (limit || !next || *next > horizon) Close();
}

void Crawler::BeginDrain(const char* why) {
  if (draining_ || closing_) return;
  draining_ = true;
  notifier_.Stopping();
  LogInfo("draining", {{"reason", why}, {"in_flight", std::to_string(inflight_)}});
  auto ms = static_cast<uint64_t>(config_.daemon.drain_seconds * 1000);
  uv_timer_start(
      &drain_timer_,
      [](uv_timer_t* t) {
        auto* self = static_cast<Crawler*>(t->data);
        LogWarn("drain time over; cancelling transfers",
                {{"in_flight", std::to_string(self->inflight_)}});
        self->Close();
      },
      ms, 0);
  MaybeFinish();
}

void Crawler::OnSignal(uv_signal_t* s, int signum) {
  auto* self = static_cast<Crawler*>(s->data);
  if (signum == SIGHUP) {
    self->OnReload();
  } else if (self->draining_ && signum == SIGINT) {
    self->Close();  // A second Ctrl-C: stop now.
  } else {
    self->BeginDrain(signum == SIGTERM ? "SIGTERM" : "SIGINT");
  }
}

// SIGHUP. The config files are read and checked on a worker (YAML of every site), then the
// swap waits for in-flight work; the loop only moves the results.
void Crawler::OnReload() {
  if (draining_ || closing_) return;
  notifier_.Reloading();
  if (reload_parsing_) {
    reload_again_ = true;  // Read the files again once the current parse is done.
    return;
  }
  StartReloadParse();
}

void Crawler::StartReloadParse() {
  auto parsed = std::make_shared<ParsedConfig>();
  const std::string file = config_.daemon.file;
  reload_parsing_ =
      Background([parsed, file] { parsed->config = LoadConfig(file, &parsed->errors); },
                 [this, parsed] { OnReloadParsed(std::move(*parsed)); });
  reload_requested_ = !reload_parsing_;  // Pool full: the tick tries again.
}

void Crawler::OnReloadParsed(ParsedConfig parsed) {
  reload_parsing_ = false;
  if (draining_ || closing_) return;
  if (reload_again_) {
    reload_again_ = false;
    StartReloadParse();  // A newer SIGHUP: this result may be stale.
    return;
  }
  if (!parsed.errors.empty()) {
    for (const auto& e : parsed.errors) {
      LogError("config reload rejected", {{"error", e.ToString()}});
    }
    metrics_.reload_failed->Increment();
    notifier_.Ready(StatusLine());
    return;
  }
  // Valid: stop leasing, let in-flight transfers finish (none is lost), then swap.
  // Requests parked behind a host's delay, backoff, open circuit or robots.txt go back to the
  // frontier (OnFetched), so only transfers already running are waited for.
  pending_reload_ = std::move(parsed.config);
  reloading_ = true;
  LogInfo("config reload: waiting for in-flight work", {{"in_flight", std::to_string(inflight_)}});
  http_->CancelWaiting("reload");
}

// Quiet (nothing in flight, no worker job): the new sites' runtime and frontier are built on a
// worker (the frontier's Open seeks every host), then swapped in on the loop.
void Crawler::ApplyReload() {
  auto next = std::make_shared<Config>(std::move(*pending_reload_));
  pending_reload_.reset();
  const DaemonConfig& d = next->daemon;
  if (d.state_dir != config_.daemon.state_dir ||
      d.metrics.listen != config_.daemon.metrics.listen ||
      d.network.resolve != config_.daemon.network.resolve ||
      d.network.proxy != config_.daemon.network.proxy ||
      d.network.allow_private_networks != config_.daemon.network.allow_private_networks) {
    LogWarn("state_dir, metrics and network settings apply at the next restart");
  }
  auto build = std::make_shared<SiteBuild>();
  auto built = std::make_shared<Status>();
  const bool queued = Background(
      [this, next, build, built] { *built = PrepareSites(*next, build.get()); },
      [this, next, build, built] { FinishReload(std::move(*next), std::move(*build), *built); });
  if (!queued) {  // Cannot happen when quiet (the pool is empty); build here rather than stall.
    *built = PrepareSites(*next, build.get());
    FinishReload(std::move(*next), std::move(*build), *built);
  }
}

void Crawler::FinishReload(Config next, SiteBuild build, Status built) {
  reloading_ = pending_reload_.has_value();  // A newer reload waits its turn (MaybeFinish).
  if (closing_) return;
  if (!built.ok()) {
    LogError("config reload failed; keeping the previous sites", {{"error", built.message()}});
    metrics_.reload_failed->Increment();
    notifier_.Ready(StatusLine());
    Pump();
    return;
  }
  for (const auto& site : next.sites) {
    if (site.enabled) (void)http_->ConfigureSite(site);
  }
  for (const auto& old : config_.sites) {
    const SiteConfig* now = next.FindSite(old.id);
    if (now == nullptr || !now->enabled) {
      http_->RemoveSite(old.id);  // It stops; its state stays in the store.
      metrics_.RemoveSite(old.id);
    }
  }
  InstallSites(std::move(build));
  const DaemonConfig& d = next.daemon;
  config_.sites = std::move(next.sites);
  config_.daemon.politeness = d.politeness;
  config_.daemon.recrawl = d.recrawl;
  config_.daemon.log = d.log;
  config_.daemon.drain_seconds = d.drain_seconds;
  Log::Configure(config_.daemon.log);
  metrics_.reload_ok->Increment();
  LogInfo("config reloaded", {{"sites", std::to_string(sites_.size())}});
  notifier_.Ready(StatusLine());
  // New sites start; known URLs keep their schedule. Seeding writes the store: a worker does it.
  if (!Background([this] { SeedSites(); }, [this] { Pump(); })) SeedSites();
  Pump();
}

void Crawler::Close() {
  if (closing_) return;
  closing_ = true;
  uv_timer_stop(&tick_);
  uv_timer_stop(&drain_timer_);
  http_->Shutdown([this] {
    pool_->Shutdown([this] {
      lag_->Stop([this] {
        for (uv_handle_t* h :
             {reinterpret_cast<uv_handle_t*>(&tick_), reinterpret_cast<uv_handle_t*>(&drain_timer_),
              reinterpret_cast<uv_handle_t*>(&sigterm_), reinterpret_cast<uv_handle_t*>(&sigint_),
              reinterpret_cast<uv_handle_t*>(&sighup_)}) {
          uv_close(h, nullptr);  // Run() returns once the loop has no handle left.
        }
      });
    });
  });
}

}  // namespace tincrawl

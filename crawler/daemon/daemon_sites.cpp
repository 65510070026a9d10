// The crawl's sites: building their runtime and frontier (at start and, on a worker, for a
// reload), swapping it in, and queueing their seeds, feeds and sitemaps.
#include <algorithm>

#include "crawler/daemon/daemon.h"
#include "crawler/telemetry/log.h"

namespace tincrawl {

// Builds the per-site runtime, router and frontier for `config` without touching the running
// ones, so it may run on a worker (a reload) while the loop goes on.
Status Crawler::PrepareSites(const Config& config, SiteBuild* out) const {
  for (const auto& id : options_.only_sites) {
    if (config.FindSite(id) == nullptr) return Status::InvalidArgument("no site \"" + id + "\"");
  }
  std::vector<SiteConfig> chosen;
  for (const auto& s : config.sites) {
    bool wanted = options_.only_sites.empty()
                      ? s.enabled
                      : std::find(options_.only_sites.begin(), options_.only_sites.end(), s.id) !=
                            options_.only_sites.end();
    if (wanted) chosen.push_back(s);
  }
  for (const auto& s : chosen) {
    CrawlSite site;
    site.config = s;
    site.normalizer = std::make_unique<UrlNormalizer>(s.urls);
    if (Status st = UrlClassifier::Create(s, &site.classifier); !st.ok()) return st;
    out->sites.push_back(std::move(site));
  }
  if (Status s = SiteRouter::Create(chosen, &out->router); !s.ok()) return s;
  FrontierOptions frontier_options;
  frontier_options.refill_inline = false;  // Seeks run on workers (ScheduleRefills), not here.
  out->frontier = std::make_unique<Frontier>(store_->db(), store_->cf(Cf::kUrls),
                                             store_->cf(Cf::kFrontier), chosen, frontier_options);
  return out->frontier->Open();
}

// Swaps a prepared build in (callers guarantee no worker is using the old runtime).
void Crawler::InstallSites(SiteBuild build) {
  processor_.reset();
  for (auto& site : build.sites) site.metrics = metrics_.AddSite(site.config.id);
  sites_ = std::move(build.sites);
  router_ = std::move(build.router);
  frontier_ = std::move(build.frontier);
  exported_stats_.clear();  // The new frontier counts from zero.
  exported_stats_.resize(sites_.size());
  metrics_.sites_configured->Set(static_cast<double>(sites_.size()));
  inflight_per_site_.assign(sites_.size(), 0);
  processor_ = std::make_unique<PageProcessor>(
      &sites_, router_.get(), store_.get(), frontier_.get(), dedup_.get(), spool_.get(), &metrics_,
      &counters_, config_.daemon.output.keep_raw_html_days);
  processor_->SetWarc(warc_.get(), config_.daemon.network.user_agent);
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

}  // namespace tincrawl

#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "crawler/common/fetch_result.h"
#include "crawler/config/config.h"
#include "crawler/dedup/dedup.h"
#include "crawler/frontier/frontier.h"
#include "crawler/output/spool.h"
#include "crawler/output/warc.h"
#include "crawler/store/store.h"
#include "crawler/telemetry/metrics.h"
#include "crawler/url/url.h"
#include "crawler/url/url_classifier.h"

namespace tincrawl {

// Immutable per-site runtime built when the config loads; index = the site's position in the
// frontier and router.
struct CrawlSite {
  SiteConfig config;
  std::unique_ptr<UrlNormalizer> normalizer;
  std::unique_ptr<UrlClassifier> classifier;
  SiteMetrics* metrics = nullptr;
};

// What became of one processed page (for the loop thread's bookkeeping and summaries).
struct PageOutcome {
  Status status;         // Not ok: nothing was committed; NoSpace means retry later.
  int links_added = 0;   // New URLs queued.
  bool article = false;  // An article was ingested (any decision).
  IngestDecision decision = IngestDecision::kNew;
  bool extract_failed = false;
};

// Crawl totals shared by the loop and the workers.
struct CrawlCounters {
  std::atomic<int64_t> fetched{0};
  std::atomic<int64_t> fetch_ok{0};
  std::atomic<int64_t> fetch_failed{0};
  std::atomic<int64_t> articles_new{0};
  std::atomic<int64_t> articles_updated{0};
  std::atomic<int64_t> duplicates_exact{0};
  std::atomic<int64_t> duplicates_near{0};
  std::atomic<int64_t> unchanged{0};
  std::atomic<int64_t> extract_failures{0};
  std::atomic<int64_t> links_added{0};
};

// Turns one finished fetch into store writes, on a worker thread: extraction, link discovery
// (listings, feeds, sitemaps, pagination), deduplication, the frontier's bookkeeping, one
// WriteBatch for all of it, then the spool line. Thread-safe: every collaborator is.
class PageProcessor {
 public:
  PageProcessor(const std::vector<CrawlSite>* sites, const SiteRouter* router, Store* store,
                Frontier* frontier, Deduper* dedup, Spool* spool, Metrics* metrics,
                CrawlCounters* counters, int keep_raw_html_days);

  // Archives every 2xx exchange (and a revisit record for each 304) to `warc` when not null;
  // `user_agent` is recorded as the request's User-Agent.
  void SetWarc(WarcWriter* warc, std::string user_agent);

  // Processes `result`, the fetch of `lease`. Never throws.
  PageOutcome Process(const Lease& lease, const FetchResult& result, int64_t now_ms);

  // Queues `urls` of `kind` for `site` (seeds, feeds, sitemaps from config or robots.txt) and
  // commits them. Known URLs keep their schedule, so a restart does not refetch a listing
  // before its time.
  Status Seed(int site, const std::vector<std::string>& urls, UrlKind kind, DiscoveredBy by,
              int64_t due_ms);

 private:
  struct Work;
  void Discover(Work* w);
  void DiscoverFeed(Work* w);
  void DiscoverLinks(Work* w, bool only_known_kinds);
  void DiscoverPagination(Work* w);
  struct LinkHints {
    bool backfill = false;    // Queued by an archive backfill.
    bool reschedule = false;  // A known URL's visit comes forward to now.
    int64_t lastmod = 0;      // Feed/sitemap lastmod, Unix seconds.
  };
  void AddLink(Work* w, const UrlForms& link, UrlKind kind, DiscoveredBy by, int depth,
               const LinkHints& hints);
  void ExtractArticle(Work* w);
  Status Ingest(Work* w, IngestResult* result);
  // After the page committed: the site counters, ingest metrics and the spool line.
  void Publish(Work* w, const IngestResult& ingest);
  void CountIngest(const CrawlSite& site, const IngestResult& r, int64_t now_s);
  void CountExtractFailure(const CrawlSite& site, const Article& a, Work* w);
  // Adds the site's updated counters (SiteState) to the page's batch.
  void UpdateSiteState(Work* w, const IngestResult* ingest);
  void Archive(const Work& w);

  const std::vector<CrawlSite>* sites_;
  const SiteRouter* router_;
  Store* store_;
  Frontier* frontier_;
  Deduper* dedup_;
  Spool* spool_;
  Metrics* metrics_;
  CrawlCounters* counters_;
  int keep_raw_html_days_;
  WarcWriter* warc_ = nullptr;
  std::string user_agent_;
  std::mutex site_mu_;
  std::vector<SiteState> site_states_;  // Cache of the `sites` column family, by site index.
};

}  // namespace tincrawl

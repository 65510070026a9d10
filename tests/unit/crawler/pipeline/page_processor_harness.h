#pragma once

// A PageProcessor wired as the daemon wires it (store, deduper, spool, frontier, router,
// metrics) on a fresh temporary RocksDB directory, with two sites: "bavi" (NukeViet, on
// bavi.hanoi.gov.vn) and "example" (SharePoint, on example.gov.vn). Tests seed URLs, lease them
// from the frontier, hand the processor a FetchResult built from a fixture and look at what
// was committed.

#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "crawler/pipeline/page_processor.h"
#include "crawler/store/article_record.h"
#include "extractors/extract.h"
#include "support/temp_dir.h"

namespace tincrawl::test_support {

inline constexpr int64_t kStartMs = 1714550400000;  // 2024-05-01T08:00:00Z.
inline constexpr int64_t kDayMs = 86400 * 1000;
inline constexpr int kBavi = 0;
inline constexpr int kExample = 1;

inline std::string ReadFixture(const std::string& relative) {
  std::ifstream in(std::string(TINCRAWL_FIXTURES_DIR) + "/" + relative, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  EXPECT_FALSE(ss.str().empty()) << relative;
  return ss.str();
}

// A NukeViet article of the "bavi" site, and its page (tests/fixtures/extract).
inline constexpr char kArticleUrl[] =
    "https://bavi.hanoi.gov.vn/vi/news/tin-tuc/hoi-nghi-tap-huan-102.html";
inline std::string ArticleHtml() { return ReadFixture("extract/nukeviet_article.html"); }

inline SiteConfig PipelineSite(const std::string& id, const std::string& host,
                               const std::string& cms) {
  SiteConfig s;
  s.id = id;
  s.base_url = "https://" + host + "/";
  s.hosts = {host};
  s.cms = cms;
  s.extract = *FindPreset(cms);
  s.recrawl.jitter = 0;  // The tests hand out revisits at their exact due time.
  return s;
}

// A 200 answer to `lease` carrying `body`.
inline FetchResult Ok(const Lease& lease, std::string body,
                      std::string content_type = "text/html; charset=utf-8") {
  FetchResult r;
  r.request.url = lease.fetch_url;
  r.outcome = Outcome::kOk;
  r.http_status = 200;
  r.body = std::move(body);
  r.content_type = std::move(content_type);
  r.bytes_received = static_cast<int64_t>(r.body.size());
  return r;
}

class PipelineHarness {
 public:
  struct Options {
    rocksdb::Env* env = nullptr;                // E.g. a FullDiskFs env.
    decltype(SpoolOptions::write) spool_write;  // E.g. a write(2) that fails with ENOSPC.
    bool sync_wal = false;
  };

  explicit PipelineHarness(Options options) : tmp_("tincrawl_pipeline") {
    StoreConfig sc;
    sc.block_cache_bytes = 4 << 20;
    sc.sync_wal = options.sync_wal;
    Status st = Store::Open(tmp_.Sub("db"), sc, &store_, options.env);
    EXPECT_TRUE(st.ok()) << st.ToString();
    st = Deduper::Open(store_.get(), DedupOptions{}, &dedup_);
    EXPECT_TRUE(st.ok()) << st.ToString();
    spool_options_.dir = tmp_.Sub("spool");
    spool_options_.fsync = FsyncPolicy::kNever;
    spool_options_.write = std::move(options.spool_write);
    st = Spool::Open(spool_options_, store_.get(), &spool_);
    EXPECT_TRUE(st.ok()) << st.ToString();
    configs_ = {PipelineSite("bavi", "bavi.hanoi.gov.vn", "nukeviet"),
                PipelineSite("example", "example.gov.vn", "sharepoint-qn")};
    for (const SiteConfig& c : configs_) {
      CrawlSite site;
      site.config = c;
      site.normalizer = std::make_unique<UrlNormalizer>(c.urls);
      EXPECT_TRUE(UrlClassifier::Create(c, &site.classifier).ok());
      site.metrics = metrics_.AddSite(c.id);
      sites_.push_back(std::move(site));
    }
    EXPECT_TRUE(SiteRouter::Create(configs_, &router_).ok());
    frontier_ = std::make_unique<Frontier>(store_->db(), store_->cf(Cf::kUrls),
                                           store_->cf(Cf::kFrontier), configs_);
    EXPECT_TRUE(frontier_->Open().ok());
    processor_ =
        std::make_unique<PageProcessor>(&sites_, router_.get(), store_.get(), frontier_.get(),
                                        dedup_.get(), spool_.get(), &metrics_, &counters_, 0);
  }
  PipelineHarness() : PipelineHarness(Options{}) {}

  // Queues `url` (a seed of `kind`, kUnknown = as classified) and leases it.
  std::optional<Lease> SeedAndLease(int site, const std::string& url, UrlKind kind,
                                    int64_t now_ms = kStartMs) {
    Status st = processor_->Seed(site, {url}, kind, DiscoveredBy::kSeed, now_ms);
    EXPECT_TRUE(st.ok()) << st.ToString();
    return LeaseUrl(url, now_ms);
  }

  // Leases the queued `url` once it is due at `now_ms`; URLs handed out before it stay leased.
  // Fails the test when it is not handed out.
  std::optional<Lease> LeaseUrl(const std::string& url, int64_t now_ms) {
    for (int i = 0; i < 100; ++i) {
      std::optional<Lease> lease = frontier_->PopReady(now_ms);
      if (!lease) break;
      if (lease->url == url) return lease;
    }
    ADD_FAILURE() << url << " was not handed out at " << now_ms;
    return std::nullopt;
  }

  // Leases `url` at `now_ms` and processes `answer(lease)` for it.
  PageOutcome Visit(const std::string& url, int64_t now_ms,
                    const std::function<FetchResult(const Lease&)>& answer) {
    std::optional<Lease> lease = LeaseUrl(url, now_ms);
    if (!lease) return PageOutcome{Status::Internal("not leased: " + url)};
    PageOutcome out = processor_->Process(*lease, answer(*lease), now_ms);
    EXPECT_TRUE(out.status.ok()) << url << ": " << out.status.ToString();
    return out;
  }

  std::vector<ArticleRecord> Articles() const {
    std::vector<ArticleRecord> out;
    EXPECT_TRUE(ForEachArticle(*store_, [&](const ArticleRecord& r) {
                  out.push_back(r);
                  return true;
                }).ok());
    return out;
  }

  std::optional<ArticleRecord> ArticleAt(const std::string& url) const {
    for (ArticleRecord& r : Articles()) {
      if (r.url == url) return std::move(r);
    }
    return std::nullopt;
  }

  UrlState UrlStateOf(const std::string& url) const {
    UrlState state;
    Status st = store_->GetUrlState(url, &state);
    EXPECT_TRUE(st.ok()) << url << ": " << st.ToString();
    return state;
  }

  // True when the frontier holds a schedule record for `url` (it was queued).
  bool Queued(const std::string& url) const {
    UrlSchedule schedule;
    bool found = false;
    EXPECT_TRUE(frontier_->GetSchedule(url, &schedule, &found).ok());
    return found && schedule.queued;
  }

  PageProcessor& processor() { return *processor_; }
  Frontier& frontier() { return *frontier_; }
  Store& store() { return *store_; }
  Spool& spool() { return *spool_; }
  Metrics& metrics() { return metrics_; }
  const CrawlCounters& counters() const { return counters_; }
  const std::string& spool_dir() const { return spool_options_.dir; }

 private:
  TempDir tmp_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<Deduper> dedup_;
  SpoolOptions spool_options_;
  std::unique_ptr<Spool> spool_;
  std::vector<SiteConfig> configs_;
  Metrics metrics_;
  CrawlCounters counters_;
  std::vector<CrawlSite> sites_;
  std::unique_ptr<SiteRouter> router_;
  std::unique_ptr<Frontier> frontier_;
  std::unique_ptr<PageProcessor> processor_;
};

}  // namespace tincrawl::test_support

// A real Crawler in one-shot mode against the in-process test server on 127.0.0.1: a home
// listing linking three articles (and one that robots.txt disallows). Every allowed article is
// stored and spooled once, the disallowed one is never requested, Run returns OK and the
// frontier it leaves has nothing due. Run is watched for progress with a generous deadline.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "crawler/daemon/daemon.h"
#include "crawler/frontier/frontier.h"
#include "crawler/store/article_record.h"
#include "extractors/extract.h"
#include "support/article_pages.h"
#include "support/temp_dir.h"
#include "support/test_http_server.h"
#include "unit/crawler/output/spool_test_support.h"

namespace tincrawl {
namespace {

using testing::TestHttpServer;
using testing::TestResponse;

constexpr int kArticles = 3;
const char kHost[] = "tiny.test";

TestResponse Html(std::string body) {
  TestResponse r;
  r.headers = {{"Content-Type", "text/html; charset=utf-8"}};
  r.body = std::move(body);
  return r;
}

std::string ArticlePath(int i) { return "/vi/news/tin-tuc/bai-so-" + std::to_string(i) + ".html"; }
const char kDisallowedPath[] = "/vi/news/noi-bo/bai-mat-9.html";

std::string ArticleHtml(int i) { return test_support::NukeVietArticleHtml(i); }

std::string HomeHtml() {
  std::string links;
  for (int i = 1; i <= kArticles; ++i) {
    links += "<li><a href=\"" + ArticlePath(i) + "\">Bài " + std::to_string(i) + "</a></li>";
  }
  links += std::string("<li><a href=\"") + kDisallowedPath + "\">Nội bộ</a></li>";
  return "<html><body><h2>Tin tức</h2><ul class=\"news\">" + links + "</ul></body></html>";
}

SiteConfig TinySite(const TestHttpServer& server) {
  SiteConfig s;
  s.id = "tiny";
  s.base_url = server.Url("/", kHost);
  s.hosts = {kHost};
  s.seeds = {server.Url("/vi/news/tin-tuc/", kHost)};
  s.cms = "nukeviet";
  s.extract = *FindPreset("nukeviet");
  s.politeness.min_delay_seconds = 0.05;
  return s;
}

Config TinyConfig(const TestHttpServer& server, const test_support::TempDir& tmp) {
  Config c;
  DaemonConfig& d = c.daemon;
  d.state_dir = tmp.Sub("state");
  d.workers = 2;
  d.drain_seconds = 5;
  d.metrics.enabled = false;
  d.log.level = "warn";
  d.output.spool_dir = tmp.Sub("state/spool");
  d.network.resolve = {server.ResolveEntry(kHost)};
  d.network.allow_private_networks = {"127.0.0.0/8"};
  d.network.timeout_seconds = 10;
  d.network.connect_timeout_seconds = 5;
  d.politeness.min_delay_seconds = 0.05;
  c.sites = {TinySite(server)};
  return c;
}

class CrawlerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.Start());
    TestResponse robots;
    robots.body = "User-agent: *\nDisallow: /vi/news/noi-bo/\n";
    server_.Route("/robots.txt", robots);
    server_.Route("/vi/news/tin-tuc/", Html(HomeHtml()));
    for (int i = 1; i <= kArticles; ++i) server_.Route(ArticlePath(i), Html(ArticleHtml(i)));
    server_.Route(kDisallowedPath, Html(ArticleHtml(9)));
  }

  // Runs `crawler` on its own thread until Run returns. Progress (pages fetched) is polled; when
  // none is made for `stall_seconds`, the crawler is sent SIGTERM and the test fails.
  Status RunWatched(Crawler* crawler, double stall_seconds = 60) {
    std::atomic<bool> finished{false};
    Status result;
    std::thread runner([&] {
      result = crawler->Run();
      finished = true;
    });
    int64_t last_progress = -1;
    auto last_change = std::chrono::steady_clock::now();
    bool stalled = false;
    while (!finished) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      const int64_t progress = crawler->counters().fetched.load();
      const auto now = std::chrono::steady_clock::now();
      if (progress != last_progress) {
        last_progress = progress;
        last_change = now;
      } else if (!stalled && now - last_change > std::chrono::duration<double>(stall_seconds)) {
        stalled = true;
        ADD_FAILURE() << "no progress for " << stall_seconds << " s after " << progress
                      << " fetches; stopping the crawler";
        kill(getpid(), SIGTERM);  // The crawler's own handler drains and stops.
      }
    }
    runner.join();
    return result;
  }

  TestHttpServer server_;
  test_support::TempDir tmp_{"tincrawl_crawler"};
};

TEST_F(CrawlerTest, OneShotCrawlStoresEveryArticleOnceAndEndsIdle) {
  Config config = TinyConfig(server_, tmp_);
  const std::string state = config.daemon.state_dir;
  const std::string spool = config.daemon.output.spool_dir;
  const std::vector<SiteConfig> sites = config.sites;
  CrawlOptions options;
  options.one_shot = true;
  {
    Crawler crawler(std::move(config), options);
    const Status opened = crawler.Open();
    ASSERT_TRUE(opened.ok()) << opened.ToString();
    const Status run = RunWatched(&crawler);
    ASSERT_TRUE(run.ok()) << run.ToString();
    const CrawlCounters& c = crawler.counters();
    EXPECT_EQ(c.fetched.load(), 1 + kArticles + 1);  // The disallowed URL counts as denied.
    EXPECT_EQ(c.fetch_ok.load(), 1 + kArticles);
    EXPECT_EQ(c.fetch_failed.load(), 0);
    EXPECT_EQ(c.articles_new.load(), kArticles);
    EXPECT_EQ(c.duplicates_exact.load() + c.duplicates_near.load(), 0);
    const std::string metrics = crawler.metrics().Scrape();
    EXPECT_NE(metrics.find("tincrawl_articles_total{kind=\"new\",site=\"tiny\"} 3"),
              std::string::npos);
  }
  EXPECT_EQ(server_.CountPath("/robots.txt"), 1u);
  EXPECT_EQ(server_.CountPath(kDisallowedPath), 0u);
  for (int i = 1; i <= kArticles; ++i) EXPECT_EQ(server_.CountPath(ArticlePath(i)), 1u) << i;

  // The state the crawl left: every article once in the store and the spool, nothing due.
  std::unique_ptr<Store> store;
  const Status st = Store::Open(state + "/db", StoreConfig{}, &store);
  ASSERT_TRUE(st.ok()) << st.ToString();
  std::vector<std::string> urls;
  ASSERT_TRUE(ForEachArticle(*store, [&](const ArticleRecord& r) {
                urls.push_back(r.url);
                EXPECT_EQ(r.site, "tiny");
                EXPECT_FALSE(r.title.empty());
                EXPECT_EQ(r.revision, 1);
                return true;
              }).ok());
  std::sort(urls.begin(), urls.end());
  std::vector<std::string> expected;
  for (int i = 1; i <= kArticles; ++i) expected.push_back(server_.Url(ArticlePath(i), kHost));
  EXPECT_EQ(urls, expected);
  spool_test::ExpectExactlyOnce(*store, spool, kArticles);
  for (const std::string& url : expected) {
    UrlState u;
    ASSERT_TRUE(store->GetUrlState(url, &u).ok()) << url;
    EXPECT_EQ(u.status, UrlStatus::kFetched) << url;
  }
  Frontier frontier(store->db(), store->cf(Cf::kUrls), store->cf(Cf::kFrontier), sites);
  ASSERT_TRUE(frontier.Open().ok());
  const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  EXPECT_FALSE(frontier.PopReady(now_ms + 2000).has_value()) << "something is still due";
}

}  // namespace
}  // namespace tincrawl

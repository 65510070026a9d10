// PageProcessor on a temporary store: what one fetched page of each kind commits (article,
// listing, feed, duplicate, revisit), as the store, the frontier and the spool show it.
#include "crawler/pipeline/page_processor.h"

#include <gtest/gtest.h>

#include <atomic>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "support/article_pages.h"
#include "unit/crawler/output/spool_test_support.h"
#include "unit/crawler/pipeline/page_processor_harness.h"

namespace tincrawl {
namespace {

using test_support::ArticleHtml;
using test_support::kArticleUrl;
using test_support::kBavi;
using test_support::kDayMs;
using test_support::kExample;
using test_support::kStartMs;
using test_support::Ok;
using test_support::PipelineHarness;
using test_support::ReadFixture;

const char kCopyUrl[] = "https://bavi.hanoi.gov.vn/vi/news/tin-tuc/hoi-nghi-tap-huan-103.html";
// The article fixture's "Tin khác" link.
const char kRelatedUrl[] =
    "https://bavi.hanoi.gov.vn/vi/news/tin-tuc/"
    "huyen-ba-vi-day-manh-cai-cach-hanh-chinh-nam-2018-101.html";

// The same article with its second paragraph edited.
std::string EditedArticleHtml() {
  std::string html = ArticleHtml();
  const std::string from = "góp phần nâng cao chất lượng";
  const size_t at = html.find(from);
  EXPECT_NE(at, std::string::npos);
  html.replace(at, from.size(), "góp phần nâng cao hơn nữa chất lượng");
  return html;
}

// Spool lines per revision of the article at `id`, once the spool is closed.
int SpoolLines(const PipelineHarness& h, const std::string& id, int revision) {
  return spool_test::SpoolCounts(h.spool_dir())[{id, revision}];
}

TEST(PageProcessorTest, ArticleIsStoredSpooledOnceAndFetched) {
  PipelineHarness h;
  auto lease = h.SeedAndLease(kBavi, kArticleUrl, UrlKind::kUnknown);
  ASSERT_TRUE(lease);
  EXPECT_EQ(lease->kind, UrlKind::kArticle);
  const PageOutcome out = h.processor().Process(*lease, Ok(*lease, ArticleHtml()), kStartMs);
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  EXPECT_TRUE(out.article);
  EXPECT_EQ(out.decision, IngestDecision::kNew);
  EXPECT_FALSE(out.extract_failed);
  EXPECT_EQ(out.links_added, 1);  // "Tin khác" leads to another article.
  EXPECT_TRUE(h.Queued(kRelatedUrl));

  const auto articles = h.Articles();
  ASSERT_EQ(articles.size(), 1u);
  const ArticleRecord& a = articles[0];
  EXPECT_EQ(a.url, kArticleUrl);
  EXPECT_EQ(a.site, "bavi");
  EXPECT_EQ(a.title, "Hội nghị tập huấn chuyển đổi số cho cán bộ cấp xã");
  EXPECT_EQ(a.published, "2018-10-18T08:06:00+07:00");
  EXPECT_EQ(a.revision, 1);
  EXPECT_TRUE(a.duplicate_of.empty());
  EXPECT_EQ(a.fetched_at, kStartMs / 1000);

  const UrlState state = h.UrlStateOf(kArticleUrl);
  EXPECT_EQ(state.status, UrlStatus::kFetched);
  EXPECT_EQ(state.http_status, 200);
  EXPECT_EQ(state.fetch_count, 1);
  EXPECT_EQ(state.last_outcome, "ok");
  EXPECT_EQ(h.counters().articles_new.load(), 1);
  EXPECT_EQ(h.spool().lines_written(), 1);
  ASSERT_TRUE(h.spool().Close().ok());
  spool_test::ExpectExactlyOnce(h.store(), h.spool_dir(), 1);
  EXPECT_EQ(SpoolLines(h, a.id, 1), 1);
}

TEST(PageProcessorTest, ListingQueuesItsLinksAndStoresNoArticle) {
  PipelineHarness h;
  const std::string page2 = "https://bavi.hanoi.gov.vn/vi/news/tin-tuc/page-2/";
  auto lease = h.SeedAndLease(kBavi, page2, UrlKind::kUnknown);
  ASSERT_TRUE(lease);
  EXPECT_EQ(lease->kind, UrlKind::kListing);
  const std::string html = ReadFixture("discovery/listing_nukeviet.html");
  const PageOutcome out = h.processor().Process(*lease, Ok(*lease, html), kStartMs);
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  EXPECT_FALSE(out.article);
  EXPECT_FALSE(out.extract_failed);
  EXPECT_EQ(out.links_added, 3);  // Page 1, page 3 and one article.
  const std::string article = "https://bavi.hanoi.gov.vn/vi/news/tin-tuc/bai-mot-11.html";
  EXPECT_TRUE(h.Queued(article));
  EXPECT_TRUE(h.Queued("https://bavi.hanoi.gov.vn/vi/news/tin-tuc/page-3/"));
  EXPECT_TRUE(h.Articles().empty());
  EXPECT_EQ(h.spool().lines_written(), 0);
  EXPECT_EQ(h.UrlStateOf(page2).status, UrlStatus::kFetched);
  // The new article goes before the listings found with it.
  const auto next = h.frontier().PopReady(kStartMs);
  ASSERT_TRUE(next);
  EXPECT_EQ(next->url, article);
  EXPECT_EQ(next->kind, UrlKind::kArticle);
  EXPECT_EQ(next->depth, lease->depth + 1);
}

TEST(PageProcessorTest, FeedQueuesEveryEntry) {
  PipelineHarness h;
  auto lease = h.SeedAndLease(kExample, "https://example.gov.vn/rss/tin-tuc.rss", UrlKind::kFeed);
  ASSERT_TRUE(lease);
  const std::string xml = ReadFixture("discovery/rss2.xml");
  const PageOutcome out =
      h.processor().Process(*lease, Ok(*lease, xml, "application/rss+xml"), kStartMs);
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  EXPECT_FALSE(out.article);
  EXPECT_EQ(out.links_added, 4);  // Five items, one a repeat; the javascript: link is dropped.
  for (const char* nid : {"nid=1001", "Cat=5&nid=1002", "nid=1003", "nid=1004"}) {
    const std::string url = std::string("https://example.gov.vn/Trang/ChiTietTinTuc.aspx?") + nid;
    EXPECT_TRUE(h.Queued(url)) << url;
    EXPECT_EQ(h.UrlStateOf(url).discovered_by, DiscoveredBy::kFeed) << url;
  }
  EXPECT_TRUE(h.Articles().empty());
  EXPECT_EQ(h.counters().links_added.load(), 4);
}

TEST(PageProcessorTest, DuplicateIsLinkedToTheFirstCopy) {
  PipelineHarness h;
  auto first = h.SeedAndLease(kBavi, kArticleUrl, UrlKind::kUnknown);
  ASSERT_TRUE(first);
  ASSERT_TRUE(h.processor().Process(*first, Ok(*first, ArticleHtml()), kStartMs).status.ok());
  auto copy = h.SeedAndLease(kBavi, kCopyUrl, UrlKind::kUnknown, kStartMs + 1000);
  ASSERT_TRUE(copy);
  const PageOutcome out = h.processor().Process(*copy, Ok(*copy, ArticleHtml()), kStartMs + 1000);
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  EXPECT_TRUE(out.article);
  EXPECT_EQ(out.decision, IngestDecision::kExactDuplicate);

  const auto original = h.ArticleAt(kArticleUrl);
  const auto duplicate = h.ArticleAt(kCopyUrl);
  ASSERT_TRUE(original && duplicate);
  EXPECT_TRUE(original->duplicate_of.empty());
  EXPECT_EQ(duplicate->duplicate_of, original->id);
  ASSERT_EQ(original->sightings.size(), 2u);
  EXPECT_EQ(original->sightings[1].url, kCopyUrl);
  EXPECT_EQ(original->sightings[1].id, duplicate->id);
  int stories = 0;
  for (const ArticleRecord& r : h.Articles()) stories += r.duplicate_of.empty();
  EXPECT_EQ(stories, 1);  // One story, not a second article.
  EXPECT_EQ(h.counters().articles_new.load(), 1);
  EXPECT_EQ(h.counters().duplicates_exact.load(), 1);
  EXPECT_EQ(h.UrlStateOf(kCopyUrl).status, UrlStatus::kFetched);
}

TEST(PageProcessorTest, RevisitWritesARevisionOnlyWhenTheArticleChanged) {
  PipelineHarness h;
  auto lease = h.SeedAndLease(kBavi, kArticleUrl, UrlKind::kUnknown);
  ASSERT_TRUE(lease);
  ASSERT_TRUE(h.processor().Process(*lease, Ok(*lease, ArticleHtml()), kStartMs).status.ok());
  const std::string id = h.ArticleAt(kArticleUrl)->id;

  // Not modified (304): nothing to extract, the schedule moves on.
  int64_t now = kStartMs + 40 * kDayMs;
  PageOutcome out = h.Visit(kArticleUrl, now, [](const Lease& l) {
    EXPECT_EQ(l.fetches, 1u);
    EXPECT_EQ(l.priority, Priority::kRevisit);
    FetchResult r = Ok(l, "");
    r.outcome = Outcome::kNotModified;
    r.http_status = 304;
    return r;
  });
  EXPECT_FALSE(out.article);
  EXPECT_EQ(h.UrlStateOf(kArticleUrl).fetch_count, 2);

  // The same bytes again, at the next revisit (each waits twice as long): unchanged, no
  // revision.
  now += 60 * kDayMs;
  out = h.Visit(kArticleUrl, now, [](const Lease& l) { return Ok(l, ArticleHtml()); });
  EXPECT_EQ(out.decision, IngestDecision::kUnchanged);
  EXPECT_EQ(h.ArticleAt(kArticleUrl)->revision, 1);
  EXPECT_EQ(h.spool().lines_written(), 1);

  // Edited: revision 2, spooled once more.
  now += 120 * kDayMs;
  out = h.Visit(kArticleUrl, now, [](const Lease& l) { return Ok(l, EditedArticleHtml()); });
  EXPECT_EQ(out.decision, IngestDecision::kUpdated);
  const auto updated = h.ArticleAt(kArticleUrl);
  ASSERT_TRUE(updated);
  EXPECT_EQ(updated->id, id);
  EXPECT_EQ(updated->revision, 2);
  EXPECT_EQ(updated->fetched_at, now / 1000);
  EXPECT_EQ(updated->first_seen, kStartMs / 1000);
  EXPECT_NE(updated->body.find("nâng cao hơn nữa"), std::string::npos);
  EXPECT_EQ(h.counters().articles_updated.load(), 1);
  EXPECT_EQ(h.counters().unchanged.load(), 1);
  EXPECT_EQ(h.UrlStateOf(kArticleUrl).fetch_count, 4);
  ASSERT_TRUE(h.spool().Close().ok());
  spool_test::ExpectExactlyOnce(h.store(), h.spool_dir(), 1);
  EXPECT_EQ(SpoolLines(h, id, 1), 1);
  EXPECT_EQ(SpoolLines(h, id, 2), 1);
}

// Workers process pages at the same time, as the daemon's pool does: every page commits, two
// copies of one story processed at once still make one story, and every line is spooled once.
TEST(PageProcessorTest, ConcurrentWorkersCommitEveryPage) {
  PipelineHarness h;
  constexpr int kStories = 12;
  std::vector<std::string> urls;
  for (int i = 0; i < 2 * kStories; ++i) {
    urls.push_back("https://bavi.hanoi.gov.vn/vi/news/tin-tuc/bai-" + std::to_string(i) + ".html");
  }
  ASSERT_TRUE(
      h.processor().Seed(kBavi, urls, UrlKind::kUnknown, DiscoveredBy::kSeed, kStartMs).ok());
  std::vector<std::pair<Lease, FetchResult>> pages;
  while (std::optional<Lease> lease = h.frontier().PopReady(kStartMs)) {
    const int n = std::stoi(lease->url.substr(lease->url.rfind('-') + 1));
    FetchResult page = Ok(*lease, test_support::NukeVietArticleHtml(n % kStories));
    pages.emplace_back(std::move(*lease), std::move(page));
  }
  ASSERT_EQ(pages.size(), urls.size());
  std::atomic<size_t> next{0};
  std::atomic<int> failed{0};
  std::vector<std::thread> workers;
  for (int w = 0; w < 4; ++w) {
    workers.emplace_back([&] {
      for (size_t i = next++; i < pages.size(); i = next++) {
        const PageOutcome out = h.processor().Process(pages[i].first, pages[i].second, kStartMs);
        if (!out.status.ok() || !out.article) ++failed;
      }
    });
  }
  for (std::thread& t : workers) t.join();
  EXPECT_EQ(failed.load(), 0);
  const auto articles = h.Articles();
  EXPECT_EQ(articles.size(), urls.size());
  int stories = 0;
  for (const ArticleRecord& r : articles) stories += r.duplicate_of.empty();
  EXPECT_EQ(stories, kStories);
  EXPECT_EQ(h.counters().articles_new.load(), kStories);
  EXPECT_EQ(h.counters().duplicates_exact.load(), kStories);
  for (const std::string& url : urls) EXPECT_EQ(h.UrlStateOf(url).status, UrlStatus::kFetched);
  ASSERT_TRUE(h.spool().Close().ok());
  spool_test::ExpectExactlyOnce(h.store(), h.spool_dir(), urls.size());
}

}  // namespace
}  // namespace tincrawl

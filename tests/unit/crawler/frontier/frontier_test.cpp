#include "crawler/frontier/frontier.h"

#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include <algorithm>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "unit/crawler/frontier/frontier_fixture.h"

namespace tincrawl {
namespace {

using frontier_test::FrontierTest;
using frontier_test::kMinute;
using frontier_test::kNow;

TEST_F(FrontierTest, NewArticlesFirstThenListingsThenRevisits) {
  const std::string listing = "https://quangninh.gov.vn/Trang/Tin-tuc-su-kien.aspx";
  const std::string a1 = "https://quangninh.gov.vn/Trang/ChiTietTinTuc.aspx?nid=1";
  const std::string a2 = "https://quangninh.gov.vn/Trang/ChiTietTinTuc.aspx?nid=2";
  EXPECT_EQ(Add(0, listing, UrlKind::kListing, kNow - 5 * kMinute), AddResult::kAdded);
  EXPECT_EQ(Add(0, a1, UrlKind::kArticle, kNow - kMinute), AddResult::kAdded);
  EXPECT_EQ(Add(0, a2, UrlKind::kArticle, kNow), AddResult::kAdded);
  std::optional<Lease> l = frontier_->PopReady(kNow);
  ASSERT_TRUE(l);
  EXPECT_EQ(l->url, a1);
  EXPECT_EQ(l->priority, Priority::kNew);
  EXPECT_EQ(l->kind, UrlKind::kArticle);
  EXPECT_EQ(l->site, 0);
  EXPECT_EQ(frontier_->PopReady(kNow)->url, a2);
  std::optional<Lease> lst = frontier_->PopReady(kNow);
  ASSERT_TRUE(lst);
  EXPECT_EQ(lst->url, listing);
  EXPECT_EQ(lst->priority, Priority::kListing);
  EXPECT_FALSE(frontier_->PopReady(kNow));
  // The completed article comes back as a revisit after article_seconds, not before.
  const int64_t next = Complete(*l, kNow);
  EXPECT_EQ(next, kNow + 30LL * 86400 * 1000);
  EXPECT_FALSE(frontier_->PopReady(next - 1));
  std::optional<Lease> revisit = frontier_->PopReady(next);
  ASSERT_TRUE(revisit);
  EXPECT_EQ(revisit->url, a1);
  EXPECT_EQ(revisit->priority, Priority::kRevisit);
  EXPECT_EQ(revisit->fetches, 1u);
}

// Articles fetched at the same moment come back spread over [interval, 1.1 x interval], not
// all at once; a restart sees the same times (the spread is a hash, not a random draw).
TEST_F(FrontierTest, RevisitsAreSpreadByJitter) {
  sites_[0].recrawl.jitter = 0.1;
  Reopen();
  const int64_t interval = 30LL * 86400 * 1000;
  std::vector<int64_t> due;
  for (int i = 0; i < 200; ++i) {
    Add(0, "https://quangninh.gov.vn/tin/" + std::to_string(i) + ".html", UrlKind::kArticle, kNow);
  }
  for (std::optional<Lease> l = frontier_->PopReady(kNow); l; l = frontier_->PopReady(kNow)) {
    due.push_back(Complete(*l, kNow) - kNow);
  }
  ASSERT_EQ(due.size(), 200u);
  std::sort(due.begin(), due.end());
  EXPECT_GE(due.front(), interval);
  EXPECT_LE(due.back(), interval + interval / 10);
  EXPECT_LT(due.front(), interval + interval / 100);  // Spread over the whole range.
  EXPECT_GT(due.back(), interval + interval * 9 / 100);
  EXPECT_GT(std::set<int64_t>(due.begin(), due.end()).size(), 190u);
  EXPECT_EQ(Jittered(100, 0.1, "https://a.gov.vn/1", 3),
            Jittered(100, 0.1, "https://a.gov.vn/1", 3));
  EXPECT_NE(Jittered(100, 0.1, "https://a.gov.vn/1", 3),
            Jittered(100, 0.1, "https://a.gov.vn/1", 4));
  EXPECT_EQ(Jittered(100, 0, "https://a.gov.vn/1", 3), 100);
}

TEST_F(FrontierTest, OverdueListingIsPromotedAboveNewArticles) {
  const std::string listing = "https://quangninh.gov.vn/tin-tuc";
  EXPECT_EQ(Add(0, listing, UrlKind::kListing, kNow - 31 * kMinute), AddResult::kAdded);
  for (int i = 0; i < 5; ++i) {
    Add(0, "https://quangninh.gov.vn/tin/" + std::to_string(i) + ".html", UrlKind::kArticle,
        kNow - 60 * kMinute);
  }
  EXPECT_EQ(frontier_->PopReady(kNow)->url, listing);
}

TEST_F(FrontierTest, DueTimesRespectedAndNextReadyReported) {
  Add(0, "https://quangninh.gov.vn/a", UrlKind::kArticle, kNow + 10 * kMinute);
  Add(1, "https://hanoi.gov.vn/b", UrlKind::kArticle, kNow + 5 * kMinute);
  EXPECT_FALSE(frontier_->PopReady(kNow));
  EXPECT_EQ(frontier_->NextReadyMs().value(), kNow + 5 * kMinute);
  EXPECT_EQ(frontier_->PopReady(kNow + 5 * kMinute)->url, "https://hanoi.gov.vn/b");
  EXPECT_FALSE(frontier_->PopReady(kNow + 9 * kMinute));
  EXPECT_EQ(frontier_->PopReady(kNow + 10 * kMinute)->url, "https://quangninh.gov.vn/a");
  EXPECT_EQ(frontier_->host_count(), 2u);
}

TEST_F(FrontierTest, HostPredicate) {
  Add(0, "https://quangninh.gov.vn/a", UrlKind::kArticle, kNow - 2);
  Add(0, "https://halong.gov.vn/b", UrlKind::kArticle, kNow - 1);
  const auto not_qn = [](std::string_view host) { return host != "quangninh.gov.vn"; };
  EXPECT_EQ(frontier_->PopReady(kNow, not_qn)->url, "https://halong.gov.vn/b");
  EXPECT_FALSE(frontier_->PopReady(kNow, not_qn));
  EXPECT_EQ(frontier_->PopReady(kNow)->url, "https://quangninh.gov.vn/a");
}

TEST_F(FrontierTest, UrlDedupAndDiscoverySources) {
  const std::string url = "https://quangninh.gov.vn/Trang/ChiTietTinTuc.aspx?nid=7";
  rocksdb::WriteBatch wb;
  FrontierBatch batch(&wb);
  AddRequest r;
  r.url = url;
  r.kind = UrlKind::kArticle;
  r.discovered_by = DiscoveredBy::kFeed;
  r.due_ms = kNow;
  AddResult first, second;
  ASSERT_TRUE(frontier_->Add(0, r, &batch, &first).ok());
  ASSERT_TRUE(frontier_->Add(0, r, &batch, &second).ok());  // Same uncommitted batch.
  EXPECT_EQ(first, AddResult::kAdded);
  EXPECT_EQ(second, AddResult::kKnown);
  ASSERT_TRUE(frontier_->Commit(&batch).ok());
  EXPECT_EQ(Add(0, url, UrlKind::kArticle, kNow, DiscoveredBy::kFeed), AddResult::kKnown);
  EXPECT_EQ(Add(0, url, UrlKind::kArticle, kNow, DiscoveredBy::kSitemap), AddResult::kKnown);
  UrlSchedule sc;
  bool found = false;
  ASSERT_TRUE(frontier_->GetSchedule(url, &sc, &found).ok());
  ASSERT_TRUE(found);
  EXPECT_EQ(sc.seen_by, (1 << static_cast<int>(DiscoveredBy::kFeed)) |
                            (1 << static_cast<int>(DiscoveredBy::kSitemap)));
  const UrlState st = ReadState(url);
  EXPECT_EQ(st.discovered_by, DiscoveredBy::kFeed);
  EXPECT_EQ(st.status, UrlStatus::kPending);
  EXPECT_EQ(st.site, "qn");
  EXPECT_EQ(DrainUrls(kNow).size(), 1u);
  EXPECT_EQ(frontier_->Stats(0).added, 1u);
  EXPECT_EQ(frontier_->Stats(0).known, 3u);
}

TEST_F(FrontierTest, ConcurrentAddersQueueEachUrlOnce) {
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([this, t] {
      for (int i = 0; i < 500; ++i) {
        const int n = (i * 7 + t * 13) % 500;
        Add(0, "https://quangninh.gov.vn/tin/" + std::to_string(n), UrlKind::kArticle, kNow);
      }
    });
  }
  for (std::thread& t : threads) t.join();
  const std::vector<std::string> urls = DrainUrls(kNow);
  EXPECT_EQ(urls.size(), 500u);
  EXPECT_EQ(std::set<std::string>(urls.begin(), urls.end()).size(), 500u);
  EXPECT_EQ(frontier_->Stats(0).added, 500u);
  EXPECT_EQ(frontier_->Stats(0).known, 1500u);
}

TEST_F(FrontierTest, AbandonedBatchLeavesNothingBehind) {
  rocksdb::WriteBatch wb;
  FrontierBatch batch(&wb);
  AddRequest r;
  r.url = "https://quangninh.gov.vn/x";
  r.due_ms = kNow;
  AddResult result;
  ASSERT_TRUE(frontier_->Add(0, r, &batch, &result).ok());
  frontier_->Abandon(&batch);  // The caller's write failed.
  EXPECT_FALSE(frontier_->PopReady(kNow));
  EXPECT_EQ(Add(0, "https://quangninh.gov.vn/x", UrlKind::kUnknown, kNow), AddResult::kAdded);
  EXPECT_EQ(DrainUrls(kNow).size(), 1u);
}

TEST_F(FrontierTest, AdaptiveListingIntervalFollowsObservedRate) {
  const std::string listing = "https://quangninh.gov.vn/tin-tuc";
  Add(0, listing, UrlKind::kListing, kNow);
  int64_t now = kNow;
  double published = 0;  // A steady source: one new article per hour.
  int found = 20;        // The first visit sees the backlog.
  for (int i = 0; i < 150; ++i) {
    std::optional<Lease> l = frontier_->PopReady(now);
    ASSERT_TRUE(l) << i;
    ASSERT_EQ(l->url, listing);
    const int64_t next = Complete(*l, now, Outcome::kOk, found);
    const double interval = static_cast<double>(next - now) / 1000.0;
    ASSERT_GE(interval, 600.0);
    ASSERT_LE(interval, 86400.0);
    if (i == 0) {
      EXPECT_EQ(interval, 600.0);
    }
    EXPECT_FALSE(frontier_->PopReady(next - 1));
    published += interval / 3600.0;
    found = static_cast<int>(published);
    published -= found;
    now = next;
  }
  UrlSchedule sc;
  bool known = false;
  ASSERT_TRUE(frontier_->GetSchedule(listing, &sc, &known).ok());
  ASSERT_TRUE(known);
  const ListingModel& model = sc.model;
  EXPECT_NEAR(model.Rate() * 3600.0, 1.0, 0.25);
  EXPECT_GT(model.interval_seconds, 1800.0);
  EXPECT_LT(model.interval_seconds, 7200.0);
}

TEST(ListingModelTest, BackoffAndBounds) {
  Recrawl cfg;
  cfg.listing_min_seconds = 600;
  cfg.listing_max_seconds = 3600;
  ListingModel m;
  EXPECT_EQ(UpdateListingModel(&m, 0, 50, true, cfg), 600.0);
  EXPECT_EQ(UpdateListingModel(&m, 600, 0, false, cfg), 900.0);
  EXPECT_EQ(UpdateListingModel(&m, 900, 0, false, cfg), 1350.0);
  EXPECT_EQ(UpdateListingModel(&m, 1350, 0, false, cfg), 2025.0);
  EXPECT_EQ(UpdateListingModel(&m, 2025, 0, false, cfg), 3037.5);
  EXPECT_EQ(UpdateListingModel(&m, 3037.5, 0, false, cfg), 3600.0);  // Clamped to max.
  EXPECT_EQ(UpdateListingModel(&m, 3600, 100, false, cfg), 600.0);   // Burst: clamped to min.
  EXPECT_GT(m.Rate(), 0.0);
  EXPECT_EQ(FailureBackoffSeconds(1, 86400), 60.0);
  EXPECT_EQ(FailureBackoffSeconds(3, 86400), 240.0);
  EXPECT_EQ(FailureBackoffSeconds(30, 86400), 86400.0);
}

TEST_F(FrontierTest, TrapGuardsCutOffAndCount) {
  const std::string base = "https://quangninh.gov.vn";
  EXPECT_EQ(Add(0, base + "/a/b/a/b/c", UrlKind::kUnknown, kNow), AddResult::kTrapped);
  EXPECT_EQ(Add(0, base + "/x/tin/y/tin/z/tin", UrlKind::kUnknown, kNow), AddResult::kTrapped);
  EXPECT_EQ(Add(0, base + "/" + std::string(2100, 'a'), UrlKind::kUnknown, kNow),
            AddResult::kTrapped);
  EXPECT_EQ(Add(0, base + "/deep", UrlKind::kUnknown, kNow, DiscoveredBy::kListing, 6),
            AddResult::kTrapped);
  int calendar_added = 0;
  for (int d = 0; d < 500; ++d) {
    const std::string day = std::to_string(2000 + d / 365) + "-" + std::to_string(1 + d % 12) +
                            "-" + std::to_string(1 + d % 28) + "-" + std::to_string(d);
    calendar_added +=
        Add(0, base + "/lich-cong-tac?ngay=" + day, UrlKind::kUnknown, kNow) == AddResult::kAdded;
  }
  EXPECT_EQ(calendar_added, 400);
  int queries_added = 0;
  for (int i = 0; i < 1100; ++i) {
    queries_added += Add(0, base + "/tim-kiem?q=tu-khoa-" + std::to_string(i), UrlKind::kUnknown,
                         kNow) == AddResult::kAdded;
  }
  EXPECT_EQ(queries_added, 1000);
  // Articles share shapes with traps but are trusted.
  for (int i = 0; i < 1100; ++i) {
    ASSERT_EQ(Add(0, base + "/Trang/ChiTietTinTuc.aspx?nid=" + std::to_string(i), UrlKind::kArticle,
                  kNow),
              AddResult::kAdded);
  }
  const FrontierSiteStats stats = frontier_->Stats(0);
  EXPECT_EQ(stats.trapped[static_cast<int>(TrapReason::kRepeatingSegments)], 2u);
  EXPECT_EQ(stats.trapped[static_cast<int>(TrapReason::kTooLong)], 1u);
  EXPECT_EQ(stats.trapped[static_cast<int>(TrapReason::kTooDeep)], 1u);
  EXPECT_EQ(stats.trapped[static_cast<int>(TrapReason::kCalendar)], 100u);
  EXPECT_EQ(stats.trapped[static_cast<int>(TrapReason::kQueryExplosion)], 100u);
  EXPECT_EQ(frontier_->Stats(1).trapped[static_cast<int>(TrapReason::kCalendar)], 0u);
}

TEST(TrapShapesTest, Detectors) {
  EXPECT_TRUE(HasRepeatingSegments("/a/b/a/b/"));
  EXPECT_TRUE(HasRepeatingSegments("/x/a/x/b/x"));
  EXPECT_FALSE(HasRepeatingSegments("/tin-tuc/tin-tuc/1.html"));
  EXPECT_FALSE(HasRepeatingSegments("/portal/Pages/2024-1-2/a.aspx"));
  EXPECT_TRUE(HasDateToken("https://a.vn/lich/2024/05/12"));
  EXPECT_TRUE(HasDateToken("https://a.vn/lich?ngay=12/05/2024"));
  EXPECT_TRUE(HasDateToken("https://a.vn/lich?year=2024&month=5"));
  EXPECT_TRUE(HasDateToken("https://a.vn/archive/2024-05"));
  EXPECT_FALSE(HasDateToken("https://a.vn/tin/12345.html"));
  EXPECT_FALSE(HasDateToken("https://2024-05-01.vn/"));
}

TEST_F(FrontierTest, DailyBudgetDefersTheSite) {
  sites_[1].recrawl.pages_per_day = 3;
  Reopen();
  for (int i = 0; i < 10; ++i) {
    Add(1, "https://hanoi.gov.vn/tin/" + std::to_string(i), UrlKind::kArticle, kNow);
  }
  Add(0, "https://quangninh.gov.vn/tin/1", UrlKind::kArticle, kNow);
  std::vector<std::string> got = DrainUrls(kNow);
  EXPECT_EQ(got.size(), 4u);  // 3 from the budgeted site, 1 from the other.
  EXPECT_GE(frontier_->Stats(1).budget_deferrals, 1u);
  const int64_t tomorrow = kNow + 86400LL * 1000;
  EXPECT_EQ(DrainUrls(tomorrow).size(), 3u);
}

TEST_F(FrontierTest, FailuresBackOffAndGoneIsDropped) {
  const std::string a = "https://quangninh.gov.vn/tin/1.html";
  const std::string b = "https://quangninh.gov.vn/tin/2.html";
  Add(0, a, UrlKind::kArticle, kNow);
  Add(0, b, UrlKind::kArticle, kNow);
  std::optional<Lease> la = frontier_->PopReady(kNow);
  std::optional<Lease> lb = frontier_->PopReady(kNow);
  ASSERT_TRUE(la && lb);
  EXPECT_EQ(Complete(*la, kNow, Outcome::kTimeout, 0, 0), kNow + 60'000);
  // A first 404 is confirmed an hour later; the second makes it gone.
  EXPECT_EQ(Complete(*lb, kNow, Outcome::kHttp4xx, 0, 404), kNow + 3'600'000);
  EXPECT_EQ(ReadState(b).status, UrlStatus::kFailed);
  EXPECT_EQ(ReadState(a).consecutive_failures, 1);
  std::optional<Lease> retry = frontier_->PopReady(kNow + 60'000);
  ASSERT_TRUE(retry);
  EXPECT_EQ(retry->url, a);
  EXPECT_EQ(retry->priority, Priority::kNew);  // A retry keeps its class.
  std::optional<Lease> again = frontier_->PopReady(kNow + 3'600'000);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->url, b);
  EXPECT_EQ(Complete(*again, kNow + 3'600'000, Outcome::kHttp4xx, 0, 410), 0);
  EXPECT_EQ(ReadState(b).status, UrlStatus::kGone);
  EXPECT_FALSE(frontier_->PopReady(kNow + 86400'000LL * 365));  // a is leased, b gone.
  // A gone URL stays known: rediscovering it queues nothing.
  EXPECT_EQ(Add(0, b, UrlKind::kArticle, kNow), AddResult::kKnown);
}

TEST_F(FrontierTest, ReleaseAndReschedule) {
  const std::string listing = "https://quangninh.gov.vn/tin-tuc?Page=2";
  Add(0, listing, UrlKind::kListing, kNow);
  std::optional<Lease> l = frontier_->PopReady(kNow);
  ASSERT_TRUE(l);
  {
    rocksdb::WriteBatch wb;
    FrontierBatch batch(&wb);
    ASSERT_TRUE(frontier_->Release(*l, kNow, &batch).ok());
    EXPECT_EQ(wb.Count(), 0);
  }
  l = frontier_->PopReady(kNow);
  ASSERT_TRUE(l);
  const int64_t next = Complete(*l, kNow, Outcome::kOk, 5);
  EXPECT_EQ(next, kNow + 600'000);
  // Steady-mode pagination pulls a known page forward (never later).
  EXPECT_EQ(Add(0, listing, UrlKind::kListing, kNow + 1000, DiscoveredBy::kListing, 1, true),
            AddResult::kRescheduled);
  EXPECT_EQ(Add(0, listing, UrlKind::kListing, kNow + 5000, DiscoveredBy::kListing, 1, true),
            AddResult::kKnown);
  EXPECT_EQ(frontier_->PopReady(kNow + 1000)->url, listing);
  EXPECT_FALSE(frontier_->PopReady(kNow + 600'000));
}

TEST_F(FrontierTest, BackfillThenSteadyPagination) {
  const std::string page1 = "https://quangninh.gov.vn/tin-tuc";
  Add(0, page1, UrlKind::kListing, kNow, DiscoveredBy::kSeed, 0);
  std::optional<Lease> l = frontier_->PopReady(kNow);
  ASSERT_TRUE(l);
  EXPECT_EQ(l->mode(), CrawlMode::kBackfill);  // First walk of the listing.
  EXPECT_TRUE(ShouldFollowPagination(l->mode(), 1, 0, 20));
  EXPECT_FALSE(ShouldFollowPagination(l->mode(), 20, 5, 20));
  {
    rocksdb::WriteBatch wb;
    FrontierBatch batch(&wb);
    AddRequest r;
    const std::string page2 = page1 + "?Page=2";
    r.url = page2;
    r.kind = UrlKind::kListing;
    r.due_ms = kNow;
    r.backfill = true;
    AddResult result;
    ASSERT_TRUE(frontier_->Add(0, r, &batch, &result).ok());
    ASSERT_TRUE(frontier_->Commit(&batch).ok());
  }
  Complete(*l, kNow, Outcome::kOk, 20);
  std::optional<Lease> p2 = frontier_->PopReady(kNow);
  ASSERT_TRUE(p2);
  EXPECT_TRUE(p2->backfill);
  EXPECT_EQ(p2->mode(), CrawlMode::kBackfill);
  Complete(*p2, kNow, Outcome::kOk, 20);
  std::optional<Lease> again = frontier_->PopReady(kNow + 600'000);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->url, page1);
  EXPECT_EQ(again->mode(), CrawlMode::kSteady);
  EXPECT_TRUE(ShouldFollowPagination(again->mode(), 1, 3, 20));
  EXPECT_FALSE(ShouldFollowPagination(again->mode(), 1, 0, 20));
}

}  // namespace
}  // namespace tincrawl

namespace tincrawl {
namespace {

using frontier_test::FrontierTest;
using frontier_test::kMinute;
using frontier_test::kNow;

// The schedule record is read-modify-written by a sighting (AddKnown) and by Complete. They
// never interleave: an uncommitted sighting holds its URL back from PopReady, and a sighting of
// a leased URL leaves the schedule to Complete.
TEST_F(FrontierTest, SightingAndCompletionNeverOverwriteEachOther) {
  const std::string url = "https://quangninh.gov.vn/Trang/ChiTietTinTuc.aspx?nid=9";
  ASSERT_EQ(Add(0, url, UrlKind::kArticle, kNow + kMinute), AddResult::kAdded);

  // A second worker sees the URL in a feed; its batch is not committed yet.
  rocksdb::WriteBatch wb;
  FrontierBatch sighting(&wb);
  AddRequest r;
  r.url = url;
  r.kind = UrlKind::kArticle;
  r.discovered_by = DiscoveredBy::kFeed;
  r.due_ms = kNow;
  r.reschedule = true;
  AddResult result = AddResult::kAdded;
  ASSERT_TRUE(frontier_->Add(0, r, &sighting, &result).ok());
  EXPECT_EQ(result, AddResult::kRescheduled);
  EXPECT_FALSE(frontier_->PopReady(kNow + 2 * kMinute));  // Held back until it commits.
  ASSERT_TRUE(frontier_->Commit(&sighting).ok());
  std::optional<Lease> lease = frontier_->PopReady(kNow);
  ASSERT_TRUE(lease.has_value());
  EXPECT_EQ(lease->url, url);

  // Seen again while leased: the sighting writes nothing, Complete decides the next visit.
  rocksdb::WriteBatch wb2;
  FrontierBatch late(&wb2);
  r.discovered_by = DiscoveredBy::kSitemap;
  ASSERT_TRUE(frontier_->Add(0, r, &late, &result).ok());
  EXPECT_EQ(result, AddResult::kKnown);
  const int64_t next = Complete(*lease, kNow);
  ASSERT_TRUE(frontier_->Commit(&late).ok());
  EXPECT_GT(next, kNow);
  EXPECT_FALSE(frontier_->PopReady(next - 1));
  lease = frontier_->PopReady(next);
  ASSERT_TRUE(lease.has_value());
  EXPECT_EQ(lease->url, url);
  EXPECT_FALSE(frontier_->PopReady(next));  // Queued exactly once.
}

}  // namespace
}  // namespace tincrawl

namespace tincrawl {
namespace {

using frontier_test::FrontierTest;
using frontier_test::kMinute;
using frontier_test::kNow;

// The key names the URL; the lease carries the spelling the page published, across a
// completion, a re-queue and a restart.
TEST_F(FrontierTest, LeasesCarryTheUrlAsPublished) {
  const std::string key =
      "https://halong.gov.vn/index.php?Itemid=101&catid=12&id=8101&option=com_content&view=article";
  const std::string published =
      "https://halong.gov.vn/index.php?option=com_content&view=article&id=8101&catid=12&Itemid=101";
  rocksdb::WriteBatch wb;
  FrontierBatch batch(&wb);
  AddRequest r;
  r.url = key;
  r.fetch_url = published;
  r.kind = UrlKind::kArticle;
  r.due_ms = kNow;
  AddResult result = AddResult::kKnown;
  ASSERT_TRUE(frontier_->Add(0, r, &batch, &result).ok());
  ASSERT_TRUE(frontier_->Commit(&batch).ok());
  EXPECT_EQ(ReadState(key).fetch_url, published);

  std::optional<Lease> lease = frontier_->PopReady(kNow);
  ASSERT_TRUE(lease.has_value());
  EXPECT_EQ(lease->url, key);
  EXPECT_EQ(lease->fetch_url, published);
  const int64_t next = Complete(*lease, kNow);
  Reopen();
  lease = frontier_->PopReady(next);
  ASSERT_TRUE(lease.has_value());
  EXPECT_EQ(lease->fetch_url, published);

  // A URL whose published form is its key stores no copy, and leases still say what to fetch.
  const std::string plain = "https://halong.gov.vn/tin-tuc/a.html";
  ASSERT_EQ(Add(0, plain, UrlKind::kArticle, kNow), AddResult::kAdded);
  EXPECT_TRUE(ReadState(plain).fetch_url.empty());
  lease = frontier_->PopReady(kNow);
  ASSERT_TRUE(lease.has_value());
  EXPECT_EQ(lease->fetch_url, plain);
}

}  // namespace
}  // namespace tincrawl

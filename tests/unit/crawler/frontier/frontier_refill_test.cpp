// The frontier's host-cache refills: run by RunRefills (a worker in the daemon) instead of
// inside PopReady, topped up before a class runs dry, and consistent with the ops applied while
// the unlocked seek runs. And the validators a revisit needs, carried by its queue entry.

#include <atomic>
#include <set>
#include <thread>

#include "tests/unit/crawler/frontier/frontier_fixture.h"

namespace tincrawl::frontier_test {
namespace {

class FrontierRefillTest : public FrontierTest {
 protected:
  void SetUp() override {
    options_.refill_inline = false;
    options_.prefetch = 8;  // Low water: 2 entries.
    FrontierTest::SetUp();
  }

  static std::string Article(int i) {
    return "https://quangninh.gov.vn/Trang/ChiTietTinTuc.aspx?nid=" + std::to_string(i);
  }

  // Pops until nothing is due, running the refills PopReady queued whenever it comes back empty.
  std::vector<std::string> DrainWithRefills(int64_t now) {
    std::vector<std::string> out;
    for (;;) {
      std::optional<Lease> l = frontier_->PopReady(now);
      if (l) {
        out.push_back(l->url);
        continue;
      }
      if (!frontier_->RefillsPending()) return out;
      EXPECT_TRUE(frontier_->RunRefills().ok());
    }
  }
};

TEST_F(FrontierRefillTest, PopReadyNeverSeeksAndWaitsForTheRefill) {
  for (int i = 0; i < 20; ++i) Add(0, Article(i), UrlKind::kArticle, kNow - 1000 + i);
  // The host appeared after Open: its cache is unknown until a refill has read it, so nothing
  // is handed out (PopReady did not read the database) and the frontier says work is pending.
  EXPECT_TRUE(frontier_->RefillsPending());
  EXPECT_FALSE(frontier_->PopReady(kNow));
  EXPECT_EQ(frontier_->NextReadyMs(), std::optional<int64_t>(0));
  ASSERT_TRUE(frontier_->RunRefills().ok());
  EXPECT_FALSE(frontier_->RefillsPending());
  std::vector<std::string> got = DrainWithRefills(kNow);
  ASSERT_EQ(got.size(), 20u);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(got[static_cast<size_t>(i)], Article(i));  // Due order.
  EXPECT_FALSE(frontier_->NextReadyMs());  // All leased: nothing will become due.
}

TEST_F(FrontierRefillTest, ClassIsToppedUpBeforeItRunsDry) {
  for (int i = 0; i < 20; ++i) Add(0, Article(i), UrlKind::kArticle, kNow - 1000 + i);
  ASSERT_TRUE(frontier_->RunRefills().ok());
  // Eight cached; leasing down to one left (below the low water of two) queues a refill while
  // the host still has an entry to hand out.
  for (int i = 0; i < 7; ++i) ASSERT_TRUE(frontier_->PopReady(kNow));
  EXPECT_TRUE(frontier_->RefillsPending());
  std::optional<Lease> eighth = frontier_->PopReady(kNow);
  ASSERT_TRUE(eighth);
  EXPECT_EQ(eighth->url, Article(7));
  ASSERT_TRUE(frontier_->RunRefills().ok());
  std::optional<Lease> ninth = frontier_->PopReady(kNow);
  ASSERT_TRUE(ninth);
  EXPECT_EQ(ninth->url, Article(8));  // The leased ones were not read back.
}

TEST_F(FrontierRefillTest, OpenReadsEveryHostsFirstEntries) {
  for (int i = 0; i < 5; ++i) Add(0, Article(i), UrlKind::kArticle, kNow - 1000 + i);
  Add(1, "https://hanoi.gov.vn/tin-tuc/a-1.html", UrlKind::kArticle, kNow);
  Reopen();
  EXPECT_FALSE(frontier_->RefillsPending());
  std::vector<std::string> got;
  while (std::optional<Lease> l = frontier_->PopReady(kNow)) got.push_back(l->url);
  EXPECT_EQ(got.size(), 6u);  // No refill needed: Open read the (complete) classes.
}

// Workers add, lease, complete and refill at once: every URL is handed out exactly once
// (completed ones come back only after article_seconds), whatever the interleaving of the
// unlocked seeks with the ops applied meanwhile.
TEST_F(FrontierRefillTest, ConcurrentOpsDuringRefillsLoseAndDoubleNothing) {
  constexpr int kUrls = 600;
  const std::vector<std::string> hosts = {"quangninh.gov.vn", "halong.gov.vn"};
  const auto url = [&hosts](int i) {
    return "https://" + hosts[static_cast<size_t>(i) % 2] + "/tin/" + std::to_string(i) + ".html";
  };
  std::atomic<bool> adding{true};
  std::atomic<bool> stop{false};
  std::thread adder([&] {
    for (int i = 0; i < kUrls; ++i) Add(0, url(i), UrlKind::kArticle, kNow - kUrls + i);
    adding = false;
  });
  std::thread refiller([&] {
    while (!stop) {
      EXPECT_TRUE(frontier_->RunRefills().ok());
      std::this_thread::yield();
    }
  });
  std::multiset<std::string> leased;
  for (;;) {
    std::optional<Lease> l = frontier_->PopReady(kNow);
    if (!l && !adding) {
      // Perhaps done: let the refills queued or running land (NextReadyMs says 0 meanwhile),
      // then look once more.
      while (frontier_->NextReadyMs() == std::optional<int64_t>(0)) std::this_thread::yield();
      l = frontier_->PopReady(kNow);
      if (!l) break;
    }
    if (!l) {
      std::this_thread::yield();
      continue;
    }
    leased.insert(l->url);
    Complete(*l, kNow);  // Re-queued 30 days ahead: not due again here.
  }
  stop = true;
  adder.join();
  refiller.join();
  EXPECT_EQ(leased.size(), static_cast<size_t>(kUrls));
  for (int i = 0; i < kUrls; ++i) EXPECT_EQ(leased.count(url(i)), 1u) << url(i);
}

TEST_F(FrontierRefillTest, RevisitLeaseCarriesTheValidators) {
  options_.refill_inline = true;
  Reopen();
  const std::string a = Article(1);
  Add(0, a, UrlKind::kArticle, kNow);
  std::optional<Lease> first = frontier_->PopReady(kNow);
  ASSERT_TRUE(first);
  EXPECT_TRUE(first->etag.empty());
  rocksdb::WriteBatch wb;
  FrontierBatch batch(&wb);
  FetchReport report;
  report.http_status = 200;
  report.etag = "\"v1\"";
  report.last_modified = "Tue, 01 Dec 2026 08:00:00 GMT";
  report.now_ms = kNow;
  int64_t next = 0;
  ASSERT_TRUE(frontier_->Complete(*first, report, &batch, &next).ok());
  ASSERT_TRUE(frontier_->Commit(&batch).ok());
  std::optional<Lease> revisit = frontier_->PopReady(next);
  ASSERT_TRUE(revisit);
  EXPECT_EQ(revisit->etag, "\"v1\"");
  EXPECT_EQ(revisit->last_modified, "Tue, 01 Dec 2026 08:00:00 GMT");
  // Given back unfetched (a later retry), the lease keeps them; a restart reads them back.
  rocksdb::WriteBatch wb2;
  FrontierBatch release(&wb2);
  ASSERT_TRUE(frontier_->Release(*revisit, next + kMinute, &release).ok());
  ASSERT_TRUE(frontier_->Commit(&release).ok());
  Reopen();
  std::optional<Lease> again = frontier_->PopReady(next + kMinute);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->etag, "\"v1\"");
  EXPECT_EQ(again->last_modified, "Tue, 01 Dec 2026 08:00:00 GMT");
}

}  // namespace
}  // namespace tincrawl::frontier_test

// PageProcessor when the disk fills up (store or spool): the page is refused with NoSpace, so
// the daemon pauses and retries it, nothing of it is half committed, and once space returns
// every article is stored and spooled exactly once.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "crawler/pipeline/page_processor.h"
#include "support/full_disk_fs.h"
#include "unit/crawler/output/spool_test_support.h"
#include "unit/crawler/pipeline/page_processor_harness.h"

namespace tincrawl {
namespace {

using test_support::ArticleHtml;
using test_support::kArticleUrl;
using test_support::kBavi;
using test_support::kStartMs;
using test_support::Ok;
using test_support::PipelineHarness;
using test_support::ReadFixture;

const char kOtherUrl[] = "https://bavi.hanoi.gov.vn/vi/news/tin-tuc/tap-huan-lan-hai-104.html";

// Another article (a TanDan page: the NukeViet rules miss, the generic extractor takes it).
std::string OtherArticleHtml() { return ReadFixture("extract/tandan_article.html"); }

// Processes like the daemon retrying a paused page (every 100 ms, as RocksDB's own disk-full
// recovery may hold the store for a few seconds): until it is no longer refused for space.
PageOutcome ProcessUntilAccepted(PipelineHarness& h, const Lease& lease, const FetchResult& r) {
  PageOutcome out;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  do {
    out = h.processor().Process(lease, r, kStartMs);
    if (out.status.code() != Status::Code::kNoSpace) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  } while (std::chrono::steady_clock::now() < deadline);
  return out;
}

TEST(PageProcessorDiskTest, FullStoreRefusesThePageUntilSpaceReturns) {
  auto disk = std::make_shared<test_support::FullDiskFs>(rocksdb::FileSystem::Default());
  std::unique_ptr<rocksdb::Env> env = rocksdb::NewCompositeEnv(disk);
  PipelineHarness::Options options;
  options.env = env.get();
  options.sync_wal = true;
  PipelineHarness h(options);
  auto lease = h.SeedAndLease(kBavi, kArticleUrl, UrlKind::kUnknown);
  ASSERT_TRUE(lease);
  const FetchResult page = Ok(*lease, ArticleHtml());

  disk->full = true;
  const PageOutcome refused = h.processor().Process(*lease, page, kStartMs);
  EXPECT_EQ(refused.status.code(), Status::Code::kNoSpace) << refused.status.ToString();
  EXPECT_GT(disk->failures.load(), 0);
  // Nothing of the page was committed: no article, the URL is still only queued.
  EXPECT_TRUE(h.Articles().empty());
  EXPECT_EQ(h.UrlStateOf(kArticleUrl).status, UrlStatus::kPending);
  EXPECT_EQ(h.UrlStateOf(kArticleUrl).fetch_count, 0);
  EXPECT_EQ(h.spool().lines_written(), 0);
  EXPECT_EQ(h.counters().articles_new.load(), 0);
  EXPECT_GE(h.store().no_space_errors(), 1);

  disk->full = false;
  const PageOutcome accepted = ProcessUntilAccepted(h, *lease, page);
  ASSERT_TRUE(accepted.status.ok()) << accepted.status.ToString();
  EXPECT_TRUE(accepted.article);
  EXPECT_EQ(accepted.decision, IngestDecision::kNew);
  EXPECT_EQ(h.UrlStateOf(kArticleUrl).status, UrlStatus::kFetched);
  EXPECT_EQ(h.UrlStateOf(kArticleUrl).fetch_count, 1);
  EXPECT_EQ(h.counters().articles_new.load(), 1);
  ASSERT_TRUE(h.spool().Close().ok());
  spool_test::ExpectExactlyOnce(h.store(), h.spool_dir(), 1);
}

TEST(PageProcessorDiskTest, FullSpoolPausesAndLosesNoLine) {
  std::atomic<bool> full{false};
  PipelineHarness::Options options;
  options.spool_write = [&full](int fd, const void* data, size_t size) -> ssize_t {
    if (!full) return ::write(fd, data, size);
    errno = ENOSPC;
    return -1;
  };
  PipelineHarness h(options);
  auto first = h.SeedAndLease(kBavi, kArticleUrl, UrlKind::kUnknown);
  auto second = h.SeedAndLease(kBavi, kOtherUrl, UrlKind::kUnknown);
  ASSERT_TRUE(first && second);
  const FetchResult first_page = Ok(*first, ArticleHtml());
  const FetchResult second_page = Ok(*second, OtherArticleHtml());

  full = true;
  // The first page may commit (its line waits in the spool's memory) or be refused; the second
  // cannot be taken while a line is unwritten. Either way the caller is told to pause.
  const PageOutcome a = h.processor().Process(*first, first_page, kStartMs);
  const PageOutcome b = h.processor().Process(*second, second_page, kStartMs);
  EXPECT_TRUE(a.status.ok() || a.status.code() == Status::Code::kNoSpace) << a.status.ToString();
  EXPECT_EQ(b.status.code(), Status::Code::kNoSpace) << b.status.ToString();
  EXPECT_EQ(h.spool().lines_written(), 0);
  EXPECT_LE(h.Articles().size(), 1u);
  EXPECT_EQ(h.ArticleAt(kOtherUrl), std::nullopt);
  EXPECT_EQ(h.UrlStateOf(kOtherUrl).status, UrlStatus::kPending);
  EXPECT_GE(h.spool().errors(SpoolError::kNoSpace), 1);
  EXPECT_NE(h.metrics().Scrape().find("tincrawl_spool_errors_total{reason=\"no_space\"}"),
            std::string::npos);

  full = false;
  if (!a.status.ok()) {
    ASSERT_TRUE(ProcessUntilAccepted(h, *first, first_page).status.ok());
  }
  const PageOutcome retried = ProcessUntilAccepted(h, *second, second_page);
  ASSERT_TRUE(retried.status.ok()) << retried.status.ToString();
  EXPECT_EQ(retried.decision, IngestDecision::kNew);
  EXPECT_EQ(h.counters().articles_new.load(), 2);
  ASSERT_TRUE(h.spool().Close().ok());
  spool_test::ExpectExactlyOnce(h.store(), h.spool_dir(), 2);
}

}  // namespace
}  // namespace tincrawl

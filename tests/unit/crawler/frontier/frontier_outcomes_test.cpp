// The outcome table (docs/outcomes.md): what each kind of failure does to a URL.
#include <gtest/gtest.h>

#include "crawler/frontier/frontier.h"
#include "crawler/frontier/recrawl.h"
#include "unit/crawler/frontier/frontier_fixture.h"

namespace tincrawl {
namespace {

using frontier_test::FrontierTest;
using frontier_test::kNow;

constexpr int64_t kHour = 3'600'000;
constexpr int64_t kDay = 24 * kHour;
const std::string kArticle = "https://quangninh.gov.vn/tin/1.html";

class FrontierOutcomesTest : public FrontierTest {
 protected:
  // Leases kArticle at `now` and completes it with `outcome`; returns the next due time.
  int64_t FetchAt(int64_t now, Outcome outcome, int http) {
    std::optional<Lease> l = frontier_->PopReady(now);
    EXPECT_TRUE(l.has_value());
    if (!l) return -1;
    EXPECT_EQ(l->url, kArticle);
    return Complete(*l, now, outcome, 0, http);
  }
};

TEST_F(FrontierOutcomesTest, TransientFailuresAreRetriedForeverWithCappedBackoff) {
  Add(0, kArticle, UrlKind::kArticle, kNow);
  int64_t now = kNow;
  double last_wait = 0;
  for (int i = 1; i <= 30; ++i) {
    const Outcome o = i % 3 == 0 ? Outcome::kDns : i % 3 == 1 ? Outcome::kHttp5xx : Outcome::kReset;
    const int64_t next = FetchAt(now, o, o == Outcome::kHttp5xx ? 503 : 0);
    ASSERT_GT(next, now) << i;
    const double wait = static_cast<double>(next - now) / 1000.0;
    EXPECT_GE(wait, last_wait) << i;
    EXPECT_LE(wait, 86400.0) << i;  // listing_max_seconds.
    last_wait = wait;
    now = next;
  }
  EXPECT_EQ(last_wait, 86400.0);
  EXPECT_EQ(ReadState(kArticle).consecutive_failures, 30);
  EXPECT_EQ(frontier_->Stats(0).given_up[static_cast<int>(Outcome::kDns)], 0u);
}

TEST_F(FrontierOutcomesTest, RateLimitsRobotsOutagesAndFixableRefusalsAreRetried) {
  for (Outcome o : {Outcome::kHttp4xx, Outcome::kPrivateAddress, Outcome::kTooLarge, Outcome::kTls,
                    Outcome::kTimeout}) {
    EXPECT_EQ(FailureActionFor(o, o == Outcome::kHttp4xx ? 429 : 0, false), FailureAction::kRetry)
        << OutcomeName(o);
  }
  // robots.txt unreachable: the outcome is the robots.txt fetch's, and the URL is retried.
  EXPECT_EQ(FailureActionFor(Outcome::kRobotsDenied, 0, true), FailureAction::kRetry);
  EXPECT_EQ(FailureActionFor(Outcome::kHttp5xx, 503, true), FailureAction::kRetry);
  EXPECT_EQ(FailureActionFor(Outcome::kRobotsDenied, 0, false), FailureAction::kRulesChange);
  EXPECT_EQ(FailureActionFor(Outcome::kHttp4xx, 403, false), FailureAction::kGiveUp);
  EXPECT_EQ(FailureActionFor(Outcome::kHttp4xx, 410, false), FailureAction::kMaybeGone);
}

TEST_F(FrontierOutcomesTest, GoneNeedsTwoNotFoundsAnHourApart) {
  Add(0, kArticle, UrlKind::kArticle, kNow);
  const int64_t second = FetchAt(kNow, Outcome::kHttp4xx, 404);
  EXPECT_EQ(second, kNow + kHour);
  // Seen again too soon (a rediscovery brought it forward): not gone yet.
  EXPECT_EQ(Add(0, kArticle, UrlKind::kArticle, kNow + 60'000), AddResult::kRescheduled);
  const int64_t third = FetchAt(kNow + 60'000, Outcome::kHttp4xx, 404);
  EXPECT_GT(third, kNow + 60'000);
  EXPECT_NE(ReadState(kArticle).status, UrlStatus::kGone);
  EXPECT_EQ(FetchAt(third, Outcome::kHttp4xx, 404), 0);
  EXPECT_EQ(ReadState(kArticle).status, UrlStatus::kGone);
  EXPECT_EQ(Add(0, kArticle, UrlKind::kArticle, third + kHour), AddResult::kKnown);
  EXPECT_FALSE(frontier_->PopReady(third + 365 * kDay));
}

TEST_F(FrontierOutcomesTest, PermanentRefusalsAreGivenUpCountedAndRevivedByRediscovery) {
  Add(0, kArticle, UrlKind::kArticle, kNow);
  int64_t now = kNow;
  for (int i = 1; i < kGiveUpAfter; ++i) {
    now = FetchAt(now, Outcome::kHttp4xx, 403);
    ASSERT_GT(now, 0) << i;
  }
  EXPECT_EQ(FetchAt(now, Outcome::kHttp4xx, 403), 0);
  EXPECT_EQ(frontier_->Stats(0).given_up[static_cast<int>(Outcome::kHttp4xx)], 1u);
  EXPECT_FALSE(frontier_->PopReady(now + 365 * kDay));
  // Linked again: queued again, due now.
  EXPECT_EQ(Add(0, kArticle, UrlKind::kArticle, now + kHour), AddResult::kRescheduled);
  EXPECT_EQ(FetchAt(now + kHour, Outcome::kOk, 200), now + kHour + 30 * kDay);
}

TEST_F(FrontierOutcomesTest, RobotsDeniedWaitsForTheRulesAndIsNotPulledForward) {
  Add(0, kArticle, UrlKind::kArticle, kNow);
  const int64_t next = FetchAt(kNow, Outcome::kRobotsDenied, 0);
  EXPECT_EQ(next, kNow + kDay);
  EXPECT_EQ(Add(0, kArticle, UrlKind::kArticle, kNow + kHour), AddResult::kKnown);
  EXPECT_FALSE(frontier_->PopReady(next - 1));
  EXPECT_EQ(FetchAt(next, Outcome::kRobotsDenied, 0), next + kDay);  // Never dropped.
}

TEST_F(FrontierOutcomesTest, RediscoveryBringsANeverFetchedUrlForward) {
  Add(0, kArticle, UrlKind::kArticle, kNow);
  int64_t now = FetchAt(kNow, Outcome::kTimeout, 0);
  now = FetchAt(now, Outcome::kTimeout, 0);
  ASSERT_EQ(now, kNow + 60'000 + 120'000);
  const int64_t seen = kNow + 70'000;
  EXPECT_EQ(Add(0, kArticle, UrlKind::kArticle, seen), AddResult::kRescheduled);
  EXPECT_EQ(frontier_->PopReady(seen)->url, kArticle);
}

TEST_F(FrontierOutcomesTest, UnchangedRevisitsDecayAndAFeedUpdatePullsOneForward) {
  Add(0, kArticle, UrlKind::kArticle, kNow);
  int64_t now = FetchAt(kNow, Outcome::kOk, 200);
  EXPECT_EQ(now, kNow + 30 * kDay);
  // Found again by a listing: a fetched article keeps its revisit time.
  EXPECT_EQ(Add(0, kArticle, UrlKind::kArticle, kNow + kHour), AddResult::kKnown);
  int64_t next = FetchAt(now, Outcome::kNotModified, 304);
  EXPECT_EQ(next - now, 60 * kDay);
  now = next;
  next = FetchAt(now, Outcome::kOk, 200);
  EXPECT_EQ(next - now, 120 * kDay);
  now = next;
  for (int i = 0; i < 6; ++i) now = FetchAt(now, Outcome::kOk, 200);
  next = FetchAt(now, Outcome::kOk, 200);
  EXPECT_EQ(next - now, 365 * kDay);  // article_max_seconds.
  // A feed says it changed after the last fetch: revisited now.
  AddRequest r;
  r.url = kArticle;
  r.kind = UrlKind::kArticle;
  r.discovered_by = DiscoveredBy::kFeed;
  r.due_ms = next - kDay;
  r.lastmod = (next - kDay) / 1000 - 60;
  EXPECT_EQ(AddCommitted(0, r), AddResult::kRescheduled);
  EXPECT_EQ(frontier_->PopReady(next - kDay)->url, kArticle);
}

}  // namespace
}  // namespace tincrawl

// The frontier across restarts: what was committed survives a clean reopen and a SIGKILL, and
// what was only leased is due again.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <set>
#include <string>
#include <vector>

#include "crawler/frontier/frontier.h"
#include "support/subprocess.h"
#include "unit/crawler/frontier/frontier_fixture.h"

namespace tincrawl {
namespace {

using frontier_test::FrontierTest;
using frontier_test::kMinute;
using frontier_test::kNow;

TEST_F(FrontierTest, RestartKeepsPendingAndNeverRefetchesCompleted) {
  std::set<std::string> all;
  for (int i = 0; i < 60; ++i) {
    const std::string host = i % 3 == 0   ? "quangninh.gov.vn"
                             : i % 3 == 1 ? "halong.gov.vn"
                                          : "hanoi.gov.vn";
    const std::string url = "https://" + host + "/tin/" + std::to_string(i) + ".html";
    all.insert(url);
    Add(host == "hanoi.gov.vn" ? 1 : 0, url, UrlKind::kArticle, kNow - i);
  }
  std::set<std::string> completed, leased_only;
  for (int i = 0; i < 15; ++i) {
    std::optional<Lease> l = frontier_->PopReady(kNow);
    ASSERT_TRUE(l);
    Complete(*l, kNow);
    completed.insert(l->url);
  }
  for (int i = 0; i < 5; ++i) leased_only.insert(frontier_->PopReady(kNow)->url);
  Reopen();  // Leases are memory only: the 5 in flight are due again.
  std::set<std::string> pending;
  for (const std::string& u : DrainUrls(kNow + kMinute)) EXPECT_TRUE(pending.insert(u).second);
  std::set<std::string> expected;
  for (const std::string& u : all) {
    if (completed.count(u) == 0) expected.insert(u);
  }
  EXPECT_EQ(pending, expected);
  for (const std::string& u : leased_only) EXPECT_EQ(pending.count(u), 1u);
  Reopen();
  // Nothing completed is due before its revisit time, and all of it is then.
  EXPECT_EQ(DrainUrls(kNow + 30LL * 86400 * 1000 - 1).size(), 45u);
  Reopen();
  std::set<std::string> revisits;
  for (const std::string& u : DrainUrls(kNow + 30LL * 86400 * 1000)) revisits.insert(u);
  EXPECT_EQ(revisits.size(), 60u);
  for (const std::string& u : completed) EXPECT_EQ(ReadState(u).fetch_count, 1);
}

// The child half of SurvivesKill9, re-executed rather than forked: a fork of this process
// inherits none of RocksDB's background threads (and ThreadSanitizer cannot follow a forked
// child that starts threads). It works in the parent's directory and dies by SIGKILL.
class FrontierKill9Child : public FrontierTest {
 protected:
  void SetUp() override {
    const char* dir = std::getenv("TINCRAWL_FRONTIER_DIR");
    if (dir == nullptr) GTEST_SKIP() << "helper for FrontierTest.SurvivesKill9";
    dir_ = dir;
    sites_ = TestSites();
    OpenAll();
  }
  void TearDown() override {}
};

TEST_F(FrontierKill9Child, Run) {
  for (int i = 0; i < 40; ++i) {
    Add(0, "https://quangninh.gov.vn/tin/" + std::to_string(i), UrlKind::kArticle, kNow + i);
  }
  for (int i = 0; i < 10; ++i) Complete(*frontier_->PopReady(kNow + 100), kNow + 100);
  for (int i = 0; i < 5; ++i) frontier_->PopReady(kNow + 100);
  kill(getpid(), SIGKILL);
}

// A child process queues URLs, completes some, leases others and dies by SIGKILL without
// closing anything: the WAL must give the parent exactly the committed state.
TEST_F(FrontierTest, SurvivesKill9) {
  CloseAll();
  const pid_t pid =
      testing::ForkSelf("FrontierKill9Child.Run", {{"TINCRAWL_FRONTIER_DIR", dir_.string()}});
  ASSERT_GE(pid, 0);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "status " << status;
  OpenAll();
  std::vector<std::string> due = DrainUrls(kNow + 100);
  EXPECT_EQ(due.size(), 30u);  // 40 queued - 10 completed; the 5 leased are due again.
  for (int i = 0; i < 10; ++i) {
    const UrlState st = ReadState("https://quangninh.gov.vn/tin/" + std::to_string(i));
    EXPECT_EQ(st.fetch_count, 1) << i;
    EXPECT_EQ(st.status, UrlStatus::kFetched);
  }
  EXPECT_EQ(DrainUrls(kNow + 100 + 30LL * 86400 * 1000).size(), 10u);
}

TEST_F(FrontierTest, BudgetSurvivesRestart) {
  sites_[1].recrawl.pages_per_day = 3;
  Reopen();
  for (int i = 0; i < 10; ++i) {
    Add(1, "https://hanoi.gov.vn/tin/" + std::to_string(i), UrlKind::kArticle, kNow);
  }
  for (int i = 0; i < 2; ++i) Complete(*frontier_->PopReady(kNow), kNow);
  Reopen();
  EXPECT_EQ(DrainUrls(kNow).size(), 1u);
}

}  // namespace
}  // namespace tincrawl

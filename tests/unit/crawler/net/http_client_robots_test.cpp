// HttpClient and robots.txt by RFC 9309: 4xx allows all, 5xx or unreachable keeps the host's
// requests waiting while robots.txt is fetched again, the cause is reported as what it is, the
// rules persist across restarts, and waiting requests count toward the host's admission.

#include <gtest/gtest.h>

#include <ctime>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "crawler/daemon/worker_pool.h"
#include "crawler/net/http_client.h"
#include "crawler/net/robots_store.h"
#include "crawler/store/store.h"
#include "support/http_client_fixture.h"
#include "support/temp_dir.h"
#include "support/test_http_server.h"

namespace tincrawl {
namespace {

using test_support::Body;
using testing::TestHttpServer;
using testing::TestResponse;

TestResponse Status(int status) {
  TestResponse r = Body("");
  r.status = status;
  return r;
}

class HttpClientRobotsTest : public test_support::HttpClientFixture {
 protected:
  // Retries robots.txt quickly; requests wait (practically) forever.
  static RobotsPolicy FastRetry(double max_wait_seconds = 3600) {
    RobotsPolicy policy;
    policy.retry_min_seconds = 0.02;
    policy.retry_max_seconds = 0.1;
    policy.max_wait_seconds = max_wait_seconds;
    return policy;
  }

  // A site whose host backs off briefly and never opens its circuit.
  static SiteConfig QuickSite(const std::string& id, const std::string& host) {
    SiteConfig site = Site(id, host, 0.01);
    site.politeness.backoff_max_seconds = 0.1;
    site.politeness.circuit_failures = 1000;
    return site;
  }

  // Submits without waiting; the results land in `results` (submission order).
  void SubmitAll(const std::vector<std::string>& urls, const std::string& site) {
    results_.resize(urls.size());
    for (size_t i = 0; i < urls.size(); ++i) {
      FetchRequest req;
      req.url = urls[i];
      req.site_id = site;
      client().Submit(req, [this, i](FetchResult r) {
        results_[i] = std::move(r);
        ++done_;
      });
    }
  }

  // Stops the client as the daemon does on exit; client() then builds a new one.
  void Restart() {
    bool closed = false;
    client_->Shutdown([&] { closed = true; });
    RunUntil([&] { return closed; }, 10);
    ASSERT_TRUE(closed);
    client_.reset();
  }

  void UseStore(Store* store) {
    client().SetRobotsStore(std::make_unique<RobotsBytesStore>(
        [store](const std::string& origin, std::string* value) {
          return store->GetRobots(origin, value).ok();
        },
        [store](const std::string& origin, const std::string& value) {
          EXPECT_TRUE(store->PutRobots(origin, value).ok());
        }));
  }

  // A fresh client for site a on `store`, fetching `urls` to completion.
  void FetchWithStore(Store* store, const std::vector<std::string>& urls) {
    UseStore(store);
    client().SetRobotsPolicy(FastRetry());
    ASSERT_TRUE(client().ConfigureSite(QuickSite("a", "a.test")).ok());
    done_ = 0;
    SubmitAll(urls, "a");
    RunUntil([&] { return done_ == urls.size(); });
    ASSERT_EQ(done_, urls.size());
  }

  // A small store in tmp_ (reopened by a second call).
  std::unique_ptr<Store> OpenStore() {
    StoreConfig config;
    config.block_cache_bytes = 4 << 20;
    std::unique_ptr<Store> store;
    const auto s = Store::Open(tmp_.Sub("db"), config, &store);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return store;
  }

  test_support::TempDir tmp_;
  std::vector<FetchResult> results_;
  size_t done_ = 0;
};

TEST_F(HttpClientRobotsTest, NotFoundAllowsEverything) {
  a_.Route("/robots.txt", Status(404));
  a_.SetHandler([](const testing::TestRequest&) { return Body("page"); });
  ASSERT_TRUE(client().ConfigureSite(QuickSite("a", "a.test")).ok());
  SubmitAll({a_.Url("/private/1", "a.test"), a_.Url("/admin", "a.test")}, "a");
  RunUntil([&] { return done_ == 2; });
  ASSERT_EQ(done_, 2u);
  for (const FetchResult& r : results_) EXPECT_EQ(r.outcome, Outcome::kOk) << r.error;
  EXPECT_EQ(a_.CountPath("/robots.txt"), 1u);
}

TEST_F(HttpClientRobotsTest, OutageKeepsRequestsWaitingUntilRobotsAnswers) {
  a_.Route("/robots.txt", Status(503));
  a_.SetHandler([](const testing::TestRequest&) { return Body("page"); });
  client().SetRobotsPolicy(FastRetry());
  ASSERT_TRUE(client().ConfigureSite(QuickSite("a", "a.test")).ok());
  const std::vector<std::string> urls = {
      a_.Url("/news/1", "a.test"), a_.Url("/private/1", "a.test"), a_.Url("/news/2", "a.test"),
      a_.Url("/private/2", "a.test")};
  SubmitAll(urls, "a");
  RunUntil([&] { return a_.CountPath("/robots.txt") >= 3; });
  ASSERT_GE(a_.CountPath("/robots.txt"), 3u);
  EXPECT_EQ(done_, 0u);  // Nothing failed, nothing denied: all four wait.
  EXPECT_GE(client().HostState("a.test").queued, 4u);
  EXPECT_EQ(a_.Log().size(), a_.CountPath("/robots.txt"));  // No page was fetched meanwhile.

  a_.Route("/robots.txt", Body("User-agent: *\nDisallow: /private\n"));
  RunUntil([&] { return done_ == urls.size(); });
  ASSERT_EQ(done_, urls.size());
  EXPECT_EQ(results_[0].outcome, Outcome::kOk) << results_[0].error;
  EXPECT_EQ(results_[2].outcome, Outcome::kOk) << results_[2].error;
  for (size_t i : {1u, 3u}) {
    EXPECT_EQ(results_[i].outcome, Outcome::kRobotsDenied);
    EXPECT_EQ(results_[i].error, "disallowed by robots.txt");
    EXPECT_FALSE(results_[i].robots_unavailable);
  }
  EXPECT_EQ(a_.CountPath("/private/1") + a_.CountPath("/private/2"), 0u);
  EXPECT_EQ(client().HostState("a.test").queued, 0u);
}

TEST_F(HttpClientRobotsTest, UnreachableRobotsWaitsAndIsNotReportedAsDenied) {
  TestHttpServer dead{"127.0.0.4"};
  ASSERT_TRUE(dead.Start());
  dead.Stop();  // Its port now refuses connections.
  net_.resolve.push_back(dead.ResolveEntry("c.test"));
  client().SetRobotsPolicy(FastRetry());
  ASSERT_TRUE(client().ConfigureSite(QuickSite("c", "c.test")).ok());
  SubmitAll({dead.Url("/news/1", "c.test")}, "c");
  RunUntil([&] { return client().HostState("c.test").consecutive_failures >= 3; });
  EXPECT_GE(client().HostState("c.test").consecutive_failures, 3);  // Fetched again and again.
  EXPECT_EQ(done_, 0u);                                             // ... while the URL waits.
  EXPECT_EQ(client().HostState("c.test").queued, 1u);
}

TEST_F(HttpClientRobotsTest, LongOutageHandsRequestsBackWithTheRealCause) {
  TestHttpServer dead{"127.0.0.4"};
  ASSERT_TRUE(dead.Start());
  dead.Stop();
  net_.resolve.push_back(dead.ResolveEntry("c.test"));
  client().SetRobotsPolicy(FastRetry(/*max_wait_seconds=*/0.2));
  ASSERT_TRUE(client().ConfigureSite(QuickSite("c", "c.test")).ok());
  SubmitAll({dead.Url("/news/1", "c.test"), dead.Url("/news/2", "c.test")}, "c");
  RunUntil([&] { return done_ == 2; });
  ASSERT_EQ(done_, 2u);
  for (const FetchResult& r : results_) {
    EXPECT_EQ(r.outcome, Outcome::kConnect);  // What happened, not kRobotsDenied.
    EXPECT_TRUE(r.robots_unavailable);
    EXPECT_EQ(r.error.rfind("robots.txt: connect", 0), 0u) << r.error;
  }
  EXPECT_EQ(client().HostState("c.test").queued, 0u);
}

TEST_F(HttpClientRobotsTest, OutageRecordedBeforeARestartCountsTowardTheWait) {
  TestHttpServer dead{"127.0.0.4"};
  ASSERT_TRUE(dead.Start());
  dead.Stop();
  net_.resolve.push_back(dead.ResolveEntry("c.test"));
  std::map<std::string, std::string> saved;
  RobotsRecord outage;
  outage.site_id = "c";
  outage.failing_since_unix = static_cast<int64_t>(std::time(nullptr)) - 7200;
  outage.last_error = "robots.txt: connect: refused";
  const std::string origin = "http://c.test:" + std::to_string(dead.port());
  saved[origin] = EncodeRobotsRecord(outage);
  client().SetRobotsStore(std::make_unique<RobotsBytesStore>(
      [&](const std::string& o, std::string* value) {
        auto it = saved.find(o);
        if (it == saved.end()) return false;
        *value = it->second;
        return true;
      },
      [&](const std::string& o, const std::string& value) { saved[o] = value; }));
  client().SetRobotsPolicy(FastRetry(/*max_wait_seconds=*/3600));  // Two hours are over it.
  ASSERT_TRUE(client().ConfigureSite(QuickSite("c", "c.test")).ok());
  SubmitAll({dead.Url("/news/1", "c.test")}, "c");
  RunUntil([&] { return done_ == 1; });
  ASSERT_EQ(done_, 1u);
  EXPECT_EQ(results_[0].outcome, Outcome::kConnect);
  EXPECT_TRUE(results_[0].robots_unavailable);
  RobotsRecord after;
  ASSERT_TRUE(DecodeRobotsRecord(saved[origin], &after));
  EXPECT_EQ(after.failing_since_unix, outage.failing_since_unix);  // The same outage goes on.
  EXPECT_EQ(after.last_error.rfind("robots.txt: connect", 0), 0u) << after.last_error;
}

TEST_F(HttpClientRobotsTest, PendingRobotsCountsTowardAdmission) {
  TestResponse slow = Body("User-agent: *\nAllow: /\n");
  slow.delay_seconds = 0.5;
  a_.Route("/robots.txt", slow);
  a_.SetHandler([](const testing::TestRequest&) { return Body("page"); });
  ASSERT_TRUE(client().ConfigureSite(QuickSite("a", "a.test")).ok());
  SubmitAll({a_.Url("/1", "a.test")}, "a");
  RunUntil([&] { return client().HostState("a.test").in_flight == 1; });
  ASSERT_EQ(client().HostState("a.test").in_flight, 1);  // robots.txt on the wire ...
  EXPECT_EQ(client().HostState("a.test").queued, 1u);    // ... and the page waits behind it.
  EXPECT_EQ(client().QueuedFor("a"), 1u);
  RunUntil([&] { return done_ == 1; });
  ASSERT_EQ(done_, 1u);
  EXPECT_EQ(results_[0].outcome, Outcome::kOk) << results_[0].error;
  EXPECT_EQ(client().HostState("a.test").queued, 0u);
}

TEST_F(HttpClientRobotsTest, PersistedRulesSurviveRestart) {
  std::unique_ptr<Store> store = OpenStore();
  ASSERT_TRUE(store);
  a_.Route("/robots.txt", Body("User-agent: *\nDisallow: /private\n"));
  a_.SetHandler([](const testing::TestRequest&) { return Body("page"); });
  FetchWithStore(store.get(), {a_.Url("/news/1", "a.test")});
  ASSERT_EQ(results_[0].outcome, Outcome::kOk);
  Restart();
  store.reset();

  // Reopened, robots.txt now failing: the stored, unexpired rules apply without a fetch.
  store = OpenStore();
  ASSERT_TRUE(store);
  a_.Route("/robots.txt", Status(503));
  FetchWithStore(store.get(), {a_.Url("/private/2", "a.test"), a_.Url("/news/2", "a.test")});
  EXPECT_EQ(results_[0].outcome, Outcome::kRobotsDenied);
  EXPECT_EQ(results_[1].outcome, Outcome::kOk) << results_[1].error;
  EXPECT_EQ(a_.CountPath("/robots.txt"), 1u);
  Restart();

  // Expired and robots.txt failing: the cached copy keeps applying (RFC 9309 §2.4), and the
  // record says why robots.txt is failing.
  const std::string origin = "http://a.test:" + std::to_string(a_.port());
  std::string value;
  RobotsRecord record;
  ASSERT_TRUE(store->GetRobots(origin, &value).ok());
  ASSERT_TRUE(DecodeRobotsRecord(value, &record));
  EXPECT_EQ(record.site_id, "a");
  record.expires_unix = 1;
  ASSERT_TRUE(store->PutRobots(origin, EncodeRobotsRecord(record)).ok());
  FetchWithStore(store.get(), {a_.Url("/private/3", "a.test"), a_.Url("/news/3", "a.test")});
  EXPECT_EQ(results_[0].outcome, Outcome::kRobotsDenied);
  EXPECT_FALSE(results_[0].robots_unavailable);
  EXPECT_EQ(results_[1].outcome, Outcome::kOk) << results_[1].error;
  EXPECT_EQ(a_.CountPath("/robots.txt"), 2u);
  ASSERT_TRUE(store->GetRobots(origin, &value).ok());
  ASSERT_TRUE(DecodeRobotsRecord(value, &record));
  EXPECT_EQ(record.last_error, "robots.txt: http_5xx: HTTP 503");
  EXPECT_GT(record.failing_since_unix, 0);
  EXPECT_EQ(record.body, "User-agent: *\nDisallow: /private\n");  // The rules are kept.
  EXPECT_EQ(a_.CountPath("/private/2") + a_.CountPath("/private/3"), 0u);
}

// With an offload (the daemon's worker pool), parsing robots.txt and the store's reads and
// writes run on workers, never on the loop thread, and the gate decides exactly as inline.
TEST_F(HttpClientRobotsTest, ParsingAndStoreWorkRunOffTheLoopThread) {
  std::unique_ptr<Store> store = OpenStore();
  ASSERT_TRUE(store);
  WorkerPool pool(&loop_, 2, 64);
  ASSERT_TRUE(pool.Start().ok());
  std::mutex mu;
  std::vector<std::thread::id> ran_on;
  const auto offload = [&](std::function<void()> work, std::function<void()> done) {
    ASSERT_TRUE(pool.Submit(
        [&, work = std::move(work)] {
          {
            std::lock_guard<std::mutex> lock(mu);
            ran_on.push_back(std::this_thread::get_id());
          }
          work();
        },
        std::move(done)));
  };
  a_.Route("/robots.txt", Body("User-agent: *\nDisallow: /private\nCrawl-delay: 0.01\n"));
  a_.SetHandler([](const testing::TestRequest&) { return Body("page"); });
  client().SetOffload(offload);
  FetchWithStore(store.get(), {a_.Url("/news/1", "a.test"), a_.Url("/private/1", "a.test")});
  EXPECT_EQ(results_[0].outcome, Outcome::kOk) << results_[0].error;
  EXPECT_EQ(results_[1].outcome, Outcome::kRobotsDenied);
  // The store lookup (nothing yet), the parse and the save; the record is written once the
  // save job ran, which the loop does not wait for.
  const std::string origin = "http://a.test:" + std::to_string(a_.port());
  std::string value;
  RunUntil([&] { return store->GetRobots(origin, &value).ok(); });
  RobotsRecord record;
  ASSERT_TRUE(DecodeRobotsRecord(value, &record));
  EXPECT_EQ(record.body, "User-agent: *\nDisallow: /private\nCrawl-delay: 0.01\n");
  Restart();

  // A new client: the stored rules are read (off the loop) and apply without a fetch.
  client().SetOffload(offload);
  FetchWithStore(store.get(), {a_.Url("/private/2", "a.test"), a_.Url("/news/2", "a.test")});
  EXPECT_EQ(results_[0].outcome, Outcome::kRobotsDenied);
  EXPECT_EQ(results_[1].outcome, Outcome::kOk) << results_[1].error;
  EXPECT_EQ(a_.CountPath("/robots.txt"), 1u);
  Restart();
  bool closed = false;
  pool.Shutdown([&] { closed = true; });
  RunUntil([&] { return closed; }, 10);
  std::lock_guard<std::mutex> lock(mu);
  EXPECT_GE(ran_on.size(), 4u);  // Load, parse, save; load again after the restart.
  for (const std::thread::id id : ran_on) EXPECT_NE(id, std::this_thread::get_id());
}

TEST(RobotsRecordTest, RoundTrips) {
  RobotsRecord r;
  r.site_id = "s";
  r.fetched_unix = 1700000000;
  r.expires_unix = 1700086400;
  r.allow_all = true;
  r.body = std::string("a\0b", 3);
  r.failing_since_unix = 1700000100;
  r.last_error = "robots.txt: dns: nope";
  RobotsRecord back;
  ASSERT_TRUE(DecodeRobotsRecord(EncodeRobotsRecord(r), &back));
  EXPECT_EQ(back, r);
  std::string newer = EncodeRobotsRecord(r);
  newer[0] = 9;
  EXPECT_FALSE(DecodeRobotsRecord(newer, &back));
  EXPECT_FALSE(DecodeRobotsRecord(EncodeRobotsRecord(r).substr(0, 5), &back));
}

}  // namespace
}  // namespace tincrawl

// Redirects through HttpClient: a hop to another host is a request of that host (its queue and
// delay, its robots.txt, its site's TLS policy); nothing of the first site's policy carries over.

#include <gtest/gtest.h>
#include <unistd.h>
#include <uv.h>

#include <filesystem>
#include <string>
#include <vector>

#include "crawler/net/http_client.h"
#include "support/http_client_fixture.h"
#include "support/test_http_server.h"
#include "support/tls_server.h"

namespace tincrawl {
namespace {

namespace fs = std::filesystem;

using test_support::Body;
using testing::TestHttpServer;
using testing::TestRequest;
using testing::TestResponse;
using testing::TlsServer;

TestResponse RedirectTo(const std::string& location) {
  TestResponse r;
  r.status = 302;
  r.headers = {{"Location", location}};
  return r;
}

std::vector<TestRequest> RequestsOf(const TestHttpServer& server, const std::string& path) {
  std::vector<TestRequest> out;
  for (const TestRequest& r : server.Log()) {
    if (r.path == path) out.push_back(r);
  }
  return out;
}

class HttpClientRedirectTest : public test_support::HttpClientFixture {
 protected:
  void SetUp() override {
    HttpClientFixture::SetUp();
    defaults_.min_delay_seconds = 0;  // Hosts of no site: no delay, no robots.txt.
    defaults_.respect_robots = false;
  }
};

TEST_F(HttpClientRedirectTest, TargetHostsQueueAndDelayApply) {
  const std::string landing = b_.Url("/landing", "b.test");
  a_.Route("/go", RedirectTo(landing));
  b_.SetHandler([](const TestRequest&) { return Body("b"); });
  ASSERT_TRUE(client().ConfigureSite(Site("a", "a.test", 0)).ok());
  ASSERT_TRUE(client().ConfigureSite(Site("b", "b.test", 1.0)).ok());
  const auto results =
      FetchEach({{b_.Url("/first", "b.test"), "b"}, {a_.Url("/go", "a.test"), "a"}});
  EXPECT_EQ(results[0].outcome, Outcome::kOk) << results[0].error;
  const FetchResult& r = results[1];
  EXPECT_EQ(r.outcome, Outcome::kOk) << r.error;
  EXPECT_EQ(r.body, "b");
  EXPECT_EQ(r.final_url, landing);
  EXPECT_EQ(r.request.url, a_.Url("/go", "a.test"));  // The caller's request comes back.
  ASSERT_EQ(r.redirects.size(), 1u);
  EXPECT_EQ(r.redirects[0].status, 302);
  EXPECT_EQ(r.redirects[0].url, a_.Url("/go", "a.test"));
  EXPECT_EQ(r.redirects[0].location, landing);
  const auto first = RequestsOf(b_, "/first");
  const auto hop = RequestsOf(b_, "/landing");
  ASSERT_EQ(first.size(), 1u);
  ASSERT_EQ(hop.size(), 1u);
  EXPECT_GE(hop[0].start - first[0].start, 0.99);  // b's 1 s delay, though a has none.
  EXPECT_EQ(b_.MaxHostConcurrency("b.test"), 1);
  // Each host keeps its own address: the hop's connection was booked to b.test.
  EXPECT_EQ(client().HostState("a.test").ip, a_.address());
  EXPECT_EQ(client().HostState("b.test").ip, b_.address());
  EXPECT_EQ(client().HostState("b.test").in_flight, 0);
}

TEST_F(HttpClientRedirectTest, TargetHostsRobotsApply) {
  b_.Route("/robots.txt", Body("User-agent: *\nDisallow: /private\n"));
  b_.SetHandler([](const TestRequest&) { return Body("b"); });
  const std::string target = b_.Url("/private/x", "b.test");
  a_.Route("/go", RedirectTo(target));
  SiteConfig a = Site("a", "a.test", 0);
  a.politeness.respect_robots = false;  // a's own setting does not decide for b.
  SiteConfig b = Site("b", "b.test", 0);
  b.politeness.respect_robots = true;
  ASSERT_TRUE(client().ConfigureSite(a).ok());
  ASSERT_TRUE(client().ConfigureSite(b).ok());
  const FetchResult r = FetchEach({{a_.Url("/go", "a.test"), "a"}})[0];
  EXPECT_EQ(r.outcome, Outcome::kRobotsDenied) << r.error;
  EXPECT_EQ(r.final_url, target);
  ASSERT_EQ(r.redirects.size(), 1u);
  EXPECT_EQ(b_.CountPath("/robots.txt"), 1u);
  EXPECT_EQ(b_.CountPath("/private/x"), 0u);
  EXPECT_EQ(a_.CountPath("/robots.txt"), 0u);
}

TEST_F(HttpClientRedirectTest, LoopsAndHopLimitSpanHosts) {
  a_.Route("/loop", RedirectTo(b_.Url("/loop", "b.test")));
  b_.Route("/loop", RedirectTo(a_.Url("/loop", "a.test")));
  for (int i = 0; i < 4; ++i) {
    TestHttpServer& from = i % 2 == 0 ? a_ : b_;
    const TestHttpServer& to = i % 2 == 0 ? b_ : a_;
    from.Route("/chain" + std::to_string(i), RedirectTo(to.Url("/chain" + std::to_string(i + 1),
                                                               i % 2 == 0 ? "b.test" : "a.test")));
  }
  b_.Route("/chain4", Body("end"));
  net_.max_redirects = 3;
  ASSERT_TRUE(client().ConfigureSite(Site("a", "a.test", 0)).ok());
  ASSERT_TRUE(client().ConfigureSite(Site("b", "b.test", 0)).ok());
  const auto results =
      FetchEach({{a_.Url("/loop", "a.test"), "a"}, {a_.Url("/chain0", "a.test"), "a"}});
  EXPECT_EQ(results[0].outcome, Outcome::kRedirect);
  EXPECT_NE(results[0].error.find("redirect loop"), std::string::npos) << results[0].error;
  EXPECT_EQ(a_.CountPath("/loop"), 1u);
  EXPECT_EQ(b_.CountPath("/loop"), 1u);
  EXPECT_EQ(results[1].outcome, Outcome::kRedirect);
  EXPECT_EQ(results[1].error, "too many redirects");
  EXPECT_EQ(results[1].redirects.size(), 4u);
  EXPECT_EQ(b_.CountPath("/chain3") + a_.CountPath("/chain3"), 1u);
  EXPECT_EQ(b_.CountPath("/chain4"), 0u);
}

// A site reached over plain HTTP with `verify: false` redirects to an HTTPS host whose
// certificate no default trust store accepts.
class HttpClientRedirectTlsTest : public HttpClientRedirectTest {
 protected:
  static void SetUpTestSuite() {
    if (!testing::HaveOpenssl()) return;
    dir_ = new fs::path(fs::temp_directory_path() /
                        ("tincrawl-redirect-tls-" + std::to_string(getpid())));
    fs::create_directories(*dir_);
    ok_ = testing::RunShell("cd " + dir_->string() +
                            " && openssl req -x509 -newkey rsa:2048 -nodes -keyout leaf.key "
                            "-out leaf.pem -days 2 -subj /CN=secure.test "
                            "-addext subjectAltName=DNS:secure.test,IP:127.0.0.1");
  }
  static void TearDownTestSuite() {
    if (dir_ != nullptr) fs::remove_all(*dir_);
    delete dir_;
    dir_ = nullptr;
  }
  void SetUp() override {
    if (!testing::HaveOpenssl()) GTEST_SKIP() << "openssl CLI not installed";
    ASSERT_TRUE(ok_) << "certificate generation failed";
    HttpClientRedirectTest::SetUp();
    server_ = std::make_unique<TlsServer>(*dir_, "leaf.pem", "leaf.key");
    ASSERT_GT(server_->port(), 0);
    net_.resolve.push_back("secure.test:" + std::to_string(server_->port()) + ":127.0.0.1");
  }

  // Site "a" (verify: false) answers /go with a redirect to `target`.
  FetchResult Follow(const std::string& target) {
    a_.Route("/go", RedirectTo(target));
    SiteConfig a = Site("a", "a.test", 0);
    a.tls.verify = false;
    a.tls.legacy_server_connect = true;
    EXPECT_TRUE(client().ConfigureSite(a).ok());
    return FetchEach({{a_.Url("/go", "a.test"), "a"}})[0];
  }

  static fs::path* dir_;
  static bool ok_;
  std::unique_ptr<TlsServer> server_;
};

fs::path* HttpClientRedirectTlsTest::dir_ = nullptr;
bool HttpClientRedirectTlsTest::ok_ = false;

TEST_F(HttpClientRedirectTlsTest, StrictTargetSiteKeepsVerification) {
  SiteConfig secure = Site("secure", "secure.test", 0);
  secure.politeness.respect_robots = false;  // Else its robots.txt fails first, on the same TLS.
  ASSERT_TRUE(client().ConfigureSite(secure).ok());
  const FetchResult r = Follow(server_->Url("secure.test"));
  EXPECT_EQ(r.outcome, Outcome::kTls) << r.error;
  ASSERT_EQ(r.redirects.size(), 1u);
  EXPECT_EQ(r.final_url, server_->Url("secure.test"));
  EXPECT_EQ(r.tls_relaxed, 0u);
}

TEST_F(HttpClientRedirectTlsTest, HostOfNoSiteGetsTheDefaultPolicy) {
  const FetchResult r = Follow(server_->Url("127.0.0.1"));
  EXPECT_EQ(r.outcome, Outcome::kTls) << r.error;
  EXPECT_EQ(r.tls_relaxed, 0u);
}

TEST_F(HttpClientRedirectTlsTest, TargetSitesOwnPolicyApplies) {
  SiteConfig secure = Site("secure", "secure.test", 0);
  secure.tls.ca_file = (*dir_ / "leaf.pem").string();
  ASSERT_TRUE(client().ConfigureSite(secure).ok());
  const FetchResult r = Follow(server_->Url("secure.test"));
  EXPECT_EQ(r.outcome, Outcome::kOk) << r.error;
  EXPECT_EQ(r.http_status, 200);
  EXPECT_EQ(r.tls_relaxed, static_cast<unsigned>(kTlsExtraCa));  // Not verify_off, not legacy.
}

}  // namespace
}  // namespace tincrawl

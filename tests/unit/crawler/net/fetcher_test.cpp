#include "crawler/net/fetcher.h"

#include <gtest/gtest.h>
#include <uv.h>

#include <chrono>
#include <functional>
#include <memory>

#include "crawler/net/curl_outcome.h"
#include "support/run_loop.h"
#include "support/test_http_server.h"

namespace tincrawl {
namespace {

using testing::Fault;
using testing::TestHttpServer;
using testing::TestRequest;
using testing::TestResponse;

class FetcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(uv_loop_init(&loop_), 0);
    ASSERT_TRUE(server_.Start());
    net_.allow_private_networks = {"127.0.0.0/8"};
    net_.connect_timeout_seconds = 5;
    net_.timeout_seconds = 10;
  }

  void TearDown() override {
    if (fetcher_) {
      bool closed = false;
      fetcher_->Shutdown([&] { closed = true; });
      RunUntil([&] { return closed; });
      EXPECT_TRUE(closed);
      fetcher_.reset();
    }
    EXPECT_EQ(uv_loop_close(&loop_), 0);
  }

  Fetcher& fetcher() {
    if (!fetcher_) {
      fetcher_ = std::make_unique<Fetcher>(&loop_, net_);
      EXPECT_TRUE(fetcher_->Init().ok());
    }
    return *fetcher_;
  }

  void RunUntil(const std::function<bool()>& done, double timeout_seconds = 30) {
    test_support::RunLoopUntil(&loop_, done, timeout_seconds);
  }

  FetchResult Fetch(const std::string& url, FetchRequest req = {}, const TlsPolicy* tls = nullptr) {
    req.url = url;
    bool finished = false;
    FetchResult out;
    fetcher().Start(req, tls, [&](FetchResult r) {
      out = std::move(r);
      finished = true;
    });
    RunUntil([&] { return finished; });
    EXPECT_TRUE(finished);
    return out;
  }

  uv_loop_t loop_{};
  TestHttpServer server_;
  NetworkConfig net_;
  std::unique_ptr<Fetcher> fetcher_;
};

TEST_F(FetcherTest, BodyHeadersAndTimings) {
  TestResponse page;
  page.body = "<html>xin chao</html>";
  page.headers = {{"Content-Type", "text/html; charset=utf-8"},
                  {"ETag", "\"abc\""},
                  {"Last-Modified", "Wed, 21 Oct 2015 07:28:00 GMT"}};
  server_.Route("/page", page);
  const FetchResult r = Fetch(server_.Url("/page"));
  EXPECT_EQ(r.outcome, Outcome::kOk) << r.error;
  EXPECT_EQ(r.http_status, 200);
  EXPECT_EQ(r.body, page.body);
  EXPECT_EQ(r.bytes_received, static_cast<int64_t>(page.body.size()));
  EXPECT_EQ(r.content_type, "text/html; charset=utf-8");
  EXPECT_EQ(r.etag, "\"abc\"");
  EXPECT_EQ(r.last_modified, "Wed, 21 Oct 2015 07:28:00 GMT");
  EXPECT_EQ(r.primary_ip, "127.0.0.1");
  EXPECT_EQ(r.final_url, server_.Url("/page"));
  EXPECT_GT(r.timings.first_byte, 0.0);
  EXPECT_GE(r.timings.total, r.timings.first_byte);
  EXPECT_LT(r.timings.total, 5.0);
  ASSERT_EQ(server_.Log().size(), 1u);
  EXPECT_NE(server_.Log()[0].headers["user-agent"].find("tincrawl/"), std::string::npos);
}

TEST_F(FetcherTest, GzipBodyIsDecoded) {
  const std::string text(100000, 'a');
  TestResponse page;
  page.body = testing::Gzip(text);
  page.headers = {{"Content-Encoding", "gzip"}};
  server_.Route("/gz", page);
  const FetchResult r = Fetch(server_.Url("/gz"));
  EXPECT_EQ(r.outcome, Outcome::kOk) << r.error;
  EXPECT_EQ(r.body, text);
  EXPECT_NE(server_.Log()[0].headers["accept-encoding"].find("gzip"), std::string::npos);
}

TEST_F(FetcherTest, ConditionalGetGives304) {
  server_.SetHandler([](const TestRequest& req) {
    TestResponse resp;
    auto inm = req.headers.find("if-none-match");
    auto ims = req.headers.find("if-modified-since");
    if (inm != req.headers.end() && inm->second == "\"v1\"" && ims != req.headers.end()) {
      resp.status = 304;
      resp.headers = {{"ETag", "\"v1\""}};
    } else {
      resp.body = "fresh";
    }
    return resp;
  });
  FetchRequest req;
  req.etag = "\"v1\"";
  req.last_modified = "Wed, 21 Oct 2015 07:28:00 GMT";
  const FetchResult r = Fetch(server_.Url("/cond"), req);
  EXPECT_EQ(r.outcome, Outcome::kNotModified) << r.error;
  EXPECT_EQ(r.http_status, 304);
  EXPECT_TRUE(r.body.empty());
  EXPECT_EQ(r.etag, "\"v1\"");
  EXPECT_EQ(Fetch(server_.Url("/cond")).body, "fresh");
}

TestResponse Redirect(int status, const std::string& location) {
  TestResponse r;
  r.status = status;
  r.headers = {{"Location", location}};
  return r;
}

TEST_F(FetcherTest, RedirectHopsAreRecorded) {
  server_.Route("/a", Redirect(301, "/b"));
  server_.Route("/b", Redirect(302, server_.Url("/c")));
  TestResponse c;
  c.body = "final";
  server_.Route("/c", c);
  const FetchResult r = Fetch(server_.Url("/a"));
  EXPECT_EQ(r.outcome, Outcome::kOk) << r.error;
  EXPECT_EQ(r.body, "final");
  EXPECT_EQ(r.final_url, server_.Url("/c"));
  ASSERT_EQ(r.redirects.size(), 2u);
  EXPECT_EQ(r.redirects[0].status, 301);
  EXPECT_EQ(r.redirects[0].url, server_.Url("/a"));
  EXPECT_EQ(r.redirects[0].location, server_.Url("/b"));
  EXPECT_EQ(r.redirects[1].status, 302);
  EXPECT_EQ(r.redirects[1].location, server_.Url("/c"));
}

TEST_F(FetcherTest, RedirectLoopIsDetected) {
  server_.Route("/x", Redirect(302, "/y"));
  server_.Route("/y", Redirect(302, "/x"));
  const FetchResult r = Fetch(server_.Url("/x"));
  EXPECT_EQ(r.outcome, Outcome::kRedirect);
  EXPECT_NE(r.error.find("loop"), std::string::npos) << r.error;
  EXPECT_EQ(r.redirects.size(), 2u);
  EXPECT_EQ(server_.Log().size(), 2u);
}

TEST_F(FetcherTest, TooManyRedirects) {
  net_.max_redirects = 3;
  for (int i = 0; i < 10; ++i) {
    server_.Route("/r" + std::to_string(i), Redirect(307, "/r" + std::to_string(i + 1)));
  }
  const FetchResult r = Fetch(server_.Url("/r0"));
  EXPECT_EQ(r.outcome, Outcome::kRedirect);
  EXPECT_EQ(r.redirects.size(), 4u);
  EXPECT_EQ(server_.Log().size(), 4u);
}

TEST_F(FetcherTest, TooLargeByContentLength) {
  TestResponse big;
  big.body = std::string(5000, 'x');
  server_.Route("/big", big);
  FetchRequest req;
  req.max_body_bytes = 1000;
  const FetchResult r = Fetch(server_.Url("/big"), req);
  EXPECT_EQ(r.outcome, Outcome::kTooLarge) << r.error;
  EXPECT_TRUE(r.body.empty());
}

TEST_F(FetcherTest, TooLargeChunked) {
  TestResponse big;
  big.body = std::string(200000, 'x');
  big.chunked = true;
  server_.Route("/chunked", big);
  FetchRequest req;
  req.max_body_bytes = 50000;
  const FetchResult r = Fetch(server_.Url("/chunked"), req);
  EXPECT_EQ(r.outcome, Outcome::kTooLarge) << r.error;
  EXPECT_LE(r.bytes_received, 50000 + 16384 + 16384);
}

TEST_F(FetcherTest, GzipBombIsCapped) {
  TestResponse bomb;
  bomb.body = testing::Gzip(std::string(64 * 1024 * 1024, '\0'));
  ASSERT_LT(bomb.body.size(), 200000u);  // Compressed it is small ...
  bomb.headers = {{"Content-Encoding", "gzip"}};
  server_.Route("/bomb", bomb);
  FetchRequest req;
  req.max_body_bytes = 1024 * 1024;  // ... and passes the Content-Length check.
  const FetchResult r = Fetch(server_.Url("/bomb"), req);
  EXPECT_EQ(r.outcome, Outcome::kTooLarge) << r.error;
  EXPECT_LT(r.bytes_received, 2 * 1024 * 1024);
}

TEST_F(FetcherTest, HeaderSizeIsCapped) {
  net_.max_header_bytes = 4096;
  TestResponse fat;
  for (int i = 0; i < 100; ++i)
    fat.headers.emplace_back("X-Pad-" + std::to_string(i), std::string(60, 'p'));
  server_.Route("/fat", fat);
  const FetchResult r = Fetch(server_.Url("/fat"));
  EXPECT_EQ(r.outcome, Outcome::kTooLarge) << r.error;
  EXPECT_NE(r.error.find("headers"), std::string::npos);
}

TEST_F(FetcherTest, HttpErrorsAndRetryAfter) {
  TestResponse busy;
  busy.status = 503;
  busy.headers = {{"Retry-After", "120"}};
  server_.Route("/busy", busy);
  const FetchResult r = Fetch(server_.Url("/busy"));
  EXPECT_EQ(r.outcome, Outcome::kHttp5xx);
  EXPECT_EQ(r.http_status, 503);
  EXPECT_EQ(r.retry_after, "120");
  EXPECT_EQ(Fetch(server_.Url("/missing")).outcome, Outcome::kHttp4xx);
}

TEST_F(FetcherTest, ConnectionRefusedOnClosedPort) {
  TestHttpServer closed;
  ASSERT_TRUE(closed.Start());
  const std::string url = closed.Url("/");
  closed.Stop();
  const FetchResult r = Fetch(url);
  EXPECT_EQ(r.outcome, Outcome::kConnect) << r.error;
}

TEST_F(FetcherTest, StalledServerTimesOut) {
  net_.timeout_seconds = 1;
  TestResponse stall;
  stall.body = std::string(1000, 's');
  stall.fault = Fault::kStall;
  stall.fault_after_bytes = 10;
  server_.Route("/stall", stall);
  const auto start = std::chrono::steady_clock::now();
  const FetchResult r = Fetch(server_.Url("/stall"));
  const double took =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(r.outcome, Outcome::kTimeout) << r.error;
  EXPECT_GE(took, 0.9);
  // The client gave up on its own: the server is still stalling (its hour-long stall has not
  // ended the response).
  const auto log = server_.Log();
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0].end, 0);
}

// Body bytes held by running transfers are counted as they arrive (the daemon pauses new
// fetches at network.max_buffered_body_bytes) and leave the count with the result.
TEST_F(FetcherTest, BufferedBodyBytesFollowRunningTransfers) {
  net_.timeout_seconds = 2;
  TestResponse stall;
  stall.body = std::string(100000, 's');
  stall.fault = Fault::kStall;
  stall.fault_after_bytes = 4096;
  server_.Route("/stall", stall);
  FetchRequest req;
  req.url = server_.Url("/stall");
  bool finished = false;
  size_t held_at_done = 1;
  fetcher().Start(req, nullptr, [&](FetchResult r) {
    EXPECT_EQ(r.outcome, Outcome::kTimeout) << r.error;
    held_at_done = fetcher().BufferedBodyBytes();
    finished = true;
  });
  RunUntil([&] { return finished || fetcher().BufferedBodyBytes() == 4096; });
  EXPECT_EQ(fetcher().BufferedBodyBytes(), 4096u);
  RunUntil([&] { return finished; });
  EXPECT_TRUE(finished);
  EXPECT_EQ(held_at_done, 0u);
}

TEST_F(FetcherTest, ResetMidBody) {
  TestResponse reset;
  reset.body = std::string(100000, 'r');
  reset.fault = Fault::kResetMidBody;
  reset.fault_after_bytes = 1000;
  server_.Route("/reset", reset);
  const FetchResult r = Fetch(server_.Url("/reset"));
  EXPECT_EQ(r.outcome, Outcome::kReset) << r.error;
}

TEST_F(FetcherTest, ShutdownCancelsTransfersInFlight) {
  TestResponse slow;
  slow.delay_seconds = 10;
  server_.Route("/slow", slow);
  int cancelled = 0;
  int other = 0;
  for (int i = 0; i < 5; ++i) {
    FetchRequest req;
    req.url = server_.Url("/slow");
    fetcher().Start(req, nullptr, [&](FetchResult r) {
      (r.outcome == Outcome::kCancelled ? cancelled : other)++;
    });
  }
  RunUntil([&] { return server_.Log().size() == 5; }, 10);
  ASSERT_EQ(server_.Log().size(), 5u);
  EXPECT_EQ(fetcher().InFlight(), 5u);
  bool closed = false;
  fetcher().Shutdown([&] { closed = true; });
  EXPECT_EQ(cancelled, 5);
  EXPECT_EQ(other, 0);
  RunUntil([&] { return closed; }, 5);
  EXPECT_TRUE(closed);
  // Submitting after shutdown is refused through the callback.
  fetcher_.reset();
  EXPECT_EQ(uv_loop_close(&loop_), 0);
  ASSERT_EQ(uv_loop_init(&loop_), 0);  // TearDown closes it again.
}

TEST_F(FetcherTest, StartAfterShutdownIsCancelled) {
  bool closed = false;
  fetcher().Shutdown([&] { closed = true; });
  Outcome outcome = Outcome::kOk;
  bool called = false;
  FetchRequest req;
  req.url = server_.Url("/");
  EXPECT_EQ(fetcher().Start(req, nullptr,
                            [&](FetchResult r) {
                              called = true;
                              outcome = r.outcome;
                            }),
            0u);
  RunUntil([&] { return closed; }, 5);
  EXPECT_TRUE(called);
  EXPECT_EQ(outcome, Outcome::kCancelled);
  EXPECT_EQ(server_.Log().size(), 0u);
}

TEST_F(FetcherTest, TwoHundredConcurrentTransfers) {
  server_.SetHandler([](const TestRequest& req) {
    TestResponse r;
    r.body = "page " + req.path;
    r.delay_seconds = 0.2;
    return r;
  });
  int ok = 0;
  int done = 0;
  size_t max_in_flight = 0;
  for (int i = 0; i < 200; ++i) {
    FetchRequest req;
    req.url = server_.Url("/p" + std::to_string(i));
    fetcher().Start(req, nullptr, [&, i](FetchResult r) {
      ++done;
      if (r.outcome == Outcome::kOk && r.body == "page /p" + std::to_string(i)) ++ok;
    });
    max_in_flight = std::max(max_in_flight, fetcher().InFlight());
  }
  RunUntil([&] { return done == 200; }, 60);
  EXPECT_EQ(ok, 200);
  EXPECT_EQ(max_in_flight, 200u);
  // Parallel, as the server saw it: many requests in progress at once (sequential would be 1).
  EXPECT_GE(server_.MaxHostConcurrency("127.0.0.1"), 50);
  EXPECT_GE(server_.connections(), 100);
}

TEST_F(FetcherTest, PrivateAddressRefusedWithoutAllowList) {
  net_.allow_private_networks.clear();
  server_.Route("/", TestResponse{});
  const FetchResult r = Fetch(server_.Url("/"));
  EXPECT_EQ(r.outcome, Outcome::kPrivateAddress) << r.error;
  EXPECT_NE(r.error.find("loopback"), std::string::npos) << r.error;
  EXPECT_EQ(server_.connections(), 0);
  EXPECT_TRUE(server_.Log().empty());
}

TEST_F(FetcherTest, PrivateAddressViaResolveRefusedBeforeConnect) {
  // 10.0.0.1 is refused by the guard before any socket exists: no packet leaves the host.
  net_.resolve = {"intranet.test:80:10.0.0.1"};
  const FetchResult r = Fetch("http://intranet.test/");
  EXPECT_EQ(r.outcome, Outcome::kPrivateAddress) << r.error;
  EXPECT_NE(r.error.find("private"), std::string::npos) << r.error;
}

TEST_F(FetcherTest, RedirectToPrivateAddressIsRefused) {
  net_.allow_private_networks = {"127.0.0.1/32"};
  server_.Route("/out", Redirect(302, "http://127.0.0.2:" + std::to_string(server_.port()) + "/"));
  const FetchResult r = Fetch(server_.Url("/out"));
  EXPECT_EQ(r.outcome, Outcome::kPrivateAddress) << r.error;
  EXPECT_EQ(r.redirects.size(), 1u);
  EXPECT_EQ(server_.Log().size(), 1u);
}

TEST_F(FetcherTest, ResolveMapsHostNames) {
  net_.resolve = {server_.ResolveEntry("so-noi-vu.gov.vn")};
  server_.SetHandler([](const TestRequest& req) {
    TestResponse r;
    r.body = req.host;
    return r;
  });
  const FetchResult r = Fetch(server_.Url("/", "so-noi-vu.gov.vn"));
  EXPECT_EQ(r.outcome, Outcome::kOk) << r.error;
  EXPECT_EQ(r.body, "so-noi-vu.gov.vn");
}

TEST_F(FetcherTest, ConnectionsAreReused) {
  server_.Route("/k", TestResponse{});
  for (int i = 0; i < 5; ++i) EXPECT_EQ(Fetch(server_.Url("/k")).outcome, Outcome::kOk);
  EXPECT_EQ(server_.connections(), 1);
}

TEST(OutcomeTest, NamesAndMappings) {
  EXPECT_EQ(OutcomeName(Outcome::kOk), "ok");
  EXPECT_EQ(OutcomeName(Outcome::kNotModified), "not_modified");
  EXPECT_EQ(OutcomeName(Outcome::kHttp4xx), "http_4xx");
  EXPECT_EQ(OutcomeName(Outcome::kPrivateAddress), "private_address");
  EXPECT_EQ(OutcomeName(Outcome::kError), "error");
  EXPECT_EQ(OutcomeFromHttpStatus(200), Outcome::kOk);
  EXPECT_EQ(OutcomeFromHttpStatus(304), Outcome::kNotModified);
  EXPECT_EQ(OutcomeFromHttpStatus(404), Outcome::kHttp4xx);
  EXPECT_EQ(OutcomeFromHttpStatus(503), Outcome::kHttp5xx);
  EXPECT_EQ(OutcomeFromCurlCode(CURLE_OPERATION_TIMEDOUT, 0), Outcome::kTimeout);
  EXPECT_EQ(OutcomeFromCurlCode(CURLE_COULDNT_RESOLVE_HOST, 0), Outcome::kDns);
  EXPECT_EQ(OutcomeFromCurlCode(CURLE_PEER_FAILED_VERIFICATION, 0), Outcome::kTls);
  EXPECT_EQ(OutcomeFromCurlCode(CURLE_RECV_ERROR, ECONNRESET), Outcome::kReset);
  EXPECT_EQ(OutcomeFromCurlCode(CURLE_GOT_NOTHING, 0), Outcome::kConnect);
  EXPECT_TRUE(IsHostFailure(Outcome::kTimeout));
  EXPECT_FALSE(IsHostFailure(Outcome::kHttp4xx));
}

}  // namespace
}  // namespace tincrawl

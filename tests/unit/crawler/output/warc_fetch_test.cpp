// The fetcher half of WARC request records (warc_test.cpp has the writer half): with
// keep_headers, FetchResult::request_headers is curl's own header block of the request sent,
// checked here against what a local server received.
#include <gtest/gtest.h>
#include <uv.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <string>

#include "crawler/net/fetcher.h"
#include "support/run_loop.h"
#include "support/test_http_server.h"

namespace tincrawl {
namespace {

using testing::TestHttpServer;
using testing::TestResponse;

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

class WarcFetchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(uv_loop_init(&loop_), 0);
    ASSERT_TRUE(server_.Start());
    net_.allow_private_networks = {"127.0.0.0/8"};
    net_.user_agent = "tincrawl-test/1 (+https://example.org/bot)";
    fetcher_ = std::make_unique<Fetcher>(&loop_, net_);
    ASSERT_TRUE(fetcher_->Init().ok());
  }
  void TearDown() override {
    bool closed = false;
    fetcher_->Shutdown([&] { closed = true; });
    test_support::RunLoopUntil(&loop_, [&] { return closed; });
    fetcher_.reset();
    EXPECT_EQ(uv_loop_close(&loop_), 0);
  }
  FetchResult Fetch(FetchRequest req) {
    bool done = false;
    FetchResult out;
    fetcher_->Start(req, nullptr, [&](FetchResult r) {
      out = std::move(r);
      done = true;
    });
    EXPECT_TRUE(test_support::RunLoopUntil(&loop_, [&] { return done; }));
    return out;
  }

  uv_loop_t loop_{};
  TestHttpServer server_;
  NetworkConfig net_;
  std::unique_ptr<Fetcher> fetcher_;
};

TEST_F(WarcFetchTest, RequestHeadersAreTheOnesSent) {
  TestResponse page;
  page.body = "<html>xin chao</html>";
  server_.Route("/page", page);
  TestResponse moved;
  moved.status = 301;
  moved.headers = {{"Location", "/page"}};
  server_.Route("/old", moved);
  FetchRequest req;
  req.url = server_.Url("/old");
  req.keep_headers = true;
  req.etag = "\"v1\"";
  const FetchResult r = Fetch(req);
  ASSERT_EQ(r.outcome, Outcome::kOk) << r.error;
  const std::string& head = r.request_headers;
  // The last hop's request, whole: request line, every header the server got, blank line.
  EXPECT_EQ(head.rfind("GET /page HTTP/1.1\r\n", 0), 0u) << head;
  ASSERT_GE(head.size(), 4u);
  EXPECT_EQ(head.substr(head.size() - 4), "\r\n\r\n");
  const auto log = server_.Log();
  ASSERT_EQ(log.size(), 2u);
  const std::string lower = Lower(head);
  for (const auto& [name, value] : log[1].headers) {
    EXPECT_NE(lower.find("\r\n" + name + ": " + Lower(value) + "\r\n"), std::string::npos)
        << name << " missing from\n"
        << head;
  }
  EXPECT_NE(head.find("User-Agent: " + net_.user_agent + "\r\n"), std::string::npos) << head;
  EXPECT_NE(head.find("If-None-Match: \"v1\"\r\n"), std::string::npos) << head;
  EXPECT_EQ(static_cast<size_t>(std::count(head.begin(), head.end(), '\n')),
            1 + log[1].headers.size() + 1)
      << head;
}

TEST_F(WarcFetchTest, NothingCapturedUnlessAsked) {
  TestResponse page;
  page.body = "ok";
  server_.Route("/page", page);
  FetchRequest req;
  req.url = server_.Url("/page");
  const FetchResult r = Fetch(req);
  ASSERT_EQ(r.outcome, Outcome::kOk) << r.error;
  EXPECT_TRUE(r.request_headers.empty());
}

}  // namespace
}  // namespace tincrawl

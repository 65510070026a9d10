#pragma once

// A GoogleTest fixture for HttpClient tests: a libuv loop, two test servers on loopback
// addresses reached as a.test and b.test (network.resolve), both serving an allow-all robots.txt,
// and a client created on first use from net_, defaults_ and sched_ (tests adjust those first).

#include <gtest/gtest.h>
#include <uv.h>

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "crawler/net/http_client.h"
#include "support/run_loop.h"
#include "support/test_http_server.h"

namespace tincrawl::test_support {

inline testing::TestResponse Body(std::string body) {
  testing::TestResponse r;
  r.body = std::move(body);
  return r;
}

class HttpClientFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(uv_loop_init(&loop_), 0);
    ASSERT_TRUE(a_.Start());
    ASSERT_TRUE(b_.Start());
    net_.allow_private_networks = {"127.0.0.0/8"};
    net_.resolve = {a_.ResolveEntry("a.test"), b_.ResolveEntry("b.test")};
    net_.timeout_seconds = 10;
    sched_.jitter = 0;
    for (auto* server : {&a_, &b_}) server->Route("/robots.txt", Body("User-agent: *\nAllow: /\n"));
  }

  void TearDown() override {
    if (client_) {
      bool closed = false;
      client_->Shutdown([&] { closed = true; });
      RunUntil([&] { return closed; }, 10);
      EXPECT_TRUE(closed);
      client_.reset();
    }
    EXPECT_EQ(uv_loop_close(&loop_), 0);
  }

  static SiteConfig Site(const std::string& id, const std::string& host, double delay,
                         int per_host = 1) {
    SiteConfig site;
    site.id = id;
    site.hosts = {host};
    site.politeness.min_delay_seconds = delay;
    site.politeness.max_connections_per_host = per_host;
    return site;
  }

  HttpClient& client() {
    if (!client_) {
      client_ = std::make_unique<HttpClient>(&loop_, net_, defaults_, sched_);
      EXPECT_TRUE(client_->Init().ok());
    }
    return *client_;
  }

  void RunUntil(const std::function<bool()>& done, double timeout_seconds = 30) {
    RunLoopUntil(&loop_, done, timeout_seconds);
  }

  // Submits every (url, site id) at once and runs until all completed; results in that order.
  std::vector<FetchResult> FetchEach(const std::vector<std::pair<std::string, std::string>>& urls,
                                     double timeout_seconds = 30) {
    std::vector<FetchResult> results(urls.size());
    size_t done = 0;
    for (size_t i = 0; i < urls.size(); ++i) {
      FetchRequest req;
      req.url = urls[i].first;
      req.site_id = urls[i].second;
      client().Submit(req, [&, i](FetchResult r) {
        results[i] = std::move(r);
        ++done;
      });
    }
    RunUntil([&] { return done == urls.size(); }, timeout_seconds);
    EXPECT_EQ(done, urls.size());
    return results;
  }

  uv_loop_t loop_{};
  testing::TestHttpServer a_{"127.0.0.2"};
  testing::TestHttpServer b_{"127.0.0.3"};
  NetworkConfig net_;
  Politeness defaults_;
  SchedulerOptions sched_;
  std::unique_ptr<HttpClient> client_;
};

}  // namespace tincrawl::test_support

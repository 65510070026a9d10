#include <gtest/gtest.h>
#include <unistd.h>
#include <uv.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>

#include "crawler/net/fetcher.h"
#include "support/tls_server.h"

namespace tincrawl {
namespace {

namespace fs = std::filesystem;

using testing::HaveOpenssl;
using testing::RunShell;
using testing::TlsServer;

class TlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!HaveOpenssl()) return;
    dir_ = new fs::path(fs::temp_directory_path() / ("tincrawl-tls-" + std::to_string(getpid())));
    fs::create_directories(*dir_);
    const std::string d = dir_->string();
    const std::string san = "-addext subjectAltName=IP:127.0.0.1,DNS:localhost";
    ok_ = RunShell(
        "cd " + d + " && " +
        // Root CA.
        "openssl req -x509 -newkey rsa:2048 -nodes -keyout root.key -out root.pem -days 2 "
        "-subj /CN=tincrawl-test-root -addext basicConstraints=critical,CA:TRUE "
        "-addext keyUsage=critical,keyCertSign,cRLSign && "
        // Intermediate CA signed by the root.
        "openssl req -newkey rsa:2048 -nodes -keyout inter.key -out inter.csr "
        "-subj /CN=tincrawl-test-intermediate && "
        "printf 'basicConstraints=critical,CA:TRUE\\nkeyUsage=critical,keyCertSign,cRLSign\\n'"
        " > ca.ext && "
        "openssl x509 -req -in inter.csr -CA root.pem -CAkey root.key -CAcreateserial "
        "-out inter.pem -days 2 -extfile ca.ext && "
        "printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\n' > leaf.ext && "
        // Leaf signed by the root directly.
        "openssl req -newkey rsa:2048 -nodes -keyout leaf.key -out leaf.csr -subj /CN=localhost && "
        "openssl x509 -req -in leaf.csr -CA root.pem -CAkey root.key -CAcreateserial "
        "-out leaf.pem -days 2 -extfile leaf.ext && "
        // Leaf signed by the intermediate (the server will not send the intermediate).
        "openssl x509 -req -in leaf.csr -CA inter.pem -CAkey inter.key -CAcreateserial "
        "-out leaf-inter.pem -days 2 -extfile leaf.ext && "
        "cat root.pem inter.pem > root-inter.pem && "
        // A weak (1024-bit) self-signed certificate, rejected at the default level.
        "openssl req -x509 -newkey rsa:1024 -nodes -keyout weak.key -out weak.pem -days 2 "
        "-subj /CN=localhost " +
        san);
  }
  static void TearDownTestSuite() {
    if (dir_ != nullptr) fs::remove_all(*dir_);
    delete dir_;
    dir_ = nullptr;
  }

  void SetUp() override {
    if (!HaveOpenssl()) GTEST_SKIP() << "openssl CLI not installed";
    ASSERT_TRUE(ok_) << "certificate generation failed";
    ASSERT_EQ(uv_loop_init(&loop_), 0);
    net_.allow_private_networks = {"127.0.0.0/8"};
    net_.timeout_seconds = 10;
    fetcher_ = std::make_unique<Fetcher>(&loop_, net_);
    ASSERT_TRUE(fetcher_->Init().ok());
  }

  void TearDown() override {
    if (!fetcher_) return;
    bool closed = false;
    fetcher_->Shutdown([&] { closed = true; });
    while (!closed) uv_run(&loop_, UV_RUN_ONCE);
    fetcher_.reset();
    EXPECT_EQ(uv_loop_close(&loop_), 0);
  }

  FetchResult Fetch(const std::string& url, const TlsPolicy& tls) {
    FetchRequest req;
    req.url = url;
    bool done = false;
    FetchResult out;
    fetcher_->Start(req, &tls, [&](FetchResult r) {
      out = std::move(r);
      done = true;
    });
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    while (!done && std::chrono::steady_clock::now() < deadline) uv_run(&loop_, UV_RUN_ONCE);
    EXPECT_TRUE(done);
    return out;
  }

  std::string File(const std::string& name) { return (*dir_ / name).string(); }

  static fs::path* dir_;
  static bool ok_;
  uv_loop_t loop_{};
  NetworkConfig net_;
  std::unique_ptr<Fetcher> fetcher_;
};

fs::path* TlsTest::dir_ = nullptr;
bool TlsTest::ok_ = false;

TEST_F(TlsTest, UnknownCaFailsAndExtraCaFileFixesIt) {
  TlsServer server(*dir_, "leaf.pem", "leaf.key");
  ASSERT_GT(server.port(), 0);
  const FetchResult bad = Fetch(server.Url(), TlsPolicy{});
  EXPECT_EQ(bad.outcome, Outcome::kTls) << bad.error;
  EXPECT_EQ(bad.tls_relaxed, 0u);
  TlsPolicy with_ca;
  with_ca.ca_file = File("root.pem");
  const FetchResult good = Fetch(server.Url(), with_ca);
  EXPECT_EQ(good.outcome, Outcome::kOk) << good.error;
  EXPECT_EQ(good.http_status, 200);
  EXPECT_NE(good.body.find("s_server"), std::string::npos);
  EXPECT_EQ(good.tls_relaxed, static_cast<unsigned>(kTlsExtraCa));
  EXPECT_EQ(TlsRelaxationNames(good.tls_relaxed), std::vector<std::string_view>{"ca_file"});
  EXPECT_GT(good.timings.tls, 0.0);
}

TEST_F(TlsTest, MissingIntermediateFixedByCaFile) {
  TlsServer server(*dir_, "leaf-inter.pem", "leaf.key");
  ASSERT_GT(server.port(), 0);
  TlsPolicy root_only;
  root_only.ca_file = File("root.pem");
  EXPECT_EQ(Fetch(server.Url(), root_only).outcome, Outcome::kTls);
  TlsPolicy with_intermediate;
  with_intermediate.ca_file = File("root-inter.pem");
  const FetchResult r = Fetch(server.Url(), with_intermediate);
  EXPECT_EQ(r.outcome, Outcome::kOk) << r.error;
}

TEST_F(TlsTest, VerifyOffIsReported) {
  TlsServer server(*dir_, "leaf.pem", "leaf.key");
  ASSERT_GT(server.port(), 0);
  TlsPolicy off;
  off.verify = false;
  const FetchResult r = Fetch(server.Url(), off);
  EXPECT_EQ(r.outcome, Outcome::kOk) << r.error;
  EXPECT_EQ(r.tls_relaxed, static_cast<unsigned>(kTlsNoVerify));
}

TEST_F(TlsTest, SecurityLevelAdmitsWeakKeys) {
  TlsServer server(*dir_, "weak.pem", "weak.key", "-cipher 'DEFAULT:@SECLEVEL=0'");
  ASSERT_GT(server.port(), 0);
  TlsPolicy strict;
  strict.ca_file = File("weak.pem");
  EXPECT_EQ(Fetch(server.Url(), strict).outcome, Outcome::kTls);
  TlsPolicy relaxed = strict;
  relaxed.security_level = 0;
  const FetchResult r = Fetch(server.Url(), relaxed);
  EXPECT_EQ(r.outcome, Outcome::kOk) << r.error;
  EXPECT_EQ(r.tls_relaxed, static_cast<unsigned>(kTlsExtraCa | kTlsSecurityLevel));
}

TEST_F(TlsTest, LegacyServerConnectAppliedAndReported) {
  TlsServer server(*dir_, "leaf.pem", "leaf.key", "-tls1_2");
  ASSERT_GT(server.port(), 0);
  TlsPolicy legacy;
  legacy.ca_file = File("root.pem");
  legacy.legacy_server_connect = true;
  const FetchResult r = Fetch(server.Url(), legacy);
  EXPECT_EQ(r.outcome, Outcome::kOk) << r.error;
  EXPECT_EQ(r.tls_relaxed, static_cast<unsigned>(kTlsExtraCa | kTlsLegacyServerConnect));
}

TEST_F(TlsTest, UnreadableCaFileIsATlsFailure) {
  TlsPolicy missing;
  missing.ca_file = File("does-not-exist.pem");
  const FetchResult r = Fetch("https://127.0.0.1:1/", missing);
  EXPECT_EQ(r.outcome, Outcome::kTls);
  EXPECT_NE(r.error.find("does-not-exist"), std::string::npos);
}

}  // namespace
}  // namespace tincrawl

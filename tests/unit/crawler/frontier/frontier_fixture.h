#pragma once

// The frontier suites' fixture: a RocksDB database with the urls and frontier column families in
// a fresh directory per test, two sites, and helpers to add, complete and drain URLs.

#include <gtest/gtest.h>
#include <rocksdb/db.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "crawler/frontier/frontier.h"

namespace tincrawl::frontier_test {

inline constexpr int64_t kNow = 1'700'000'000'000;  // ms
inline constexpr int64_t kMinute = 60'000;

inline SiteConfig MakeSite(const std::string& id, std::vector<std::string> hosts) {
  SiteConfig s;
  s.id = id;
  s.hosts = std::move(hosts);
  s.recrawl.listing_min_seconds = 600;
  s.recrawl.listing_max_seconds = 86400;
  s.recrawl.article_seconds = 30 * 86400;
  s.recrawl.backfill_pages = 20;
  s.recrawl.max_depth = 5;
  s.recrawl.pages_per_day = 100000;
  s.recrawl.jitter = 0;  // Exact due times; FrontierTest.RevisitsAreSpreadByJitter covers it.
  return s;
}

class FrontierTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("frontier_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    sites_ = TestSites();
    OpenAll();
  }
  static std::vector<SiteConfig> TestSites() {
    return {MakeSite("qn", {"quangninh.gov.vn", "halong.gov.vn"}),
            MakeSite("hn", {"hanoi.gov.vn"})};
  }
  void TearDown() override {
    CloseAll();
    std::filesystem::remove_all(dir_);
  }

  void OpenAll() {
    rocksdb::Options options;
    options.create_if_missing = true;
    options.create_missing_column_families = true;
    std::vector<rocksdb::ColumnFamilyDescriptor> cfs = {
        {rocksdb::kDefaultColumnFamilyName, {}}, {"urls", {}}, {"frontier", {}}};
    rocksdb::DB* db = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(options, dir_.string(), cfs, &handles_, &db).ok());
    db_.reset(db);
    frontier_ = std::make_unique<Frontier>(db_.get(), handles_[1], handles_[2], sites_, options_);
    ASSERT_TRUE(frontier_->Open().ok());
  }
  void CloseAll() {
    frontier_.reset();
    for (auto* h : handles_) ASSERT_TRUE(db_->DestroyColumnFamilyHandle(h).ok());
    handles_.clear();
    db_.reset();
  }
  void Reopen() {
    CloseAll();
    OpenAll();
  }

  AddResult Add(int site, const std::string& url, UrlKind kind, int64_t due,
                DiscoveredBy by = DiscoveredBy::kListing, int depth = 1, bool reschedule = false) {
    AddRequest r;
    r.url = url;
    r.kind = kind;
    r.discovered_by = by;
    r.depth = depth;
    r.due_ms = due;
    r.reschedule = reschedule;
    return AddCommitted(site, r);
  }

  AddResult AddCommitted(int site, const AddRequest& r) {
    rocksdb::WriteBatch wb;
    FrontierBatch batch(&wb);
    AddResult result = AddResult::kKnown;
    EXPECT_TRUE(frontier_->Add(site, r, &batch, &result).ok());
    EXPECT_TRUE(frontier_->Commit(&batch).ok());
    return result;
  }

  int64_t Complete(const Lease& lease, int64_t now, Outcome outcome = Outcome::kOk,
                   int new_links = 0, int http = 200) {
    rocksdb::WriteBatch wb;
    FrontierBatch batch(&wb);
    FetchReport report;
    report.outcome = outcome;
    report.http_status = http;
    report.new_links = new_links;
    report.now_ms = now;
    int64_t next = -1;
    EXPECT_TRUE(frontier_->Complete(lease, report, &batch, &next).ok());
    EXPECT_TRUE(frontier_->Commit(&batch).ok());
    return next;
  }

  std::vector<std::string> DrainUrls(int64_t now) {
    std::vector<std::string> out;
    while (std::optional<Lease> l = frontier_->PopReady(now)) out.push_back(l->url);
    return out;
  }

  UrlState ReadState(const std::string& url) {
    std::string v;
    UrlState st;
    EXPECT_TRUE(db_->Get({}, handles_[1], url, &v).ok());
    EXPECT_TRUE(DecodeUrlState(v, &st));
    return st;
  }

  std::filesystem::path dir_;
  std::vector<SiteConfig> sites_;
  FrontierOptions options_;
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  std::unique_ptr<Frontier> frontier_;
};

}  // namespace tincrawl::frontier_test

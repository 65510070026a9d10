#pragma once

// Helpers shared by the spool suites: a store + deduper + spool harness and the exactly-once
// check over a spool directory.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "crawler/dedup/dedup.h"
#include "crawler/output/spool.h"
#include "crawler/store/store.h"
#include "support/temp_dir.h"

namespace tincrawl::spool_test {

class TempDir : public test_support::TempDir {
 public:
  TempDir() : test_support::TempDir("tincrawl_spool") {}
};

inline std::vector<std::string> Lines(const std::string& path) {
  std::vector<std::string> out;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

inline std::vector<std::string> AllLines(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& f : Spool::ListFiles(dir)) {
    for (auto& l : Lines(f)) out.push_back(std::move(l));
  }
  return out;
}

inline Article MakeArticle(int i, const std::string& extra = "") {
  Article a;
  a.url = "https://tinh.gov.vn/tin/" + std::to_string(i);
  a.title = "Bài " + std::to_string(i);
  std::mt19937_64 rng(static_cast<uint64_t>(i) * 7919);
  for (int w = 0; w < 60; ++w) a.body += "từ" + std::to_string(rng() % 5000) + " ";
  a.body += extra;
  a.published = "2024-05-01T08:00:00+07:00";
  return a;
}

struct Harness {
  explicit Harness(const TempDir& tmp, FsyncPolicy policy = FsyncPolicy::kBatch,
                   decltype(SpoolOptions::write) write = {}) {
    StoreConfig c;
    c.block_cache_bytes = 4 << 20;
    EXPECT_TRUE(Store::Open(tmp.Sub("db"), c, &store).ok());
    EXPECT_TRUE(Deduper::Open(store.get(), DedupOptions(), &deduper).ok());
    options.dir = tmp.Sub("spool");
    options.fsync = policy;
    options.batch_lines = 4;
    options.write = std::move(write);
    Status st = Spool::Open(options, store.get(), &spool);
    EXPECT_TRUE(st.ok()) << st.ToString();
  }
  IngestResult Ingest(const Article& a) {
    rocksdb::WriteBatch batch;
    IngestResult r;
    IngestContext ctx;
    ctx.site = "tinh";
    ctx.url = a.url;
    ctx.fetched_at = 1714550400;
    EXPECT_TRUE(deduper->Ingest(a, ctx, &batch, &r).ok());
    return r;
  }
  size_t Markers() const {
    std::unique_ptr<rocksdb::Iterator> it(
        store->db()->NewIterator(rocksdb::ReadOptions(), store->cf(Cf::kMeta)));
    size_t n = 0;
    for (it->Seek("emit:"); it->Valid() && it->key().starts_with("emit:"); it->Next()) ++n;
    return n;
  }

  std::unique_ptr<Store> store;
  std::unique_ptr<Deduper> deduper;
  SpoolOptions options;
  std::unique_ptr<Spool> spool;
};

// Counts spool lines per (id, revision).
inline std::map<std::pair<std::string, int>, int> SpoolCounts(const std::string& dir) {
  std::map<std::pair<std::string, int>, int> counts;
  for (const auto& line : AllLines(dir)) {
    const std::string id = line.substr(7, 16);
    const size_t rev = line.find("\"revision\":");
    counts[{id, std::atoi(line.c_str() + rev + 11)}]++;
  }
  return counts;
}

// Every stored article revision is in the spool exactly once, and nothing else is.
inline void ExpectExactlyOnce(const Store& store, const std::string& spool_dir, size_t articles) {
  auto counts = SpoolCounts(spool_dir);
  size_t stored = 0;
  ASSERT_TRUE(ForEachArticle(store, [&](const ArticleRecord& r) {
                ++stored;
                for (int rev = 1; rev <= r.revision; ++rev) {
                  const std::pair<std::string, int> key(r.id, rev);
                  EXPECT_EQ(counts[key], 1) << r.id << " rev " << rev;
                  counts.erase(key);
                }
                return true;
              }).ok());
  EXPECT_EQ(stored, articles);
  EXPECT_TRUE(counts.empty()) << counts.size() << " spool lines name no stored revision";
}

// The store under `dir` + "/db", as the crash children and their parents open it.
inline std::unique_ptr<Store> OpenCrashStore(const std::string& dir) {
  StoreConfig c;
  c.block_cache_bytes = 4 << 20;
  std::unique_ptr<Store> store;
  const Status st = Store::Open(dir + "/db", c, &store);
  EXPECT_TRUE(st.ok()) << st.ToString();
  return store;
}

// After a child was killed: reopens the store and spool under `root` (recovery runs), closes
// the spool and checks exactly-once. Returns the number of stored articles; *reemitted gets
// the lines recovery wrote.
inline size_t RecoverAndCheck(const std::string& root, int64_t* reemitted) {
  std::unique_ptr<Store> store = OpenCrashStore(root);
  if (!store) return 0;
  SpoolOptions o;
  o.dir = root + "/spool";
  std::unique_ptr<Spool> spool;
  const Status st = Spool::Open(o, store.get(), &spool);
  EXPECT_TRUE(st.ok()) << st.ToString();
  if (!spool) return 0;
  EXPECT_TRUE(spool->Close().ok());
  size_t stored = 0;
  EXPECT_TRUE(ForEachArticle(*store, [&](const ArticleRecord&) {
                ++stored;
                return true;
              }).ok());
  ExpectExactlyOnce(*store, o.dir, stored);
  *reemitted = spool->reemitted();
  return stored;
}

}  // namespace tincrawl::spool_test

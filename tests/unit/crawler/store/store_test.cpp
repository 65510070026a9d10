#include "crawler/store/store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <thread>

#include "crawler/store/article_record.h"
#include "support/full_disk_fs.h"
#include "support/temp_dir.h"

namespace tincrawl {
namespace {

namespace fs = std::filesystem;
using test_support::FullDiskFs;

class TempDir : public test_support::TempDir {
 public:
  TempDir() : test_support::TempDir("tincrawl_store") {}
};

StoreConfig SmallConfig() {
  StoreConfig c;
  c.block_cache_bytes = 4 << 20;
  return c;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void WriteFile(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << data;
}

UrlState SampleUrlState() {
  UrlState s;
  s.status = UrlStatus::kFetched;
  s.last_outcome = "ok";
  s.http_status = 200;
  s.etag = "\"abc\"";
  s.last_modified = "Tue, 01 Oct 2024 08:00:00 GMT";
  s.next_visit = 1727800000;
  s.last_fetched = 1727700000;
  s.discovered_by = DiscoveredBy::kSitemap;
  s.site = "hanoi";
  s.depth = 3;
  s.fetch_count = 7;
  s.consecutive_failures = -1;
  return s;
}

TEST(StoreTest, RecordsRoundTripAndRejectGarbage) {
  UrlState u = SampleUrlState();
  UrlState back;
  ASSERT_TRUE(DecodeUrlState(EncodeUrlState(u), &back));
  EXPECT_EQ(back, u);
  std::string enc = EncodeUrlState(u);
  EXPECT_FALSE(DecodeUrlState(enc.substr(0, enc.size() - 3), &back));
  enc[0] = 9;  // A future record version.
  EXPECT_FALSE(DecodeUrlState(enc, &back));

  // The published spelling rides at the end; records written before it existed still decode.
  UrlState with_form = u;
  with_form.fetch_url = "https://a.gov.vn/index.php?option=com_content&id=1";
  ASSERT_TRUE(DecodeUrlState(EncodeUrlState(with_form), &back));
  EXPECT_EQ(back, with_form);
  ASSERT_TRUE(DecodeUrlState(EncodeUrlState(u), &back));
  EXPECT_TRUE(back.fetch_url.empty());

  SiteState s;
  s.pages_fetched = 10;
  s.listing_interval_seconds = 1234.5;
  s.last_error = "timeout";
  SiteState sback;
  ASSERT_TRUE(DecodeSiteState(EncodeSiteState(s), &sback));
  EXPECT_EQ(sback, s);
}

TEST(StoreTest, OpenWriteReopen) {
  TempDir tmp;
  const std::string dir = tmp.Sub("db");
  {
    std::unique_ptr<Store> store;
    ASSERT_TRUE(Store::Open(dir, SmallConfig(), &store).ok());
    for (int i = 0; i < kCfCount; ++i) ASSERT_NE(store->cf(static_cast<Cf>(i)), nullptr);
    rocksdb::WriteBatch batch;
    store->PutUrlState(&batch, "https://hanoi.gov.vn/a", SampleUrlState());
    SiteState site;
    site.articles_new = 4;
    store->PutSiteState(&batch, "hanoi", site);
    ASSERT_TRUE(store->Write(&batch).ok());
    ASSERT_TRUE(store->Flush().ok());
    EXPECT_GT(store->TotalSstBytes(), 0u);
  }
  std::unique_ptr<Store> store;
  ASSERT_TRUE(Store::Open(dir, SmallConfig(), &store).ok());
  UrlState u;
  ASSERT_TRUE(store->GetUrlState("https://hanoi.gov.vn/a", &u).ok());
  EXPECT_EQ(u, SampleUrlState());
  SiteState site;
  ASSERT_TRUE(store->GetSiteState("hanoi", &site).ok());
  EXPECT_EQ(site.articles_new, 4);
  EXPECT_EQ(store->GetUrlState("https://hanoi.gov.vn/missing", &u).code(), Status::Code::kNotFound);
  std::string version;
  ASSERT_TRUE(store->Get(Cf::kMeta, "schema_version", &version).ok());
  EXPECT_EQ(version, std::to_string(Store::kSchemaVersion));
}

// Memory() reports what RocksDB holds: written records sit in the memtables until a flush, and a
// read of a flushed record brings its block into the shared cache, counted once.
TEST(StoreTest, MemoryReportsMemtablesAndBlockCache) {
  TempDir tmp;
  std::unique_ptr<Store> store;
  ASSERT_TRUE(Store::Open(tmp.Sub("db"), SmallConfig(), &store).ok());
  const Store::MemoryUsage empty = store->Memory();
  rocksdb::WriteBatch batch;
  for (int i = 0; i < 200; ++i) {
    store->PutUrlState(&batch, "https://hanoi.gov.vn/a" + std::to_string(i), SampleUrlState());
  }
  ASSERT_TRUE(store->Write(&batch).ok());
  const Store::MemoryUsage written = store->Memory();
  EXPECT_GT(written.memtables, empty.memtables);
  ASSERT_TRUE(store->Flush().ok());
  UrlState u;
  ASSERT_TRUE(store->GetUrlState("https://hanoi.gov.vn/a7", &u).ok());
  const Store::MemoryUsage read = store->Memory();
  EXPECT_GT(read.block_cache, 0u);
  EXPECT_LE(read.block_cache, SmallConfig().block_cache_bytes);
}

TEST(StoreTest, SecondOpenOfLockedStoreFailsCleanly) {
  TempDir tmp;
  std::unique_ptr<Store> a, b;
  ASSERT_TRUE(Store::Open(tmp.Sub("db"), SmallConfig(), &a).ok());
  Status st = Store::Open(tmp.Sub("db"), SmallConfig(), &b);
  EXPECT_EQ(st.code(), Status::Code::kBusy) << st.ToString();
}

TEST(StoreTest, UnknownCompressionRejected) {
  TempDir tmp;
  StoreConfig c = SmallConfig();
  c.compression = "brotli";
  std::unique_ptr<Store> store;
  EXPECT_EQ(Store::Open(tmp.Sub("db"), c, &store).code(), Status::Code::kInvalidArgument);
}

TEST(StoreTest, NewerSchemaVersionRefused) {
  TempDir tmp;
  const std::string dir = tmp.Sub("db");
  {
    std::unique_ptr<Store> store;
    ASSERT_TRUE(Store::Open(dir, SmallConfig(), &store).ok());
    rocksdb::WriteBatch batch;
    ASSERT_TRUE(batch.Put(store->cf(Cf::kMeta), "schema_version", "99").ok());
    ASSERT_TRUE(store->Write(&batch).ok());
  }
  std::unique_ptr<Store> store;
  Status st = Store::Open(dir, SmallConfig(), &store);
  EXPECT_EQ(st.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(st.message().find("newer"), std::string::npos) << st.ToString();
  EXPECT_EQ(store, nullptr);
}

ArticleRecord SampleArticle(int i) {
  ArticleRecord r;
  r.id = "id" + std::to_string(i);
  r.url = "https://hanoi.gov.vn/tin/" + std::to_string(i);
  r.title = "Tin số " + std::to_string(i);
  r.body = std::string(3000, static_cast<char>('a' + i % 26));
  r.body_html = "<p>" + r.body + "</p>";
  r.sightings.push_back({r.id, "hanoi", r.url, 100});
  return r;
}

// A version 1 store (no texts family, texts inside the records) is read as it is by every open
// mode, and a read-write open adds the texts family and marks it current, so an older tincrawl
// refuses it instead of misreading the newer records.
TEST(StoreTest, OlderSchemaIsUpgradedByReadWriteOpen) {
  TempDir tmp;
  const std::string dir = tmp.Sub("db");
  const ArticleRecord legacy = SampleArticle(1);
  {
    std::unique_ptr<Store> store;
    ASSERT_TRUE(Store::Open(dir, SmallConfig(), &store).ok());
    rocksdb::WriteBatch batch;
    batch.Put(store->cf(Cf::kMeta), "schema_version", "1");
    batch.Put(store->cf(Cf::kArticles), legacy.id, EncodeArticleRecord(legacy));
    ASSERT_TRUE(store->Write(&batch).ok());
    ASSERT_TRUE(store->db()->DropColumnFamily(store->cf(Cf::kTexts)).ok());
  }
  std::string version;
  ArticleRecord got;
  {
    std::unique_ptr<Store> read_only;
    ASSERT_TRUE(Store::OpenReadOnly(dir, SmallConfig(), &read_only).ok());
    EXPECT_EQ(read_only->cf(Cf::kTexts), nullptr);
    ASSERT_TRUE(read_only->Get(Cf::kMeta, "schema_version", &version).ok());
    EXPECT_EQ(version, "1");
    ASSERT_TRUE(GetArticle(*read_only, legacy.id, &got).ok());
    EXPECT_EQ(got.body, legacy.body);
    EXPECT_TRUE(got.text_key.empty());
  }
  std::unique_ptr<Store> store;
  ASSERT_TRUE(Store::Open(dir, SmallConfig(), &store).ok());
  EXPECT_NE(store->cf(Cf::kTexts), nullptr);
  ASSERT_TRUE(store->Get(Cf::kMeta, "schema_version", &version).ok());
  EXPECT_EQ(version, std::to_string(Store::kSchemaVersion));
  ASSERT_TRUE(GetArticle(*store, legacy.id, &got).ok());
  EXPECT_EQ(got.body_html, legacy.body_html);
}

TEST(StoreTest, ForeignDirectoryRefusedAndUntouched) {
  TempDir tmp;
  const std::string dir = tmp.Sub("notes");
  fs::create_directories(dir);
  WriteFile(dir + "/todo.txt", "buy milk");
  std::unique_ptr<Store> store;
  Status st = Store::Open(dir, SmallConfig(), &store);
  EXPECT_EQ(st.code(), Status::Code::kInvalidArgument) << st.ToString();
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator()), 1);
  EXPECT_EQ(ReadFile(dir + "/todo.txt"), "buy milk");
}

TEST(StoreTest, ForeignRocksDbRefused) {
  TempDir tmp;
  const std::string dir = tmp.Sub("other");
  {
    rocksdb::Options o;
    o.create_if_missing = true;
    rocksdb::DB* db = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(o, dir, &db).ok());
    ASSERT_TRUE(db->Put({}, "k", "v").ok());
    delete db;
  }
  std::unique_ptr<Store> store;
  Status st = Store::Open(dir, SmallConfig(), &store);
  EXPECT_EQ(st.code(), Status::Code::kInvalidArgument) << st.ToString();
  std::vector<std::string> cfs;
  ASSERT_TRUE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), dir, &cfs).ok());
  EXPECT_EQ(cfs.size(), 1u);  // Nothing was created in the foreign database.
}

TEST(StoreTest, GarbageCurrentIsCorruption) {
  TempDir tmp;
  const std::string dir = tmp.Sub("db");
  {
    std::unique_ptr<Store> store;
    ASSERT_TRUE(Store::Open(dir, SmallConfig(), &store).ok());
  }
  WriteFile(dir + "/CURRENT", "\x01\x02garbage-without-newline");
  std::unique_ptr<Store> store;
  Status st = Store::Open(dir, SmallConfig(), &store);
  EXPECT_EQ(st.code(), Status::Code::kCorruption) << st.ToString();
}

// Builds a flushed store and returns the path of its MANIFEST.
std::string MakeFlushedStore(const std::string& dir) {
  {
    std::unique_ptr<Store> store;
    EXPECT_TRUE(Store::Open(dir, SmallConfig(), &store).ok());
    rocksdb::WriteBatch batch;
    store->PutUrlState(&batch, "u", SampleUrlState());
    EXPECT_TRUE(store->Write(&batch).ok());
    EXPECT_TRUE(store->Flush().ok());
  }
  std::string current = ReadFile(dir + "/CURRENT");
  EXPECT_FALSE(current.empty());
  if (!current.empty()) current.pop_back();  // Trailing newline.
  return dir + "/" + current;
}

TEST(StoreTest, TruncatedManifestIsAnError) {
  TempDir tmp;
  const std::string manifest = MakeFlushedStore(tmp.Sub("db"));
  fs::resize_file(manifest, 5);  // Not even one record header survives.
  std::unique_ptr<Store> store;
  Status st = Store::Open(tmp.Sub("db"), SmallConfig(), &store);
  EXPECT_EQ(st.code(), Status::Code::kCorruption) << st.ToString();
  EXPECT_EQ(store, nullptr);
}

TEST(StoreTest, ScribbledManifestIsCorruption) {
  TempDir tmp;
  const std::string manifest = MakeFlushedStore(tmp.Sub("db"));
  std::string data = ReadFile(manifest);
  ASSERT_GT(data.size(), 64u);
  for (size_t i = 20; i < 40; ++i) data[i] = static_cast<char>(data[i] ^ 0x5A);
  WriteFile(manifest, data);
  std::unique_ptr<Store> store;
  Status st = Store::Open(tmp.Sub("db"), SmallConfig(), &store);
  EXPECT_EQ(st.code(), Status::Code::kCorruption) << st.ToString();
}

TEST(StoreTest, ReadOnlyAndSecondarySeePrimaryWrites) {
  TempDir tmp;
  const std::string dir = tmp.Sub("db");
  std::unique_ptr<Store> primary;
  ASSERT_TRUE(Store::Open(dir, SmallConfig(), &primary).ok());
  rocksdb::WriteBatch b1;
  primary->PutUrlState(&b1, "first", SampleUrlState());
  ASSERT_TRUE(primary->Write(&b1).ok());
  ASSERT_TRUE(primary->Flush().ok());

  std::unique_ptr<Store> secondary;
  ASSERT_TRUE(Store::OpenSecondary(dir, tmp.Sub("secondary"), SmallConfig(), &secondary).ok());
  UrlState u;
  EXPECT_TRUE(secondary->GetUrlState("first", &u).ok());
  rocksdb::WriteBatch refused;
  secondary->PutUrlState(&refused, "x", u);
  EXPECT_FALSE(secondary->Write(&refused).ok());

  rocksdb::WriteBatch b2;
  primary->PutUrlState(&b2, "second", SampleUrlState());
  ASSERT_TRUE(primary->Write(&b2).ok());  // Only in the WAL/memtable so far.
  EXPECT_EQ(secondary->GetUrlState("second", &u).code(), Status::Code::kNotFound);
  ASSERT_TRUE(secondary->CatchUp().ok());
  EXPECT_TRUE(secondary->GetUrlState("second", &u).ok());

  std::unique_ptr<Store> read_only;
  ASSERT_TRUE(Store::OpenReadOnly(dir, SmallConfig(), &read_only).ok());
  EXPECT_TRUE(read_only->GetUrlState("first", &u).ok());
  EXPECT_TRUE(read_only->GetUrlState("second", &u).ok());  // Replayed from the WAL.
}

// Heads and texts written by the primary, flushed or still in its WAL, are read whole by a
// secondary and by a read-only open; a head rewrite keeps its text, a new revision replaces it.
TEST(StoreTest, ArticlesReadWholeByEveryOpenMode) {
  TempDir tmp;
  const std::string dir = tmp.Sub("db");
  constexpr int kRecords = 50;
  std::unique_ptr<Store> store;
  ASSERT_TRUE(Store::Open(dir, SmallConfig(), &store).ok());
  for (int i = 0; i < kRecords; ++i) {
    ArticleRecord r = SampleArticle(i);
    rocksdb::WriteBatch batch;
    PutArticle(&batch, *store, &r, ArticlePart::kWhole);
    ASSERT_TRUE(store->Write(&batch).ok());
    if (i == kRecords / 2) {
      ASSERT_TRUE(store->Flush().ok());
    }
  }
  ArticleRecord head;
  ASSERT_TRUE(GetArticleHead(*store, "id3", &head).ok());
  EXPECT_TRUE(head.body.empty());
  head.title = "Tin số 3 (sửa)";
  {
    rocksdb::WriteBatch batch;
    PutArticle(&batch, *store, &head, ArticlePart::kHead);
    ArticleRecord revised = SampleArticle(4);
    ASSERT_TRUE(GetArticleHead(*store, "id4", &head).ok());
    revised.text_key = head.text_key;
    revised.body = "bản mới";
    revised.revision = 2;
    PutArticle(&batch, *store, &revised, ArticlePart::kWhole);
    ASSERT_TRUE(store->Write(&batch).ok());
  }
  auto check = [&](const Store& s) {
    ArticleRecord r;
    ASSERT_TRUE(GetArticle(s, "id3", &r).ok());
    EXPECT_EQ(r.title, "Tin số 3 (sửa)");
    EXPECT_EQ(r.body, SampleArticle(3).body);
    ASSERT_TRUE(GetArticle(s, "id4", &r).ok());
    EXPECT_EQ(r.body, "bản mới");
    EXPECT_EQ(r.body_html, SampleArticle(4).body_html);
    int seen = 0;
    ASSERT_TRUE(ForEachArticle(s, [&](const ArticleRecord& a) {
                  EXPECT_FALSE(a.body.empty()) << a.id;
                  ++seen;
                  return true;
                }).ok());
    EXPECT_EQ(seen, kRecords);
    std::unique_ptr<rocksdb::Iterator> it(s.db()->NewIterator({}, s.cf(Cf::kTexts)));
    int texts = 0;
    for (it->SeekToFirst(); it->Valid(); it->Next()) ++texts;
    EXPECT_EQ(texts, kRecords);  // The replaced revision's text is gone.
  };
  check(*store);
  {
    std::unique_ptr<Store> secondary;
    ASSERT_TRUE(Store::OpenSecondary(dir, tmp.Sub("secondary"), SmallConfig(), &secondary).ok());
    ASSERT_TRUE(secondary->CatchUp().ok());
    check(*secondary);
  }
  store.reset();
  std::unique_ptr<Store> read_only;
  ASSERT_TRUE(Store::OpenReadOnly(dir, SmallConfig(), &read_only).ok());
  check(*read_only);
}

TEST(StoreTest, RawRetentionPrunesByFetchTime) {
  TempDir tmp;
  std::unique_ptr<Store> store;
  ASSERT_TRUE(Store::Open(tmp.Sub("db"), SmallConfig(), &store).ok());
  rocksdb::WriteBatch batch;
  store->PutRaw(&batch, 1000, "https://a/old", "<html>old</html>");
  store->PutRaw(&batch, 2000, "https://a/mid", "<html>mid</html>");
  store->PutRaw(&batch, 3000, "https://a/new", "<html>new</html>");
  ASSERT_TRUE(store->Write(&batch).ok());
  ASSERT_TRUE(store->PruneRaw(2000).ok());
  std::vector<std::string> urls;
  ASSERT_TRUE(store
                  ->ForEachRaw([&](int64_t at, std::string_view url, std::string_view html) {
                    EXPECT_GE(at, 2000);
                    EXPECT_NE(html.find("<html>"), std::string_view::npos);
                    urls.emplace_back(url);
                    return true;
                  })
                  .ok());
  EXPECT_EQ(urls, (std::vector<std::string>{"https://a/mid", "https://a/new"}));
}

TEST(StoreTest, DiskFullReturnsNoSpaceThenResumes) {
  TempDir tmp;
  const std::string dir = tmp.Sub("db");
  auto faulty = std::make_shared<FullDiskFs>(rocksdb::FileSystem::Default());
  std::unique_ptr<rocksdb::Env> env = rocksdb::NewCompositeEnv(faulty);
  StoreConfig config = SmallConfig();
  config.sync_wal = true;
  std::vector<std::string> acknowledged;
  {
    std::unique_ptr<Store> store;
    ASSERT_TRUE(Store::Open(dir, config, &store, env.get()).ok());
    auto put = [&](const std::string& key) {
      rocksdb::WriteBatch batch;
      store->PutUrlState(&batch, key, SampleUrlState());
      Status st = store->Write(&batch);
      if (st.ok()) acknowledged.push_back(key);
      return st;
    };
    for (int i = 0; i < 50; ++i) ASSERT_TRUE(put("before" + std::to_string(i)).ok());

    faulty->full = true;
    for (int i = 0; i < 5; ++i) {
      Status st = put("during" + std::to_string(i));
      EXPECT_EQ(st.code(), Status::Code::kNoSpace) << st.ToString();
    }
    EXPECT_GE(store->no_space_errors(), 5);
    EXPECT_GE(store->write_errors(), 5);
    EXPECT_GT(faulty->failures.load(), 0);

    faulty->full = false;
    // RocksDB's own disk-full recovery may hold the store for a few seconds (it polls every
    // 5 s); the pipeline's retry loop looks like this one.
    Status st;
    for (int attempt = 0; attempt < 200; ++attempt) {
      st = put("after0");
      if (st.code() != Status::Code::kNoSpace) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ASSERT_TRUE(st.ok()) << st.ToString();
    for (int i = 1; i < 50; ++i) {
      st = put("after" + std::to_string(i));
      ASSERT_TRUE(st.ok()) << st.ToString();
    }
    UrlState u;
    EXPECT_TRUE(store->GetUrlState("before0", &u).ok());
    EXPECT_TRUE(store->GetUrlState("after49", &u).ok());
  }
  std::unique_ptr<Store> store;
  Status st = Store::Open(dir, config, &store);
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(acknowledged.size(), 100u);
  for (const auto& key : acknowledged) {
    UrlState u;
    ASSERT_TRUE(store->GetUrlState(key, &u).ok()) << key;
    EXPECT_EQ(u, SampleUrlState());
  }
  std::unique_ptr<rocksdb::Iterator> it(
      store->db()->NewIterator(rocksdb::ReadOptions(), store->cf(Cf::kUrls)));
  size_t count = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    UrlState u;
    EXPECT_TRUE(DecodeUrlState(std::string_view(it->value().data(), it->value().size()), &u));
    ++count;
  }
  ASSERT_TRUE(it->status().ok());
  EXPECT_EQ(count, acknowledged.size());  // No failed write left a trace.
}

}  // namespace
}  // namespace tincrawl

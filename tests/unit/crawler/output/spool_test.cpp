#include "crawler/output/spool.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "crawler/dedup/dedup.h"
#include "crawler/store/store.h"
#include "support/subprocess.h"
#include "support/temp_dir.h"
#include "unit/crawler/output/spool_test_support.h"

namespace tincrawl {
namespace {

namespace fs = std::filesystem;
using namespace spool_test;  // NOLINT(build/namespaces)

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

struct FakeClock {
  int64_t now = 1714550400;  // 2024-05-01T08:00:00Z
  std::function<int64_t()> Fn() {
    return [this] { return now; };
  }
};

ArticleRecord Record(int i, int revision = 1) {
  ArticleRecord r;
  r.id = Hex64(static_cast<uint64_t>(i) + 1);
  r.revision = revision;
  r.url = "https://a.gov.vn/tin/" + std::to_string(i);
  r.title = "Tin \"số\" " + std::to_string(i);
  r.body = std::string(200, 'x') + "\nđoạn hai";
  r.fetched_at = 1714550400;
  r.sightings.push_back({r.id, "a", r.url, 1714550400});
  return r;
}

SpoolOptions Options(const std::string& dir, FakeClock* clock) {
  SpoolOptions o;
  o.dir = dir;
  o.now = clock->Fn();
  return o;
}

TEST(SpoolTest, RecordJsonHasStablePrefixAndEscapes) {
  const std::string json = ArticleRecordToJson(Record(3, 2));
  EXPECT_EQ(json.rfind("{\"id\":\"0000000000000004\",\"revision\":2,\"event\":\"update\"", 0), 0u)
      << json;
  EXPECT_NE(json.find(R"("title":"Tin \"số\" 3")"), std::string::npos);
  EXPECT_NE(json.find("\\nđoạn hai"), std::string::npos);
  EXPECT_EQ(json.find('\n'), std::string::npos);
  EXPECT_NE(
      json.find(
          R"("sightings":[{"id":"0000000000000004","site":"a","url":"https://a.gov.vn/tin/3","seen_at":"2024-05-01T08:00:00Z"}])"),
      std::string::npos);
  EXPECT_EQ(UnixToRfc3339(0), "1970-01-01T00:00:00Z");
}

TEST(SpoolTest, FileNameCarriesTimeAndSequence) {
  TempDir tmp;
  FakeClock clock;
  std::unique_ptr<Spool> spool;
  ASSERT_TRUE(Spool::Open(Options(tmp.Sub("spool"), &clock), nullptr, &spool).ok());
  EXPECT_EQ(fs::path(spool->current_file()).filename(), "spool-20240501T080000Z-000001.jsonl");
}

TEST(SpoolTest, RotatesBySize) {
  TempDir tmp;
  FakeClock clock;
  SpoolOptions o = Options(tmp.Sub("spool"), &clock);
  o.rotate_bytes = 1000;
  const size_t line_size = ArticleRecordToJson(Record(0)).size() + 1;
  std::unique_ptr<Spool> spool;
  ASSERT_TRUE(Spool::Open(o, nullptr, &spool).ok());
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(spool->Emit(Record(i)).ok());
  ASSERT_TRUE(spool->Close().ok());
  const auto files = Spool::ListFiles(o.dir);
  EXPECT_GE(files.size(), 20 * line_size / (1000 + line_size));
  for (const auto& f : files) {
    EXPECT_LT(fs::file_size(f), 1000 + line_size) << f;
    const std::string data = ReadFile(f);
    ASSERT_FALSE(data.empty());
    EXPECT_EQ(data.back(), '\n');
  }
  const auto lines = AllLines(o.dir);
  ASSERT_EQ(lines.size(), 20u);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(lines[i], ArticleRecordToJson(Record(i)));
}

TEST(SpoolTest, RotatesByTime) {
  TempDir tmp;
  FakeClock clock;
  SpoolOptions o = Options(tmp.Sub("spool"), &clock);
  o.rotate_seconds = 60;
  std::unique_ptr<Spool> spool;
  ASSERT_TRUE(Spool::Open(o, nullptr, &spool).ok());
  ASSERT_TRUE(spool->Emit(Record(0)).ok());
  clock.now += 30;
  ASSERT_TRUE(spool->Emit(Record(1)).ok());
  EXPECT_EQ(Spool::ListFiles(o.dir).size(), 1u);
  clock.now += 31;
  ASSERT_TRUE(spool->Tick().ok());  // Age rotation without new lines.
  ASSERT_TRUE(spool->Emit(Record(2)).ok());
  const auto files = Spool::ListFiles(o.dir);
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(fs::path(files[1]).filename(), "spool-20240501T080101Z-000002.jsonl");
  EXPECT_EQ(Lines(files[0]).size(), 2u);
  EXPECT_EQ(Lines(files[1]).size(), 1u);
  // An idle spool is not rotated into empty files.
  clock.now += 600;
  ASSERT_TRUE(spool->Tick().ok());
  clock.now += 600;
  ASSERT_TRUE(spool->Tick().ok());
  EXPECT_LE(Spool::ListFiles(o.dir).size(), 3u);
}

TEST(SpoolTest, RestartTruncatesTornLineAndContinues) {
  TempDir tmp;
  FakeClock clock;
  SpoolOptions o = Options(tmp.Sub("spool"), &clock);
  std::string file;
  {
    std::unique_ptr<Spool> spool;
    ASSERT_TRUE(Spool::Open(o, nullptr, &spool).ok());
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(spool->Emit(Record(i)).ok());
    file = spool->current_file();
  }
  {
    std::ofstream out(file, std::ios::app | std::ios::binary);
    out << ArticleRecordToJson(Record(3)).substr(0, 40);  // A crash mid-line.
  }
  std::unique_ptr<Spool> spool;
  ASSERT_TRUE(Spool::Open(o, nullptr, &spool).ok());
  EXPECT_EQ(spool->current_file(), file);
  EXPECT_EQ(Lines(file).size(), 3u);
  EXPECT_EQ(ReadFile(file).back(), '\n');
  ASSERT_TRUE(spool->Emit(Record(4)).ok());
  ASSERT_TRUE(spool->Close().ok());
  const auto lines = Lines(file);
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[3], ArticleRecordToJson(Record(4)));
}

TEST(SpoolTest, FsyncPolicies) {
  TempDir tmp;
  FakeClock clock;
  const std::pair<const char*, int64_t> cases[] = {{"always", 7}, {"batch", 2}, {"never", 0}};
  for (const auto& [name, syncs] : cases) {
    SpoolOptions o = Options(tmp.Sub(name), &clock);
    ASSERT_TRUE(ParseFsyncPolicy(name, &o.fsync));
    o.batch_lines = 3;
    std::unique_ptr<Spool> spool;
    ASSERT_TRUE(Spool::Open(o, nullptr, &spool).ok());
    for (int i = 0; i < 7; ++i) ASSERT_TRUE(spool->Emit(Record(i)).ok());
    EXPECT_EQ(spool->sync_count(), syncs) << name;
    EXPECT_EQ(spool->lines_written(), 7) << name;
  }
  // Batch mode also syncs when the oldest unsynced line is a second old.
  SpoolOptions o = Options(tmp.Sub("batch-time"), &clock);
  o.batch_lines = 100;
  std::unique_ptr<Spool> spool;
  ASSERT_TRUE(Spool::Open(o, nullptr, &spool).ok());
  ASSERT_TRUE(spool->Emit(Record(0)).ok());
  ASSERT_TRUE(spool->Tick().ok());
  EXPECT_EQ(spool->sync_count(), 0);
  clock.now += 1;
  ASSERT_TRUE(spool->Tick().ok());
  EXPECT_EQ(spool->sync_count(), 1);
  FsyncPolicy p;
  EXPECT_FALSE(ParseFsyncPolicy("sometimes", &p));
}

// --- Exactly-once with the store ---------------------------------------------------------------

TEST(SpoolExactlyOnceTest, MarkersClearWhenLinesAreDurable) {
  TempDir tmp;
  Harness h(tmp);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(h.spool->Emit(h.Ingest(MakeArticle(i)).record).ok());
  EXPECT_EQ(h.Markers(), 3u);  // batch_lines = 4: not yet synced.
  ASSERT_TRUE(h.spool->Emit(h.Ingest(MakeArticle(3)).record).ok());
  EXPECT_EQ(h.Markers(), 0u);
  ASSERT_TRUE(h.spool->Emit(h.Ingest(MakeArticle(4)).record).ok());
  ASSERT_TRUE(h.spool->Sync().ok());
  EXPECT_EQ(h.Markers(), 0u);
}

TEST(SpoolExactlyOnceTest, RecoveryReemitsOnlyWhatIsMissing) {
  TempDir tmp;
  std::string file;
  {
    Harness h(tmp);
    for (int i = 0; i < 4; ++i) ASSERT_TRUE(h.spool->Emit(h.Ingest(MakeArticle(i)).record).ok());
    // 4: committed, crash before its line. 5: line written, crash before the marker cleared.
    // 6: crash mid-line. 0: updated to revision 2, not yet spooled.
    h.Ingest(MakeArticle(4));
    const IngestResult r5 = h.Ingest(MakeArticle(5));
    const IngestResult r6 = h.Ingest(MakeArticle(6));
    const IngestResult upd = h.Ingest(MakeArticle(0, "đã sửa"));
    ASSERT_EQ(upd.decision, IngestDecision::kUpdated);
    file = h.spool->current_file();
    ASSERT_TRUE(h.spool->Close().ok());
    std::ofstream out(file, std::ios::app | std::ios::binary);
    out << ArticleRecordToJson(r5.record) << '\n' << ArticleRecordToJson(r6.record).substr(0, 100);
  }
  Harness h(tmp);
  EXPECT_EQ(h.spool->reemitted(), 3);  // 4, 6 and 0 rev 2.
  EXPECT_EQ(h.Markers(), 0u);
  ASSERT_TRUE(h.spool->Close().ok());
  ExpectExactlyOnce(*h.store, h.options.dir, 7);
  // A second restart re-emits nothing.
  h.spool.reset();
  ASSERT_TRUE(Spool::Open(h.options, h.store.get(), &h.spool).ok());
  EXPECT_EQ(h.spool->reemitted(), 0);
  ASSERT_TRUE(h.spool->Close().ok());
  ExpectExactlyOnce(*h.store, h.options.dir, 7);
}

// The child half of SurvivesSigkill: runs only when re-executed with TINCRAWL_CRASH_DIR set
// (a fresh process, so no RocksDB threads are inherited through fork).
TEST(SpoolCrashChild, Run) {
  const char* dir = std::getenv("TINCRAWL_CRASH_DIR");
  if (dir == nullptr) GTEST_SKIP() << "helper for SurvivesSigkill";
  const char* policy = std::getenv("TINCRAWL_CRASH_POLICY");
  std::unique_ptr<Store> store = OpenCrashStore(dir);
  ASSERT_TRUE(store);
  std::unique_ptr<Deduper> deduper;
  ASSERT_TRUE(Deduper::Open(store.get(), DedupOptions(), &deduper).ok());
  SpoolOptions o;
  o.dir = std::string(dir) + "/spool";
  ASSERT_TRUE(ParseFsyncPolicy(policy, &o.fsync));
  o.batch_lines = 4;
  std::unique_ptr<Spool> spool;
  ASSERT_TRUE(Spool::Open(o, store.get(), &spool).ok());
  for (int i = 0; i < 100000; ++i) {
    const Article a = MakeArticle(i % 300, i >= 300 ? "sửa " + std::to_string(i / 300) : "");
    rocksdb::WriteBatch batch;
    IngestResult r;
    IngestContext ctx;
    ctx.site = "tinh";
    ctx.url = a.url;
    ctx.fetched_at = 1714550400 + i;
    ASSERT_TRUE(deduper->Ingest(a, ctx, &batch, &r).ok());
    ASSERT_TRUE(spool->Emit(r.record).ok());
  }
}

// A real crash: a child process ingests and spools until SIGKILL arrives at a random point
// (after a random number of spooled lines); the parent recovers and checks exactly-once.
TEST(SpoolExactlyOnceTest, SurvivesSigkill) {
  const char* policies[] = {"batch", "never", "always", "batch"};
  std::mt19937 rng(42);
  for (int round = 0; round < 4; ++round) {
    TempDir tmp;
    const std::string root = tmp.Sub("");
    const size_t kill_after = 50 + rng() % 700;
    const pid_t child = testing::ForkSelf(
        "SpoolCrashChild.Run",
        {{"TINCRAWL_CRASH_DIR", root}, {"TINCRAWL_CRASH_POLICY", policies[round]}});
    ASSERT_GE(child, 0);
    size_t seen = 0;
    for (int wait = 0; wait < 3000 && seen < kill_after; ++wait) {
      usleep(10000);
      seen = AllLines(root + "/spool").size();
    }
    kill(child, SIGKILL);
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFSIGNALED(status)) << "child ended by itself: " << status;
    ASSERT_GE(seen, kill_after) << "child made no progress";
    int64_t reemitted = 0;
    const size_t stored = RecoverAndCheck(root, &reemitted);
    std::printf("round %d (%s): killed after >=%zu lines, %zu articles, %lld re-emitted\n", round,
                policies[round], seen, stored, static_cast<long long>(reemitted));
  }
}

}  // namespace
}  // namespace tincrawl

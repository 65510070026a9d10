// Spool write errors (disk full, EFBIG, torn writes) and crashes at chosen points: no line is
// lost or doubled, whatever happens between the store commit and the spool's fsync.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "crawler/output/spool.h"
#include "support/subprocess.h"
#include "unit/crawler/output/spool_test_support.h"

namespace tincrawl {
namespace {

namespace fs = std::filesystem;
using namespace spool_test;  // NOLINT(build/namespaces)

// A write(2) stand-in: fails with `error` while `failing`, writing `torn_bytes` of the line first
// (a short write) when not zero.
struct FlakyDisk {
  std::atomic<bool> failing{false};
  int error = ENOSPC;
  size_t torn_bytes = 0;
  int calls = 0;

  decltype(SpoolOptions::write) Fn() {
    return [this](int fd, const void* data, size_t size) -> ssize_t {
      ++calls;
      if (!failing) return ::write(fd, data, size);
      if (torn_bytes > 0 && torn_bytes < size) return ::write(fd, data, torn_bytes);
      errno = error;
      return -1;
    };
  }
};

// Every line of every spool file is complete JSON-lines output (no torn fragment in between).
void ExpectWholeLines(const std::string& dir) {
  for (const std::string& line : AllLines(dir)) {
    EXPECT_EQ(line.rfind("{\"id\":\"", 0), 0u) << line.substr(0, 60);
    EXPECT_EQ(line.back(), '}') << line.substr(0, 60);
  }
}

TEST(SpoolFailureTest, DiskFullKeepsLinesInOrderAndRetries) {
  TempDir tmp;
  FlakyDisk disk;
  Harness h(tmp, FsyncPolicy::kBatch, disk.Fn());
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(h.spool->Emit(h.Ingest(MakeArticle(i)).record).ok());
  disk.failing = true;
  for (int i = 3; i < 6; ++i) {
    const Status st = h.spool->Emit(h.Ingest(MakeArticle(i)).record);
    EXPECT_EQ(st.code(), Status::Code::kNoSpace) << st.ToString();
  }
  EXPECT_EQ(h.spool->unwritten_lines(), 3u);
  EXPECT_EQ(h.spool->Retry().code(), Status::Code::kNoSpace);
  EXPECT_EQ(h.spool->Tick().code(), Status::Code::kNoSpace);
  EXPECT_EQ(h.spool->errors(SpoolError::kNoSpace), 5);  // 3 emits, Retry, Tick.
  EXPECT_EQ(h.spool->lines_written(), 3);
  EXPECT_EQ(h.Markers(), 6u);  // Nothing unwritten counts as spooled.
  disk.failing = false;
  ASSERT_TRUE(h.spool->Retry().ok());
  EXPECT_EQ(h.spool->unwritten_lines(), 0u);
  ASSERT_TRUE(h.spool->Close().ok());
  EXPECT_EQ(h.Markers(), 0u);
  ExpectExactlyOnce(*h.store, h.options.dir, 6);
  const auto lines = AllLines(h.options.dir);  // The order of Emit calls is kept.
  ASSERT_EQ(lines.size(), 6u);
  for (int i = 0; i < 6; ++i) {
    EXPECT_NE(lines[i].find("\"url\":\"" + MakeArticle(i).url + "\""), std::string::npos) << i;
  }
}

TEST(SpoolFailureTest, ShortWriteIsTruncatedAwayAndCounted) {
  TempDir tmp;
  FlakyDisk disk;
  disk.torn_bytes = 40;
  Harness h(tmp, FsyncPolicy::kAlways, disk.Fn());
  ASSERT_TRUE(h.spool->Emit(h.Ingest(MakeArticle(0)).record).ok());
  disk.failing = true;
  EXPECT_EQ(h.spool->Emit(h.Ingest(MakeArticle(1)).record).code(), Status::Code::kNoSpace);
  EXPECT_EQ(fs::file_size(h.spool->current_file()), AllLines(h.options.dir)[0].size() + 1);
  disk.failing = false;
  ASSERT_TRUE(h.spool->Emit(h.Ingest(MakeArticle(2)).record).ok());
  ASSERT_TRUE(h.spool->Close().ok());
  ExpectWholeLines(h.options.dir);
  ExpectExactlyOnce(*h.store, h.options.dir, 3);
  EXPECT_EQ(h.spool->errors(SpoolError::kNoSpace), 1);
}

TEST(SpoolFailureTest, OtherWriteErrorsAreIoErrors) {
  TempDir tmp;
  FlakyDisk disk;
  disk.error = EIO;
  Harness h(tmp, FsyncPolicy::kBatch, disk.Fn());
  int observed = 0;
  h.spool->SetErrorObserver([&](SpoolError e) { observed += e == SpoolError::kIoError; });
  disk.failing = true;
  EXPECT_EQ(h.spool->Emit(h.Ingest(MakeArticle(0)).record).code(), Status::Code::kIoError);
  EXPECT_EQ(observed, 1);
  EXPECT_EQ(SpoolErrorName(SpoolError::kIoError), "io_error");
  disk.failing = false;
  ASSERT_TRUE(h.spool->Close().ok());
  ExpectExactlyOnce(*h.store, h.options.dir, 1);
}

// A real EFBIG: RLIMIT_FSIZE in a forked child (no store, so no threads to inherit) stops the
// file growing; raising the limit again lets the kept lines through.
TEST(SpoolFailureTest, FileSizeLimitPausesUntilLifted) {
  TempDir tmp;
  const std::string dir = tmp.Sub("spool");
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    signal(SIGXFSZ, SIG_IGN);
    SpoolOptions o;
    o.dir = dir;
    std::unique_ptr<Spool> spool;
    if (!Spool::Open(o, nullptr, &spool).ok()) _exit(2);
    rlimit old{};
    getrlimit(RLIMIT_FSIZE, &old);
    rlimit small = old;
    small.rlim_cur = 2000;
    if (setrlimit(RLIMIT_FSIZE, &small) != 0) _exit(3);
    int failed = 0;
    for (int i = 0; i < 20; ++i) {
      ArticleRecord record;
      record.id = std::to_string(i);
      record.revision = 1;
      record.body = std::string(200, 'x');
      failed += !spool->Emit(record).ok();
    }
    if (failed == 0 || spool->errors(SpoolError::kFileTooLarge) == 0) _exit(4);
    if (spool->Retry().code() != Status::Code::kNoSpace) _exit(5);
    if (setrlimit(RLIMIT_FSIZE, &old) != 0) _exit(6);
    if (!spool->Retry().ok() || spool->unwritten_lines() != 0) _exit(7);
    _exit(spool->Close().ok() && spool->lines_written() == 20 ? 0 : 8);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status)) << status;
  ASSERT_EQ(WEXITSTATUS(status), 0);
  const auto lines = AllLines(dir);
  ASSERT_EQ(lines.size(), 20u);
  for (int i = 0; i < 20; ++i)
    EXPECT_EQ(lines[i].rfind("{\"id\":\"" + std::to_string(i) + "\"", 0), 0u);
}

// --- Crashes at chosen points ------------------------------------------------------------------

// Where the child kills itself, processing article 10 (articles 0-9 went through normally).
const char* const kPoints[] = {
    "after_commit",      // Store batch written, Emit not called.
    "before_write",      // Inside Emit, the store's WAL synced, the line not written.
    "after_write",       // The line written, neither fsynced nor its marker cleared.
    "while_disk_full",   // The write failed (ENOSPC): the line only in the spool's memory.
    "after_retry_sync",  // Disk full, then space back: the retried line written and synced.
};

// The child half of SurvivesKillAtEveryPoint (re-executed, so no RocksDB threads are inherited).
TEST(SpoolPointChild, Run) {
  const char* dir = std::getenv("TINCRAWL_POINT_DIR");
  if (dir == nullptr) GTEST_SKIP() << "helper for SurvivesKillAtEveryPoint";
  const std::string point = std::getenv("TINCRAWL_POINT");
  FsyncPolicy policy = FsyncPolicy::kBatch;
  ASSERT_TRUE(ParseFsyncPolicy(std::getenv("TINCRAWL_POINT_POLICY"), &policy));
  std::atomic<bool> armed{false};
  FlakyDisk disk;
  auto write = [&](int fd, const void* data, size_t size) -> ssize_t {
    if (armed && point == "before_write") raise(SIGKILL);
    const ssize_t n = disk.Fn()(fd, data, size);
    if (armed && point == "after_write") raise(SIGKILL);
    return n;
  };
  std::unique_ptr<Store> store = OpenCrashStore(dir);
  ASSERT_TRUE(store);
  std::unique_ptr<Deduper> deduper;
  ASSERT_TRUE(Deduper::Open(store.get(), DedupOptions(), &deduper).ok());
  SpoolOptions o;
  o.dir = std::string(dir) + "/spool";
  o.fsync = policy;
  o.batch_lines = 4;
  o.write = write;
  std::unique_ptr<Spool> spool;
  ASSERT_TRUE(Spool::Open(o, store.get(), &spool).ok());
  for (int i = 0; i <= 10; ++i) {
    const Article a = MakeArticle(i);
    rocksdb::WriteBatch batch;
    IngestResult r;
    IngestContext ctx;
    ctx.site = "tinh";
    ctx.url = a.url;
    ASSERT_TRUE(deduper->Ingest(a, ctx, &batch, &r).ok());
    if (i < 10) {
      ASSERT_TRUE(spool->Emit(r.record).ok());
      continue;
    }
    if (point == "after_commit") raise(SIGKILL);
    armed = point == "before_write" || point == "after_write";
    disk.failing = point == "while_disk_full" || point == "after_retry_sync";
    EXPECT_FALSE(spool->Emit(r.record).ok() && disk.failing);
    if (point == "while_disk_full") raise(SIGKILL);
    disk.failing = false;
    ASSERT_TRUE(spool->Retry().ok());
    ASSERT_TRUE(spool->Sync().ok());
    raise(SIGKILL);
  }
}

TEST(SpoolExactlyOnceTest, SurvivesKillAtEveryPoint) {
  for (const char* policy : {"batch", "always", "never"}) {
    for (const char* point : kPoints) {
      SCOPED_TRACE(std::string(policy) + " / " + point);
      TempDir tmp;
      const std::string root = tmp.Sub("");
      const pid_t child =
          testing::ForkSelf("SpoolPointChild.Run", {{"TINCRAWL_POINT_DIR", root},
                                                    {"TINCRAWL_POINT", point},
                                                    {"TINCRAWL_POINT_POLICY", policy}});
      ASSERT_GE(child, 0);
      int status = 0;
      ASSERT_EQ(waitpid(child, &status, 0), child);
      ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "status " << status;
      int64_t reemitted = 0;
      EXPECT_EQ(RecoverAndCheck(root, &reemitted), 11u);
      ExpectWholeLines(root + "/spool");
    }
  }
}

}  // namespace
}  // namespace tincrawl

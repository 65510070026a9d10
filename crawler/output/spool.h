#pragma once

#include <sys/types.h>

#include <array>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "crawler/common/status.h"
#include "crawler/config/config.h"
#include "crawler/store/article_record.h"

namespace tincrawl {

class Store;

// One export/spool line for `record`: a JSON object on one line (no trailing newline) whose
// first members are always "id" then "revision" (recovery relies on that order), followed by
// "event" ("new" for revision 1, else "update"), the article fields, locality, fetched_at and
// first_seen (RFC 3339 UTC), content_hash and simhash (16 hex digits), duplicate_of and
// sightings [{id,site,url,seen_at}] (id: the article id of that copy).
std::string ArticleRecordToJson(const ArticleRecord& record);

// "2024-05-01T01:00:00Z".
std::string UnixToRfc3339(int64_t unix_seconds);

enum class FsyncPolicy { kAlways, kBatch, kNever };
bool ParseFsyncPolicy(std::string_view name, FsyncPolicy* policy);

// Why a spool operation failed (the `reason` label of tincrawl_spool_errors_total).
enum class SpoolError {
  kNoSpace,       // ENOSPC/EDQUOT while writing or creating a file.
  kFileTooLarge,  // EFBIG (e.g. RLIMIT_FSIZE).
  kIoError,       // Any other write/open/truncate error.
  kFsync,         // fdatasync failed: the lines written since the last sync stay unconfirmed.
  kWalSync,       // Syncing the store's WAL (before writing a line) failed.
  kMarkers,       // Deleting emit markers from the store failed (retried at the next sync).
};
inline constexpr int kSpoolErrorCount = 6;
std::string_view SpoolErrorName(SpoolError error);

// A place in the spool: byte `offset` of the file with sequence number `seq`.
struct SpoolPosition {
  uint64_t seq = 0;
  int64_t offset = 0;
  bool operator==(const SpoolPosition&) const = default;
};

struct SpoolOptions {
  std::string dir;
  int64_t rotate_bytes = 256 * 1024 * 1024;
  double rotate_seconds = 3600.0;
  FsyncPolicy fsync = FsyncPolicy::kBatch;
  int batch_lines = 256;         // kBatch: fsync after this many lines ...
  double batch_seconds = 1.0;    // ... or when the oldest unsynced line is this old.
  std::function<int64_t()> now;  // Unix seconds; the system clock when empty (tests inject).
  // The write(2) used for spool lines; ::write when empty. A test seam: inject ENOSPC, short
  // writes or a crash point.
  std::function<ssize_t(int fd, const void* data, size_t size)> write;
};

// Append-only JSON Lines spool of new and updated articles, in files
// "spool-YYYYMMDDTHHMMSSZ-<seq>.jsonl" (seq: 6+ digits, increasing) rotated by size and age.
// Every line is written whole (a short write is continued); a line whose write fails midway is
// truncated away, and a trailing partial line left by a crash is truncated at Open.
//
// Exactly-once with the store (the store commits first): the deduper writes an emit marker
// (article_record.h) in the same WriteBatch as each new article revision. Emit() appends the
// line and, once the line is durable under the fsync policy ("always": after its fsync; "batch":
// at the next batch fsync; "never": right after write(), i.e. process crashes only), deletes
// the markers. Markers are all cleared (and the deletion synced to the store's WAL) before a
// rotation, so at Open (Recover) every remaining marker names a revision whose line is either in
// the newest file (found by scanning its "id" and "revision" prefixes: the marker is just
// cleared) or missing (the article is re-read from the store and re-emitted).
//
// Power loss ("always"/"batch" with a store): before a line is written, the store's WAL is
// synced, so a line never reaches the disk ahead of the commit it reports (which a power cut
// could undo, making the crawler fetch and emit the page again). docs/durability.md has the
// table per fsync/sync_wal setting.
//
// Write errors (disk full, EFBIG, EIO): the line stays in memory, in order, and later lines
// queue behind it; every Emit, Retry, Tick and Close tries again. Its emit marker stays in the
// store meanwhile, so a crash loses nothing either. Every error is counted (errors(), and the
// observer). Thread-safe.
class Spool {
 public:
  // Opens the spool in options.dir (created if needed). With a non-null `store` (must outlive
  // the spool), re-emits committed-but-unspooled revisions before returning.
  static Status Open(const SpoolOptions& options, Store* store, std::unique_ptr<Spool>* spool);
  ~Spool();
  Spool(const Spool&) = delete;
  Spool& operator=(const Spool&) = delete;

  // Appends the line for `record` and, per the fsync policy, clears its emit marker. NoSpace or
  // IoError: the line (and any queued before it) is kept and written by a later call; fsync
  // errors leave the line written but its marker in place.
  Status Emit(const ArticleRecord& record);
  // Writes the lines kept by earlier write errors. Ok when none is left; else NoSpace/IoError
  // (callers pause their producers, as for a full store).
  Status Retry();
  // Lines accepted but not yet written (kept after a write error).
  size_t unwritten_lines() const;
  // Failures so far of one kind.
  int64_t errors(SpoolError error) const;
  // Called (under the spool's lock; keep it cheap) for every counted error.
  void SetErrorObserver(std::function<void(SpoolError)> observer);
  // fsyncs the current file and clears the markers of every line written so far.
  Status Sync();
  // Call about once a second: applies the time-based batch fsync and age rotation.
  Status Tick();
  // Syncs and closes the current file. Emit after Close reopens a new file.
  Status Close();

  // Where the durable lines end: every line of the files before `seq` and the first `offset`
  // bytes of file `seq` survive a crash under the fsync policy (a power cut too, unless the
  // policy is "never"). Always at a line boundary. Readers of a live spool (the PostgreSQL
  // sink) consume nothing past it, so a line they loaded is never lost or rewritten.
  SpoolPosition durable_end() const;

  std::string current_file() const;
  int64_t sync_count() const;
  int64_t lines_written() const;
  int64_t reemitted() const;  // Lines re-emitted by recovery at Open.
  // Spool files in dir, oldest first (by sequence number).
  static std::vector<std::string> ListFiles(const std::string& dir);
  // The sequence number in a spool file's name (a path or a bare name); 0 for other names.
  static uint64_t FileSeq(const std::string& path);

 private:
  explicit Spool(SpoolOptions options, Store* store);
  int64_t Now() const;
  Status OpenLatest();
  Status OpenNew();
  Status Recover();
  struct Line {
    std::string text;    // With its newline.
    std::string marker;  // Emit marker key.
  };
  Status AppendLocked(std::string line, std::string marker);
  Status DrainLocked();
  Status WriteLocked(const std::string& line);
  Status SyncStoreWalLocked();
  Status Fail(SpoolError error, Status status);
  Status SyncLocked();
  Status ClearMarkersLocked();
  Status MaybeRotateLocked();
  Status CloseLocked();

  SpoolOptions options_;
  Store* store_;
  mutable std::mutex mu_;
  int fd_ = -1;
  std::string path_;
  int64_t size_ = 0;
  int64_t opened_at_ = 0;
  uint64_t next_seq_ = 1;
  SpoolPosition durable_;
  int unsynced_lines_ = 0;
  int64_t first_unsynced_at_ = 0;
  std::vector<std::string> pending_markers_;  // Written but not yet durable.
  std::deque<Line> unwritten_;                // Accepted, not yet written (write errors).
  bool torn_ = false;                         // A torn line past size_ is still to truncate.
  std::array<int64_t, kSpoolErrorCount> errors_{};
  std::function<void(SpoolError)> observer_;
  int64_t sync_count_ = 0;
  int64_t lines_written_ = 0;
  int64_t reemitted_ = 0;
};

}  // namespace tincrawl

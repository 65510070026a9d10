#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "crawler/store/article_record.h"
#include "crawler/config/config.h"
#include "crawler/common/status.h"

namespace tincrawl {

class Store;

// One export/spool line for `record`: a JSON object on one line (no trailing newline) whose
// first members are always "id" then "revision" (recovery relies on that order), followed by
// "event" ("new" for revision 1, else "update"), the article fields, locality, fetched_at and
// first_seen (RFC 3339 UTC), content_hash and simhash (16 hex digits), duplicate_of and
// sightings [{site,url,seen_at}].
std::string ArticleRecordToJson(const ArticleRecord& record);

// "2024-05-01T01:00:00Z".
std::string UnixToRfc3339(int64_t unix_seconds);

enum class FsyncPolicy { kAlways, kBatch, kNever };
bool ParseFsyncPolicy(std::string_view name, FsyncPolicy* policy);

struct SpoolOptions {
  std::string dir;
  int64_t rotate_bytes = 256 * 1024 * 1024;
  double rotate_seconds = 3600.0;
  FsyncPolicy fsync = FsyncPolicy::kBatch;
  int batch_lines = 256;         // kBatch: fsync after this many lines ...
  double batch_seconds = 1.0;    // ... or when the oldest unsynced line is this old.
  std::function<int64_t()> now;  // Unix seconds; the system clock when empty (tests inject).
};

// Append-only JSON Lines spool of new and updated articles, in files
// "spool-YYYYMMDDTHHMMSSZ-<seq>.jsonl" (seq: 6+ digits, increasing) rotated by size and age.
// Every line is one write() of a complete line; a write that fails midway is truncated away, and
// a trailing partial line left by a crash is truncated at Open.
//
// Exactly-once with the store (the store commits first): the deduper writes an emit marker
// (article_record.h) in the same WriteBatch as each new article revision. Emit() appends the
// line and, once the line is durable under the fsync policy ("always": after its fsync; "batch":
// at the next batch fsync; "never": right after write(), i.e. process crashes only), deletes
// the markers. Markers are all cleared before a rotation, so at Open (Recover) every remaining
// marker names a revision whose line is either in the newest file (found by scanning its "id"
// and "revision" prefixes: the marker is just cleared) or missing (the article is re-read from
// the store and re-emitted). Thread-safe.
class Spool {
 public:
  // Opens the spool in options.dir (created if needed). With a non-null `store` (must outlive
  // the spool), re-emits committed-but-unspooled revisions before returning.
  static Status Open(const SpoolOptions& options, Store* store, std::unique_ptr<Spool>* spool);
  ~Spool();
  Spool(const Spool&) = delete;
  Spool& operator=(const Spool&) = delete;

  // Appends the line for `record` and, per the fsync policy, clears its emit marker.
  Status Emit(const ArticleRecord& record);
  // Appends one JSON line that has no store marker (for tools); `json` has no newline.
  Status AppendLine(std::string_view json);
  // fsyncs the current file and clears the markers of every line written so far.
  Status Sync();
  // Call about once a second: applies the time-based batch fsync and age rotation.
  Status Tick();
  // Syncs and closes the current file. Emit after Close reopens a new file.
  Status Close();

  std::string current_file() const;
  int64_t sync_count() const;
  int64_t lines_written() const;
  int64_t reemitted() const;  // Lines re-emitted by recovery at Open.
  // Spool files in dir, oldest first (by sequence number).
  static std::vector<std::string> ListFiles(const std::string& dir);

 private:
  explicit Spool(SpoolOptions options, Store* store);
  int64_t Now() const;
  Status OpenLatest();
  Status OpenNew();
  Status Recover();
  Status AppendLocked(const std::string& line, std::string marker);
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
  int unsynced_lines_ = 0;
  int64_t first_unsynced_at_ = 0;
  std::vector<std::string> pending_markers_;  // Written but not yet durable.
  int64_t sync_count_ = 0;
  int64_t lines_written_ = 0;
  int64_t reemitted_ = 0;
};

}  // namespace tincrawl

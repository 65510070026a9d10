#pragma once

#include <rocksdb/db.h>
#include <rocksdb/env.h>
#include <rocksdb/write_batch.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "crawler/common/discovered_by.h"
#include "crawler/common/status.h"
#include "crawler/config/config.h"

namespace tincrawl {

// Column families of the store. Owners: kUrls/kSites/kRaw/kMeta here, kFrontier the frontier
// module, kArticles/kTexts/kContent/kSimhash the deduper (dedup.h, article_record.h). kTexts
// came with schema version 2: a read-only or secondary open of an older store, which lacks it,
// has cf(kTexts) null and Get answers NotFound there.
enum class Cf { kMeta, kUrls, kFrontier, kArticles, kContent, kSimhash, kSites, kRaw, kTexts };
inline constexpr int kCfCount = 9;
const char* CfName(Cf cf);

// Persisted as its number: never renumber a value.
enum class UrlStatus : uint8_t { kPending = 0, kFetched = 1, kFailed = 2, kGone = 3 };

// What the crawler knows about one normalized URL (the `urls` column family).
struct UrlState {
  UrlStatus status = UrlStatus::kPending;
  std::string last_outcome;  // Outcome slug of the last fetch ("ok", "timeout", ...).
  int http_status = 0;
  std::string etag;
  std::string last_modified;
  int64_t next_visit = 0;    // Unix seconds.
  int64_t last_fetched = 0;  // Unix seconds; 0 = never.
  DiscoveredBy discovered_by = DiscoveredBy::kSeed;
  std::string site;
  int depth = 0;
  int64_t fetch_count = 0;
  int consecutive_failures = 0;
  // The URL as the web published it, which is what gets requested (see docs/urls.md); empty
  // when it is the normalized key itself.
  std::string fetch_url;

  bool operator==(const UrlState&) const = default;
};

// Per-site counters and recrawl model (the `sites` column family).
struct SiteState {
  int64_t pages_fetched = 0;
  int64_t articles_new = 0;
  int64_t articles_updated = 0;
  int64_t duplicates = 0;
  int64_t errors = 0;
  int64_t last_success = 0;             // Unix seconds of the last 2xx/304.
  int64_t last_new_article = 0;         // Unix seconds.
  double listing_interval_seconds = 0;  // Current adaptive listing recrawl interval.
  std::string last_error;

  bool operator==(const SiteState&) const = default;
};

// Encodings (record_codec.h: version byte 1, then the fields in declaration order). Decode
// returns false on malformed input or a newer version.
std::string EncodeUrlState(const UrlState& state);
bool DecodeUrlState(std::string_view data, UrlState* state);
std::string EncodeSiteState(const SiteState& state);
bool DecodeSiteState(std::string_view data, SiteState* state);

// The crawler's RocksDB database. Thread-safe: every method may be called concurrently (RocksDB
// is), except Open*/destruction.
//
// Layout: `meta` holds "magic" = kStoreMagic and "schema_version" (decimal), and the directory
// holds kMarkerFile; a directory holding anything else is refused rather than modified. Raw HTML
// (`raw`) is keyed by big-endian fetch time (8 bytes) + URL, so retention is one DeleteRange over
// the time prefix (PruneRaw), issued periodically by the daemon; nothing is filtered at compaction
// time.
class Store {
 public:
  static constexpr const char* kStoreMagic = "tincrawl-store";
  // 2: article texts stored apart from their records, in the texts column family
  // (article_record.h). Version 1 stores are read as they are; the first read-write open adds
  // the column family and marks them 2.
  static constexpr int kSchemaVersion = 2;
  // A plain file written into the directory before RocksDB creates anything, so a damaged store
  // (unreadable MANIFEST) is told apart from a directory that was never ours.
  static constexpr const char* kMarkerFile = "TINCRAWL_STORE";

  enum class Mode { kReadWrite, kReadOnly, kSecondary };

  // Opens (creating if absent or empty) the store in `dir`. `env` (optional, not owned, must
  // outlive the store) replaces the default Env, e.g. to inject faults in tests. Errors:
  // InvalidArgument for a foreign directory or a newer schema, Corruption for unreadable
  // metadata, Busy when another process holds the lock, IoError otherwise.
  static Status Open(const std::string& dir, const StoreConfig& config,
                     std::unique_ptr<Store>* store, rocksdb::Env* env = nullptr);
  // A read-only view of a store not opened for writing elsewhere (or a consistent snapshot of
  // one that is, as of its last flush).
  static Status OpenReadOnly(const std::string& dir, const StoreConfig& config,
                             std::unique_ptr<Store>* store);
  // A secondary instance that follows a running primary (used by `tincrawl export` while the
  // daemon runs). `secondary_dir` holds the secondary's own info log. Call CatchUp() to see the
  // primary's latest writes.
  static Status OpenSecondary(const std::string& dir, const std::string& secondary_dir,
                              const StoreConfig& config, std::unique_ptr<Store>* store);

  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  rocksdb::DB* db() const { return db_.get(); }
  rocksdb::ColumnFamilyHandle* cf(Cf which) const { return handles_[static_cast<int>(which)]; }
  Mode mode() const { return mode_; }
  const std::string& dir() const { return dir_; }

  // Applies `batch` atomically (synced when StoreConfig.sync_wal). Returns NoSpace when the disk
  // is full: the caller should pause fetching and retry later; the next Write first asks RocksDB
  // to resume from its background error (and keeps answering NoSpace until that succeeds).
  // IoError otherwise. A failed write changed nothing.
  Status Write(rocksdb::WriteBatch* batch);
  // Point read; NotFound when absent.
  Status Get(Cf which, std::string_view key, std::string* value) const;
  // Point read of one record: NotFound when absent, Corruption when `decode` refuses it.
  template <typename Record>
  Status GetRecord(Cf which, std::string_view key, bool (*decode)(std::string_view, Record*),
                   Record* record) const {
    std::string value;
    if (Status st = Get(which, key, &value); !st.ok()) return st;
    if (decode(value, record)) return Status::Ok();
    return Status::Corruption("bad record in " + std::string(CfName(which)) + ": " +
                              std::string(key));
  }

  Status GetUrlState(std::string_view url, UrlState* state) const;
  void PutUrlState(rocksdb::WriteBatch* batch, std::string_view url, const UrlState& state) const;
  Status GetSiteState(std::string_view site, SiteState* state) const;
  void PutSiteState(rocksdb::WriteBatch* batch, std::string_view site,
                    const SiteState& state) const;

  // Raw HTML retention. PutRaw keys the page by fetch time; PruneRaw drops every page fetched
  // before `cutoff_unix` (now - keep_raw_html_days * 86400) with one DeleteRange.
  void PutRaw(rocksdb::WriteBatch* batch, int64_t fetched_at, std::string_view url,
              std::string_view html) const;
  Status PruneRaw(int64_t cutoff_unix);
  // Calls fn(fetched_at, url, html) for every kept page in time order; stops when fn is false.
  Status ForEachRaw(
      const std::function<bool(int64_t, std::string_view, std::string_view)>& fn) const;

  // robots.txt cache records (encoded by crawler/net/robots_store.h; opaque here), kept in `meta`
  // under "robots:" + origin. PutRobots is one unsynced Put (a lost record only costs a refetch),
  // cheap enough for the loop thread. ForEachRobots calls fn(origin, value) until it is false.
  Status GetRobots(std::string_view origin, std::string* value) const;
  Status PutRobots(std::string_view origin, std::string_view value);
  Status ForEachRobots(const std::function<bool(std::string_view, std::string_view)>& fn) const;

  // Flushes every memtable to SST files (used before shutdown and by tests).
  Status Flush();
  // Secondary only: replays the primary's new MANIFEST/WAL entries.
  Status CatchUp();

  // For metrics: rocksdb.total-sst-files-size and rocksdb.estimate-pending-compaction-bytes
  // summed over column families; the number of Write calls that failed.
  uint64_t TotalSstBytes() const;
  uint64_t PendingCompactionBytes() const;
  // Disk traffic since Open (RocksDB tickers) and the live SST size now. Write amplification is
  // written_bytes() / live_sst_bytes: every byte the WAL, flushes and compactions wrote per byte
  // the store holds.
  struct IoCounters {
    uint64_t wal_bytes = 0;
    uint64_t flush_bytes = 0;
    uint64_t compaction_write_bytes = 0;
    uint64_t compaction_read_bytes = 0;
    uint64_t stall_micros = 0;  // Time writers were delayed or stopped by RocksDB.
    uint64_t live_sst_bytes = 0;
    uint64_t written_bytes() const { return wal_bytes + flush_bytes + compaction_write_bytes; }
  };
  IoCounters Io() const;
  // Memory RocksDB holds now: memtables (active, immutable and pinned), the shared block cache
  // (bounded by store.block_cache_bytes; index and filter blocks live in it) and the table
  // readers outside it.
  struct MemoryUsage {
    uint64_t memtables = 0;
    uint64_t block_cache = 0;
    uint64_t table_readers = 0;
  };
  MemoryUsage Memory() const;
  int64_t write_errors() const { return write_errors_.load(std::memory_order_relaxed); }
  int64_t no_space_errors() const { return no_space_errors_.load(std::memory_order_relaxed); }

  // True while a failed write waits for Resume: RocksDB holds a background error and its WAL
  // writer must not be touched (Debian's librocksdb asserts on a WAL sync after a write error).
  bool needs_resume() const { return needs_resume_.load(std::memory_order_acquire); }

 private:
  Store() = default;
  static Status OpenImpl(const std::string& dir, const std::string& secondary_dir,
                         const StoreConfig& config, Mode mode, rocksdb::Env* env,
                         std::unique_ptr<Store>* store);
  Status Inspect(std::vector<std::string>* existing, bool* fresh);
  Status WriteMarker();
  Status OpenDb(const std::vector<std::string>& existing, bool fresh);
  Status CheckMeta(bool fresh);
  Status Resume();

  std::string dir_;
  std::string secondary_dir_;
  Mode mode_ = Mode::kReadWrite;
  StoreConfig config_;
  rocksdb::Env* env_ = nullptr;
  std::shared_ptr<rocksdb::Statistics> statistics_;  // Before db_: outlives it.
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;      // Indexed by Cf.
  std::vector<rocksdb::ColumnFamilyHandle*> all_handles_;  // Everything opened (incl. default).
  std::atomic<int64_t> write_errors_{0};
  std::atomic<int64_t> no_space_errors_{0};
  std::atomic<bool> needs_resume_{false};
  std::atomic<bool> last_error_no_space_{false};
};

// Maps a RocksDB status to ours, keeping its message ("No space left" IOErrors -> NoSpace).
Status FromRocks(const rocksdb::Status& s, std::string_view context);

}  // namespace tincrawl

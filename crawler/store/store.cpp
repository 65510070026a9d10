#include "crawler/store/store.h"

#include <rocksdb/cache.h>
#include <rocksdb/options.h>
#include <rocksdb/statistics.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <system_error>

#include "crawler/common/record_codec.h"
#include "crawler/store/store_options.h"

namespace tincrawl {
namespace {

namespace fs = std::filesystem;

constexpr const char* kCfNames[kCfCount] = {"meta",    "urls",  "frontier", "articles", "content",
                                            "simhash", "sites", "raw",      "texts"};
constexpr uint8_t kRecordVersion = 1;
constexpr const char* kMagicKey = "magic";
constexpr const char* kSchemaKey = "schema_version";

std::string RawKey(int64_t fetched_at, std::string_view url) {
  std::string key;
  key.reserve(8 + url.size());
  PutBigEndian64(&key, static_cast<uint64_t>(std::max<int64_t>(fetched_at, 0)));
  key.append(url);
  return key;
}

}  // namespace

const char* CfName(Cf cf) { return kCfNames[static_cast<int>(cf)]; }

Status FromRocks(const rocksdb::Status& s, std::string_view context) {
  if (s.ok()) return Status::Ok();
  std::string msg = std::string(context) + ": " + s.ToString();
  if (s.IsNoSpace() || msg.find("No space left") != std::string::npos) {
    return Status::NoSpace(std::move(msg));
  }
  if (s.IsCorruption()) return Status::Corruption(std::move(msg));
  if (s.IsNotFound()) return Status::NotFound(std::move(msg));
  if (s.IsInvalidArgument() || s.IsNotSupported()) return Status::InvalidArgument(std::move(msg));
  if (s.IsBusy() || s.IsTryAgain()) return Status::Busy(std::move(msg));
  if (s.IsIOError() && msg.find("lock") != std::string::npos) return Status::Busy(std::move(msg));
  return Status::IoError(std::move(msg));
}

std::string EncodeUrlState(const UrlState& s) {
  RecordWriter w(kRecordVersion);
  w.U64(static_cast<uint64_t>(s.status));
  w.Str(s.last_outcome);
  w.I64(s.http_status);
  w.Str(s.etag);
  w.Str(s.last_modified);
  w.I64(s.next_visit);
  w.I64(s.last_fetched);
  w.U64(static_cast<uint64_t>(s.discovered_by));
  w.Str(s.site);
  w.I64(s.depth);
  w.I64(s.fetch_count);
  w.I64(s.consecutive_failures);
  if (!s.fetch_url.empty()) w.Str(s.fetch_url);  // Absent in records written before it existed.
  return w.Take();
}

bool DecodeUrlState(std::string_view data, UrlState* s) {
  RecordReader r(data);
  uint64_t status = 0, by = 0;
  if (!r.Version(kRecordVersion)) return false;
  s->fetch_url.clear();
  const bool ok = r.U64(&status) && r.Str(&s->last_outcome) && r.Int(&s->http_status) &&
                  r.Str(&s->etag) && r.Str(&s->last_modified) && r.I64(&s->next_visit) &&
                  r.I64(&s->last_fetched) && r.U64(&by) && r.Str(&s->site) && r.Int(&s->depth) &&
                  r.I64(&s->fetch_count) && r.Int(&s->consecutive_failures) &&
                  (r.done() || r.Str(&s->fetch_url));
  if (!ok || status > static_cast<uint64_t>(UrlStatus::kGone) || by > 3) return false;
  s->status = static_cast<UrlStatus>(status);
  s->discovered_by = static_cast<DiscoveredBy>(by);
  return true;
}

std::string EncodeSiteState(const SiteState& s) {
  RecordWriter w(kRecordVersion);
  w.I64(s.pages_fetched);
  w.I64(s.articles_new);
  w.I64(s.articles_updated);
  w.I64(s.duplicates);
  w.I64(s.errors);
  w.I64(s.last_success);
  w.I64(s.last_new_article);
  w.F64(s.listing_interval_seconds);
  w.Str(s.last_error);
  return w.Take();
}

bool DecodeSiteState(std::string_view data, SiteState* s) {
  RecordReader r(data);
  if (!r.Version(kRecordVersion)) return false;
  return r.I64(&s->pages_fetched) && r.I64(&s->articles_new) && r.I64(&s->articles_updated) &&
         r.I64(&s->duplicates) && r.I64(&s->errors) && r.I64(&s->last_success) &&
         r.I64(&s->last_new_article) && r.F64(&s->listing_interval_seconds) &&
         r.Str(&s->last_error);
}

Store::~Store() {
  if (db_ == nullptr) return;
  for (auto* h : all_handles_) {
    if (h != nullptr) db_->DestroyColumnFamilyHandle(h).PermitUncheckedError();
  }
  db_->Close().PermitUncheckedError();  // Nothing useful to do with a close error here.
  db_.reset();
}

Status Store::Open(const std::string& dir, const StoreConfig& config, std::unique_ptr<Store>* store,
                   rocksdb::Env* env) {
  return OpenImpl(dir, "", config, Mode::kReadWrite, env, store);
}

Status Store::OpenReadOnly(const std::string& dir, const StoreConfig& config,
                           std::unique_ptr<Store>* store) {
  return OpenImpl(dir, "", config, Mode::kReadOnly, nullptr, store);
}

Status Store::OpenSecondary(const std::string& dir, const std::string& secondary_dir,
                            const StoreConfig& config, std::unique_ptr<Store>* store) {
  return OpenImpl(dir, secondary_dir, config, Mode::kSecondary, nullptr, store);
}

Status Store::OpenImpl(const std::string& dir, const std::string& secondary_dir,
                       const StoreConfig& config, Mode mode, rocksdb::Env* env,
                       std::unique_ptr<Store>* store) {
  std::unique_ptr<Store> s(new Store());
  s->dir_ = dir;
  s->secondary_dir_ = secondary_dir;
  s->mode_ = mode;
  s->config_ = config;
  s->env_ = env;
  std::vector<std::string> existing;
  bool fresh = false;
  if (Status st = s->Inspect(&existing, &fresh); !st.ok()) return st;
  if (Status st = s->OpenDb(existing, fresh); !st.ok()) return st;
  if (Status st = s->CheckMeta(fresh); !st.ok()) return st;
  *store = std::move(s);
  return Status::Ok();
}

// Decides, before RocksDB touches anything, whether `dir_` is a new store (absent, empty, or
// holding only our marker), an existing tincrawl store (marker + readable RocksDB metadata with
// a `meta` column family), a damaged one (marker but unreadable metadata) or something foreign.
Status Store::Inspect(std::vector<std::string>* existing, bool* fresh) {
  const fs::path marker = fs::path(dir_) / kMarkerFile;
  std::error_code ec;
  const bool has_marker = fs::exists(marker, ec);
  const bool has_current = fs::exists(fs::path(dir_) / "CURRENT", ec);
  size_t entries = 0;
  if (fs::exists(dir_, ec)) {
    for (auto it = fs::directory_iterator(dir_, ec); !ec && it != fs::directory_iterator();
         it.increment(ec)) {
      ++entries;
    }
  }
  *fresh = entries == 0 || (has_marker && entries == 1);
  if (*fresh) {
    if (mode_ != Mode::kReadWrite) return Status::NotFound(dir_ + ": no tincrawl store here");
    fs::create_directories(dir_, ec);
    if (ec) return Status::IoError("cannot create " + dir_ + ": " + ec.message());
    return WriteMarker();
  }
  if (!has_marker) {
    return Status::InvalidArgument(dir_ + " is not a tincrawl store (it holds files but no " +
                                   kMarkerFile + "); refusing to touch it");
  }
  if (!has_current) {
    return Status::Corruption(dir_ +
                              ": tincrawl store without a RocksDB CURRENT file; restore "
                              "from backup or move the directory away");
  }
  rocksdb::Status ls = rocksdb::DB::ListColumnFamilies(DbOptions(env_, false), dir_, existing);
  if (!ls.ok()) {
    return Status::Corruption(dir_ + ": cannot read the store's metadata (" + ls.ToString() +
                              "); restore from backup or move the directory away");
  }
  if (std::find(existing->begin(), existing->end(), "meta") == existing->end()) {
    return Status::Corruption(dir_ +
                              ": the store's MANIFEST lists no meta column family (it is "
                              "damaged); restore from backup or move the directory away");
  }
  return Status::Ok();
}

Status Store::WriteMarker() {
  const std::string path = (fs::path(dir_) / kMarkerFile).string();
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return Status::IoError("cannot create " + path);
  const std::string text = std::string(kStoreMagic) + "\n";
  const bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  if (std::fclose(f) != 0 || !ok) return Status::IoError("cannot write " + path);
  return Status::Ok();
}

Status Store::OpenDb(const std::vector<std::string>& existing, bool fresh) {
  rocksdb::CompressionType upper, bottom;
  if (!ParseCompression(config_.compression, &upper, &bottom)) {
    return Status::InvalidArgument("store.compression: unknown value '" + config_.compression +
                                   "' (none, snappy, lz4, zstd)");
  }
  auto cache = rocksdb::NewLRUCache(
      static_cast<size_t>(std::max<int64_t>(config_.block_cache_bytes, 1 << 20)));
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  std::vector<int> slot;  // descriptors[i] -> Cf index, or -1.
  std::vector<std::string> names = existing;
  if (fresh || mode_ == Mode::kReadWrite) {
    for (const char* n : kCfNames) {
      if (std::find(names.begin(), names.end(), n) == names.end()) names.emplace_back(n);
    }
  }
  if (std::find(names.begin(), names.end(), rocksdb::kDefaultColumnFamilyName) == names.end()) {
    names.emplace_back(rocksdb::kDefaultColumnFamilyName);
  }
  for (const auto& name : names) {
    auto it = std::find_if(std::begin(kCfNames), std::end(kCfNames),
                           [&](const char* n) { return name == n; });
    const int index = it == std::end(kCfNames) ? -1 : static_cast<int>(it - std::begin(kCfNames));
    rocksdb::ColumnFamilyOptions o = index >= 0
                                         ? CfOptions(static_cast<Cf>(index), cache, upper, bottom)
                                         : rocksdb::ColumnFamilyOptions();
    descriptors.emplace_back(name, o);
    slot.push_back(index);
  }
  rocksdb::DBOptions options = DbOptions(env_, mode_ == Mode::kReadWrite);
  // Tickers only (no histograms or timers): bytes written by the WAL, flushes and compactions
  // and the time writers stalled, for the benches and /metrics.
  statistics_ = rocksdb::CreateDBStatistics();
  statistics_->set_stats_level(rocksdb::StatsLevel::kExceptHistogramOrTimers);
  options.statistics = statistics_;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s;
  if (mode_ == Mode::kReadWrite) {
    s = rocksdb::DB::Open(options, dir_, descriptors, &all_handles_, &raw);
  } else if (mode_ == Mode::kReadOnly) {
    s = rocksdb::DB::OpenForReadOnly(options, dir_, descriptors, &all_handles_, &raw);
  } else {
    options.max_open_files = -1;  // Required by secondary instances.
    s = rocksdb::DB::OpenAsSecondary(options, dir_, secondary_dir_, descriptors, &all_handles_,
                                     &raw);
  }
  if (!s.ok()) return FromRocks(s, "opening store " + dir_);
  db_.reset(raw);
  handles_.assign(kCfCount, nullptr);
  for (size_t i = 0; i < slot.size(); ++i) {
    if (slot[i] >= 0) handles_[slot[i]] = all_handles_[i];
  }
  for (int i = 0; i < kCfCount; ++i) {
    // Only a read-write open creates a missing family; a version 1 store read as it is has no
    // texts and needs none (its records carry their texts).
    const bool optional = static_cast<Cf>(i) == Cf::kTexts && mode_ != Mode::kReadWrite;
    if (handles_[i] == nullptr && !optional) {
      return Status::Corruption(dir_ + ": store lacks column family " + kCfNames[i]);
    }
  }
  return Status::Ok();
}

Status Store::CheckMeta(bool fresh) {
  std::string magic, version;
  Status st = Get(Cf::kMeta, kMagicKey, &magic);
  if (st.code() == Status::Code::kNotFound && mode_ == Mode::kReadWrite) {
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator({}, cf(Cf::kMeta)));
    it->SeekToFirst();
    if (!fresh && (it->Valid() || !it->status().ok())) {
      return Status::InvalidArgument(dir_ + " is not a tincrawl store (meta without magic)");
    }
    rocksdb::WriteBatch batch;
    batch.Put(cf(Cf::kMeta), kMagicKey, kStoreMagic);
    batch.Put(cf(Cf::kMeta), kSchemaKey, std::to_string(kSchemaVersion));
    rocksdb::WriteOptions wo;
    wo.sync = true;
    return FromRocks(db_->Write(wo, &batch), "initializing store " + dir_);
  }
  if (!st.ok()) return st;
  if (magic != kStoreMagic) {
    return Status::InvalidArgument(dir_ + " is not a tincrawl store (magic '" + magic + "')");
  }
  if (Status vs = Get(Cf::kMeta, kSchemaKey, &version); !vs.ok()) {
    return Status::Corruption(dir_ + ": store has no schema version");
  }
  const int v = std::atoi(version.c_str());
  if (v <= 0) return Status::Corruption(dir_ + ": bad schema version '" + version + "'");
  if (v > kSchemaVersion) {
    return Status::InvalidArgument(dir_ + ": store schema version " + version +
                                   " is newer than this tincrawl supports (" +
                                   std::to_string(kSchemaVersion) + "); upgrade tincrawl");
  }
  if (v < kSchemaVersion && mode_ == Mode::kReadWrite) {
    // Every older layout is still read (version 1: article texts inside their records), so the
    // upgrade is the texts family (created by this open) and the version, which keeps an older
    // tincrawl from misreading newer records.
    rocksdb::WriteOptions wo;
    wo.sync = true;
    return FromRocks(db_->Put(wo, cf(Cf::kMeta), kSchemaKey, std::to_string(kSchemaVersion)),
                     "upgrading store " + dir_);
  }
  return Status::Ok();
}

Status Store::Write(rocksdb::WriteBatch* batch) {
  if (mode_ != Mode::kReadWrite) return Status::InvalidArgument("store opened read-only");
  if (needs_resume_.load(std::memory_order_acquire)) {
    if (Status st = Resume(); !st.ok()) return st;
  }
  rocksdb::WriteOptions wo;
  wo.sync = config_.sync_wal;
  rocksdb::Status s = db_->Write(wo, batch);
  if (s.ok()) return Status::Ok();
  write_errors_.fetch_add(1, std::memory_order_relaxed);
  Status st = FromRocks(s, "store write");
  if (st.code() == Status::Code::kNoSpace) no_space_errors_.fetch_add(1);
  if (s.IsIOError() || st.code() == Status::Code::kNoSpace) {
    last_error_no_space_.store(st.code() == Status::Code::kNoSpace);
    needs_resume_.store(true, std::memory_order_release);
  }
  return st;
}

Status Store::Resume() {
  // After a failed write RocksDB holds a background error and refuses writes until it is
  // cleared. Resume flushes the memtables and switches to a fresh WAL, so the failed write
  // leaves no trace. For NoSpace, RocksDB's SstFileManager also retries by itself every 5 s;
  // while that runs Resume answers Busy, which still means "the disk is full".
  rocksdb::Status r = db_->Resume();
  if (r.ok()) {
    needs_resume_.store(false, std::memory_order_release);
    return Status::Ok();
  }
  write_errors_.fetch_add(1, std::memory_order_relaxed);
  Status st = FromRocks(r, "resuming store after write error");
  if (r.IsBusy() && last_error_no_space_.load()) {
    st = Status::NoSpace("store is recovering from a full disk: " + r.ToString());
  }
  if (st.code() == Status::Code::kNoSpace) no_space_errors_.fetch_add(1);
  return st;
}

Status Store::Get(Cf which, std::string_view key, std::string* value) const {
  if (cf(which) == nullptr) {
    return Status::NotFound(std::string(CfName(which)) + ": not in this store");
  }
  rocksdb::Status s =
      db_->Get(rocksdb::ReadOptions(), cf(which), rocksdb::Slice(key.data(), key.size()), value);
  if (s.IsNotFound()) return Status::NotFound(std::string(CfName(which)) + ": no such key");
  return FromRocks(s, std::string("store get in ") + CfName(which));
}

Status Store::GetUrlState(std::string_view url, UrlState* state) const {
  return GetRecord(Cf::kUrls, url, DecodeUrlState, state);
}

void Store::PutUrlState(rocksdb::WriteBatch* batch, std::string_view url,
                        const UrlState& state) const {
  batch->Put(cf(Cf::kUrls), rocksdb::Slice(url.data(), url.size()), EncodeUrlState(state))
      .PermitUncheckedError();  // WriteBatch::Put only fails past 4 GiB batches.
}

Status Store::GetSiteState(std::string_view site, SiteState* state) const {
  return GetRecord(Cf::kSites, site, DecodeSiteState, state);
}

void Store::PutSiteState(rocksdb::WriteBatch* batch, std::string_view site,
                         const SiteState& state) const {
  batch->Put(cf(Cf::kSites), rocksdb::Slice(site.data(), site.size()), EncodeSiteState(state))
      .PermitUncheckedError();
}

void Store::PutRaw(rocksdb::WriteBatch* batch, int64_t fetched_at, std::string_view url,
                   std::string_view html) const {
  batch->Put(cf(Cf::kRaw), RawKey(fetched_at, url), rocksdb::Slice(html.data(), html.size()))
      .PermitUncheckedError();
}

Status Store::PruneRaw(int64_t cutoff_unix) {
  if (mode_ != Mode::kReadWrite) return Status::InvalidArgument("store opened read-only");
  rocksdb::WriteBatch batch;
  std::string begin(8, '\0');
  std::string end;
  PutBigEndian64(&end, static_cast<uint64_t>(std::max<int64_t>(cutoff_unix, 0)));
  if (Status st = FromRocks(batch.DeleteRange(cf(Cf::kRaw), begin, end), "raw prune"); !st.ok()) {
    return st;
  }
  return Write(&batch);
}

Status Store::ForEachRaw(
    const std::function<bool(int64_t, std::string_view, std::string_view)>& fn) const {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cf(Cf::kRaw)));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    const std::string_view key(it->key().data(), it->key().size());
    if (key.size() < 8) continue;
    const auto at = static_cast<int64_t>(GetBigEndian64(key));
    if (!fn(at, key.substr(8), std::string_view(it->value().data(), it->value().size()))) break;
  }
  return FromRocks(it->status(), "raw scan");
}

Status Store::Flush() {
  if (mode_ != Mode::kReadWrite) return Status::Ok();
  if (needs_resume()) return Status::IoError("store flush skipped: a write error is pending");
  std::vector<rocksdb::ColumnFamilyHandle*> cfs(handles_.begin(), handles_.end());
  return FromRocks(db_->Flush(rocksdb::FlushOptions(), cfs), "store flush");
}

Status Store::CatchUp() {
  if (mode_ != Mode::kSecondary) return Status::InvalidArgument("not a secondary instance");
  return FromRocks(db_->TryCatchUpWithPrimary(), "catching up with primary");
}

uint64_t Store::TotalSstBytes() const {
  uint64_t v = 0;
  return db_->GetAggregatedIntProperty("rocksdb.total-sst-files-size", &v) ? v : 0;
}

Store::IoCounters Store::Io() const {
  IoCounters io;
  if (statistics_ == nullptr) return io;
  io.wal_bytes = statistics_->getTickerCount(rocksdb::WAL_FILE_BYTES);
  io.flush_bytes = statistics_->getTickerCount(rocksdb::FLUSH_WRITE_BYTES);
  io.compaction_write_bytes = statistics_->getTickerCount(rocksdb::COMPACT_WRITE_BYTES);
  io.compaction_read_bytes = statistics_->getTickerCount(rocksdb::COMPACT_READ_BYTES);
  io.stall_micros = statistics_->getTickerCount(rocksdb::STALL_MICROS);
  uint64_t live = 0;
  if (db_->GetAggregatedIntProperty("rocksdb.live-sst-files-size", &live)) io.live_sst_bytes = live;
  return io;
}

Store::MemoryUsage Store::Memory() const {
  MemoryUsage m;
  db_->GetAggregatedIntProperty("rocksdb.size-all-mem-tables", &m.memtables);
  db_->GetAggregatedIntProperty("rocksdb.estimate-table-readers-mem", &m.table_readers);
  // One cache is shared by every column family: read it once, not summed over them.
  db_->GetIntProperty(cf(Cf::kUrls), "rocksdb.block-cache-usage", &m.block_cache);
  return m;
}

uint64_t Store::PendingCompactionBytes() const {
  uint64_t v = 0;
  return db_->GetAggregatedIntProperty("rocksdb.estimate-pending-compaction-bytes", &v) ? v : 0;
}

}  // namespace tincrawl

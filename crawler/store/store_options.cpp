#include "crawler/store/store_options.h"

#include <rocksdb/filter_policy.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/table.h>

namespace tincrawl {
namespace {

// The simhash CF keys start with band number (1 byte) + band value (4 bytes).
constexpr size_t kSimhashPrefixBytes = 5;
constexpr int kMaxOpenFiles = 1024;

// Write-path tuning, measured with bench/store_bench (1M synthetic articles, one ingest thread,
// every dedup lookup on). Each article writes ~4 keys (article record of ~3 KB, content key,
// simhash entry, spool emit marker), so the foreground cost is dominated by memtable inserts and
// the WAL append, and the background cost by flushing and compacting the article records.
struct CfTuning {
  bool bloom = true;           // Point lookups: whole-key bloom filter in the SST files.
  bool memtable_bloom = true;  // Point lookups that mostly miss: a bloom over the memtable too.
  size_t prefix_bytes = 0;     // Prefix seeks: fixed prefix extractor + prefix bloom.
  size_t write_buffer = 8 << 20;
  int max_write_buffers = 2;
  int l0_compaction_trigger = 4;
  size_t block_size = 8 << 10;
};

CfTuning TuningFor(Cf cf) {
  CfTuning t;
  switch (cf) {
    case Cf::kMeta:
      // Point-read only at open; its steady write traffic is the spool's emit markers, which a
      // memtable bloom would hash on every insert for nothing.
      t.memtable_bloom = false;
      break;
    case Cf::kFrontier:
      // Scanned in order, never point-read. With urls, the CF every discovered link writes:
      // their memtables are most of a frontier's RSS after the block cache, so they keep the
      // default 8 MiB. 16 MiB buffers cost 13 MiB more resident at 10M URLs (frontier_bench
      // 10000000 5000: RSS 200 MiB against 184 MiB) for no faster inserts (64.7k against 63.8k
      // URLs/s over the last million); the smaller ones rewrite more (write amplification 19.7
      // against 15.6), which is 4.4 GB of compaction for ten million URLs.
      t.bloom = false;
      t.memtable_bloom = false;
      break;
    case Cf::kSimhash:
      // Read by id only for candidates the in-memory index just proposed, so reads hit and a
      // memtable prefix bloom would never save a lookup.
      t.prefix_bytes = kSimhashPrefixBytes;
      t.memtable_bloom = false;
      t.write_buffer = 16 << 20;
      break;
    case Cf::kArticles:
      // The heads of the articles (article_record.h): every field but the text, a few hundred
      // bytes, point-read by id on every ingest and rewritten when a copy adds a sighting.
      // Article ids are hashes, so every L0 file overlaps the whole next level: bigger memtables
      // and a later L0 trigger make fewer, larger compactions. A third and fourth buffer absorb
      // a flush that falls behind instead of stalling the writer.
      t.write_buffer = 64 << 20;
      t.max_write_buffers = 4;
      t.l0_compaction_trigger = 6;
      break;
    case Cf::kTexts:
      // Nearly all bytes written: one body + body_html per revision, under keys that grow with
      // the write (article_record.cpp), read only by the key its head names. The files a flush
      // writes cover ranges no older file covers, so compaction moves them down a level instead
      // of rewriting them. Keyed by article id, as they were inside the records, compaction
      // rewrote every ~3 KB text at every level: at 3M articles one core was saturated (perf:
      // half of it zstd) and at 10M write amplification was 13.6, with 12.8k articles/s over
      // the last million (store_bench 10000000). Always hits, so no bloom filters.
      t.bloom = false;
      t.memtable_bloom = false;
      t.write_buffer = 64 << 20;
      t.max_write_buffers = 4;
      t.block_size = 32 << 10;
      break;
    case Cf::kRaw:
      t.bloom = false;  // Only scanned and range-deleted.
      t.memtable_bloom = false;
      t.write_buffer = 32 << 20;
      t.block_size = 32 << 10;
      break;
    case Cf::kContent:
      t.write_buffer = 16 << 20;
      break;
    default:
      break;
  }
  return t;
}

}  // namespace

bool ParseCompression(const std::string& name, rocksdb::CompressionType* upper,
                      rocksdb::CompressionType* bottom) {
  if (name == "none") {
    *upper = *bottom = rocksdb::kNoCompression;
  } else if (name == "snappy") {
    *upper = *bottom = rocksdb::kSnappyCompression;
  } else if (name == "lz4") {
    *upper = *bottom = rocksdb::kLZ4Compression;
  } else if (name == "zstd") {
    // Upper levels churn: cheap lz4. The bottommost level holds ~90% of the data: zstd.
    *upper = rocksdb::kLZ4Compression;
    *bottom = rocksdb::kZSTD;
  } else {
    return false;
  }
  return true;
}

rocksdb::ColumnFamilyOptions CfOptions(Cf cf, const std::shared_ptr<rocksdb::Cache>& cache,
                                       rocksdb::CompressionType upper,
                                       rocksdb::CompressionType bottom) {
  const CfTuning t = TuningFor(cf);
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = cache;
  table.block_size = t.block_size;
  table.format_version = 5;
  // XXH3 block checksums cost a fraction of this build's software CRC32C on flush, compaction
  // and reads. The checksum type is recorded per file, so older files stay readable.
  table.checksum = rocksdb::kXXH3;
  table.cache_index_and_filter_blocks = true;
  table.pin_l0_filter_and_index_blocks_in_cache = true;
  // Index and filter in partitions of metadata_block_size, behind a small top level that stays
  // pinned. A whole-file filter or index is megabytes once the files are large, and a miss in
  // the block cache then read and checksummed all of it again: past ~1M URLs that was a third
  // of the frontier's time (perf: XXH3 over filter blocks) and the rate fell ten times.
  table.index_type = rocksdb::BlockBasedTableOptions::kTwoLevelIndexSearch;
  table.partition_filters = t.bloom || t.prefix_bytes > 0;
  table.metadata_block_size = 4096;
  table.pin_top_level_index_and_filter = true;
  table.cache_index_and_filter_blocks_with_high_priority = true;
  if (t.bloom || t.prefix_bytes > 0) {
    table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10, false));
    table.whole_key_filtering = t.prefix_bytes == 0;
  }
  rocksdb::ColumnFamilyOptions o;
  o.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  if (t.prefix_bytes > 0) {
    o.prefix_extractor.reset(rocksdb::NewFixedPrefixTransform(t.prefix_bytes));
  }
  if (t.memtable_bloom) {
    // Most lookups miss (new URLs, new content): a memtable bloom skips the skiplist search.
    o.memtable_whole_key_filtering = t.prefix_bytes == 0;
    o.memtable_prefix_bloom_size_ratio = t.prefix_bytes > 0 ? 0.05 : 0.02;
  }
  o.write_buffer_size = t.write_buffer;
  o.max_write_buffer_number = t.max_write_buffers;
  o.level0_file_num_compaction_trigger = t.l0_compaction_trigger;
  o.level_compaction_dynamic_level_bytes = true;
  o.compression = upper;
  // L0 stays compressed: writing it uncompressed (compression_per_level) took LZ4 off the flush
  // thread, but left up to trigger x 128 MiB of raw article text in L0 (+25% disk per article
  // at 200k articles in store_bench) for no measurable gain on the ingest thread.
  o.bottommost_compression = bottom;
  if (bottom == rocksdb::kZSTD) o.bottommost_compression_opts.level = 3;
  o.max_bytes_for_level_base = 64 << 20;
  o.target_file_size_base = 32 << 20;
  return o;
}

rocksdb::DBOptions DbOptions(rocksdb::Env* env, bool read_write) {
  rocksdb::DBOptions o;
  o.create_if_missing = read_write;
  o.create_missing_column_families = read_write;
  o.max_open_files = kMaxOpenFiles;
  o.max_background_jobs = 2;
  o.bytes_per_sync = 1 << 20;
  o.wal_bytes_per_sync = 1 << 20;
  o.max_total_wal_size = 256 << 20;
  o.keep_log_file_num = 4;
  o.max_log_file_size = 16 << 20;
  o.paranoid_checks = true;
  // Records WAL creation/deletion in the MANIFEST and checks them at open, so a MANIFEST that
  // lost its tail (and with it flushes whose WALs are gone) is reported as corruption instead of
  // silently opening an older state.
  o.track_and_verify_wals_in_manifest = true;
  if (env != nullptr) o.env = env;
  return o;
}

}  // namespace tincrawl

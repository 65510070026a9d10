#pragma once

#include <rocksdb/write_batch.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "crawler/article_record.h"
#include "crawler/config.h"
#include "crawler/fingerprint.h"
#include "crawler/status.h"
#include "crawler/store.h"
#include "extractors/article.h"

namespace tincrawl {

struct DedupOptions {
  int max_distance = 3;  // SimHash bits (0..7); bands = max_distance + 1.
  // Candidates sharing a band are linked up to this distance (>= max_distance). Above
  // max_distance recall is probabilistic (e.g. 4 bands: ~90% at distance 4, ~70% at 5), but
  // a sentence added to a 300-word article typically moves 3-6 bits, so 5 catches most edits
  // that 3 misses. Unrelated texts sit ~32 bits apart, so false links stay negligible.
  int accept_distance = 3;
  // Bodies with fewer tokens take no part in near-duplicate matching (their SimHash is noise:
  // short notices would all look alike). Exact matching still applies.
  int min_tokens_for_near = 20;
};

// Where and when a page was fetched.
struct IngestContext {
  std::string site;
  Locality locality;
  std::string url;         // The normalized URL the page was fetched from.
  int64_t fetched_at = 0;  // Unix seconds.
};

enum class IngestDecision {
  kNew,             // A new story; this article is its first publisher.
  kExactDuplicate,  // Same clean body as a stored article: linked to that story.
  kNearDuplicate,   // SimHash within max_distance of a stored article: linked to that story.
  kUpdated,         // Same id (URL) as a stored article with changed content: revision++.
  kUnchanged,       // Same id and same content: nothing written.
};
const char* IngestDecisionName(IngestDecision decision);

struct IngestResult {
  IngestDecision decision = IngestDecision::kNew;
  std::string id;         // This article's id.
  std::string story_id;   // The story's first publisher (may be `id`).
  int distance = 0;       // Hamming distance for kNearDuplicate.
  bool emit = false;      // The record must go to the spool (everything but kUnchanged).
  bool rerooted = false;  // This article became the story's new first publisher.
  ArticleRecord record;   // The article as committed (for the spool).
};

// Article ids: Hex64 of the URL hash. `canonical_url` is used when it is on the same host as
// `url` and names a page (portals that point every canonical at the home page are common).
std::string ArticleIdFor(std::string_view url, std::string_view canonical_url);

// Decides whether a fetched article is new, a duplicate, an update or unchanged, and commits the
// decision. Owns the `articles`, `content` and `simhash` column families:
//   articles: id -> EncodeArticleRecord
//   content:  8-byte big-endian ContentHash -> id of the first article with that body
//   simhash:  band (1 byte) | band value (4 bytes BE) | id (8 bytes BE) -> simhash (8 bytes BE)
// A banded in-memory SimIndex (rebuilt from band 0 of `simhash` at Open) answers near-duplicate
// queries; the store stays the source of truth across restarts. Thread-safe: Ingest serializes
// lookup, batch building and the write under one mutex, so simultaneous copies are linked.
class Deduper {
 public:
  // `store` must outlive the deduper.
  static Status Open(Store* store, const DedupOptions& options, std::unique_ptr<Deduper>* out);

  // Adds the dedup writes (article record, indexes, spool emit marker) to `*batch`, which may
  // already hold the caller's writes for the same page, and commits it with Store::Write, so the
  // page lands atomically. On error nothing was committed and *batch must be discarded (NoSpace:
  // retry the page later).
  Status Ingest(const Article& article, const IngestContext& ctx, rocksdb::WriteBatch* batch,
                IngestResult* out);

  // The nearest indexed article within accept_distance of `simhash` (tools and benchmarks).
  bool FindNear(uint64_t simhash, SimIndex::Match* match) const;

  size_t indexed() const;
  size_t IndexMemoryBytes() const;
  const DedupOptions& options() const { return options_; }

 private:
  struct Prepared;
  struct IndexChange;
  Deduper(Store* store, const DedupOptions& options);
  Status LoadIndex();
  static Prepared Prepare(const Article& article, const IngestContext& ctx, int min_tokens);
  Status IngestLocked(const Prepared& p, rocksdb::WriteBatch* batch, IngestResult* out,
                      IndexChange* change);
  Status Update(const Prepared& p, const ArticleRecord& existing, rocksdb::WriteBatch* batch,
                IngestResult* out, IndexChange* change);
  Status Link(const Prepared& p, const std::string& match_id, rocksdb::WriteBatch* batch,
              IngestResult* out);
  Status Reroot(ArticleRecord* rec, ArticleRecord* root, rocksdb::WriteBatch* batch);
  Status RelayoutIfNeeded(const std::vector<std::pair<uint64_t, uint64_t>>& entries);
  void PutRecord(rocksdb::WriteBatch* batch, const ArticleRecord& record) const;
  void PutIndexes(rocksdb::WriteBatch* batch, const ArticleRecord& record, bool content,
                  bool near) const;
  void DeleteSimhashKeys(rocksdb::WriteBatch* batch, uint64_t simhash, uint64_t id) const;

  Store* store_;
  DedupOptions options_;
  mutable std::mutex mu_;
  SimIndex index_;  // Guarded by mu_.
};

}  // namespace tincrawl

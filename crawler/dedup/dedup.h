#pragma once

#include <rocksdb/write_batch.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "crawler/common/status.h"
#include "crawler/config/config.h"
#include "crawler/dedup/fingerprint.h"
#include "crawler/dedup/sim_index.h"
#include "crawler/store/article_record.h"
#include "crawler/store/store.h"
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

  // Second signal, sentence units (fingerprint.h): catches copies whose edits move the SimHash
  // beyond accept_distance (a retitled press release with a sentence appended to a 300-word body
  // moves 0-6 bits). A stored article is a near duplicate when the units the two bodies share
  // cover at least min_similarity of the longer body's tokens. Measured on the farm: copies
  // score >= 0.93, unrelated articles built from the same phrase templates <= 0.27.
  double min_similarity = 0.7;
  // Candidates come from a bottom-k sketch of each body's units (0 disables the signal).
  int sketch_size = 3;
  int min_sketch_weight = 4;  // Tokens a unit needs to enter the sketch.
  // A sketch hash shared by this many articles is common text (portal boilerplate): it finds no
  // candidates and is not extended.
  int max_sketch_fanout = 16;
  int max_candidates = 4;  // Candidates verified per ingest (one point read each).
  // Called every kIndexProgressEvery articles while Open loads or rebuilds the in-memory
  // index, with the count so far (the daemon extends systemd's start timeout from it).
  std::function<void(size_t indexed)> on_index_progress;
};
inline constexpr size_t kIndexProgressEvery = 50000;

// Where and when a page was fetched.
struct IngestContext {
  std::string site;
  Locality locality;
  std::string url;          // The normalized URL (key) of the page.
  std::string fetched_url;  // The URL as requested (as published); the record's `url`.
  int64_t fetched_at = 0;   // Unix seconds.
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
  int distance = 0;       // SimHash Hamming distance to the matched copy (kNearDuplicate).
  double similarity = 0;  // Sentence-unit similarity to the matched copy (kNearDuplicate).
  bool emit = false;      // The record must go to the spool (everything but kUnchanged).
  bool rerooted = false;  // This article became the story's new first publisher.
  ArticleRecord record;   // The article as committed (for the spool); kUnchanged: the stored
                          // head only (its text is not read).
};

// Article ids: Hex64 of the URL hash. `canonical_url` is used when it is on the same host as
// `url` and names a page (portals that point every canonical at the home page are common).
std::string ArticleIdFor(std::string_view url, std::string_view canonical_url);

// A stored article found near a body (FindNear).
struct NearMatch {
  std::string id;
  int distance = 0;         // SimHash Hamming distance.
  double similarity = 0;    // Sentence-unit similarity (UnitSimilarity).
  bool by_simhash = false;  // Found by the SimHash band index (else by sentence units).
};

// Decides whether a fetched article is new, a duplicate, an update or unchanged, and commits the
// decision. Owns the `articles`, `texts`, `content` and `simhash` column families:
//   articles: id -> the article's head (article_record.h: every field but the text)
//   texts:    8-byte big-endian sequence number | id -> body and body_html of one revision
//   content:  8-byte big-endian ContentHash -> id of the first article with that body
//   simhash:  0x10 | id (8 bytes BE) -> simhash (8 bytes BE) | unit count (varint) |
//             per unit: hash (4 bytes BE), weight (varint); units sorted by hash
// One `simhash` entry per near-eligible article that is not an exact copy of another.
//
// Near duplicates are found in two stages, both answered from memory (NearIndex, about 60 bytes
// an article): (1) SimHash bands find every article within max_distance bits (accept_distance
// when a band happens to match), the fast path for near-identical copies; (2) otherwise the
// bottom-k sentence-unit sketch proposes up to max_candidates articles, whose units are read
// from `simhash` and accepted when UnitSimilarity >= min_similarity. A sentence shared by
// unrelated articles (one boilerplate paragraph) cannot link them: it is a small part of either
// body, and hashes common to max_sketch_fanout articles are ignored. The index is rebuilt from
// `simhash` at Open; when meta "dedup_index_layout" differs from this version (older stores),
// `simhash` is rebuilt from the stored articles first. Thread-safe: Ingest serializes lookup,
// batch building and the write under one mutex, so simultaneous copies are linked.
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
  bool FindNear(uint64_t simhash, NearIndex::Match* match) const;
  // The stored near duplicate of a body fingerprinted by FingerprintClean(CleanText(body)), as
  // Ingest would find it, without writing anything. NotFound when there is none.
  Status FindNear(const BodyFingerprint& body, NearMatch* match) const;

  size_t indexed() const;
  size_t IndexMemoryBytes() const;
  const DedupOptions& options() const { return options_; }

 private:
  struct Prepared;
  struct IndexChange;
  Deduper(Store* store, const DedupOptions& options);
  Status LoadIndex();
  Status RebuildIndex();
  void ReportIndexProgress();
  void AddToIndex(uint64_t id, uint64_t simhash, const std::vector<uint32_t>& sketch);
  Prepared Prepare(const Article& article, const IngestContext& ctx) const;
  Status FindNearLocked(uint64_t simhash, const std::vector<SentenceUnit>& units,
                        uint64_t exclude_id, NearMatch* match) const;
  Status ReadUnits(uint64_t id, uint64_t* simhash, std::vector<SentenceUnit>* units) const;
  Status IngestLocked(Prepared& p, rocksdb::WriteBatch* batch, IngestResult* out,
                      IndexChange* change);
  Status Update(Prepared& p, const ArticleRecord& existing, rocksdb::WriteBatch* batch,
                IngestResult* out, IndexChange* change);
  Status Link(Prepared& p, const std::string& match_id, rocksdb::WriteBatch* batch,
              IngestResult* out);
  Status Reroot(ArticleRecord* rec, ArticleRecord* root, rocksdb::WriteBatch* batch);
  void PutRecord(rocksdb::WriteBatch* batch, ArticleRecord* record, ArticlePart part) const;
  void PutContent(rocksdb::WriteBatch* batch, const ArticleRecord& record) const;
  void PutNearEntry(rocksdb::WriteBatch* batch, uint64_t id, uint64_t simhash,
                    const std::vector<SentenceUnit>& units) const;

  Store* store_;
  DedupOptions options_;
  mutable std::mutex mu_;
  NearIndex index_;    // Guarded by mu_.
  size_t loaded_ = 0;  // Articles indexed by Open (LoadIndex or RebuildIndex).
};

}  // namespace tincrawl

#include "crawler/dedup/dedup.h"

#include <limits>
#include <utility>

#include "crawler/common/host.h"
#include "crawler/common/record_codec.h"
#include "crawler/dedup/dedup_index.h"
#include "extractors/dates.h"
#include "extractors/text.h"

namespace tincrawl {
namespace {

constexpr uint64_t kVersionSeed = 0x5EC0DE;

std::string PathOf(std::string_view url) {
  const size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return {};
  url.remove_prefix(scheme + 3);
  const size_t slash = url.find_first_of("/?#");
  return slash == std::string_view::npos ? std::string() : std::string(url.substr(slash));
}

int64_t PublishedUnix(const ArticleRecord& a) {
  if (a.published.empty()) return std::numeric_limits<int64_t>::max();
  const auto t = Rfc3339ToUnix(a.published);
  return t ? static_cast<int64_t>(*t) : std::numeric_limits<int64_t>::max();
}

// The story's first publisher: earliest published time (unknown sorts last), then earliest seen.
bool PublishedBefore(const ArticleRecord& a, const ArticleRecord& b) {
  const int64_t pa = PublishedUnix(a);
  const int64_t pb = PublishedUnix(b);
  if (pa != pb) return pa < pb;
  return a.first_seen < b.first_seen;
}

}  // namespace

struct Deduper::Prepared {
  ArticleRecord record;
  uint64_t id_number = 0;
  bool near_eligible = false;
  std::vector<SentenceUnit> units;
  std::vector<uint32_t> sketch;
};

// What the in-memory indexes must learn once the batch is committed.
struct Deduper::IndexChange {
  bool remove = false;
  uint64_t remove_hash = 0;
  std::vector<uint32_t> remove_sketch;
  bool add = false;
  uint64_t add_hash = 0;
  std::vector<uint32_t> add_sketch;
  uint64_t id = 0;
};

const char* IngestDecisionName(IngestDecision decision) {
  switch (decision) {
    case IngestDecision::kNew:
      return "new";
    case IngestDecision::kExactDuplicate:
      return "exact_duplicate";
    case IngestDecision::kNearDuplicate:
      return "near_duplicate";
    case IngestDecision::kUpdated:
      return "updated";
    case IngestDecision::kUnchanged:
      return "unchanged";
  }
  return "unknown";
}

std::string ArticleIdFor(std::string_view url, std::string_view canonical_url) {
  std::string_view key = url;
  if (!canonical_url.empty() && HostOf(canonical_url) == HostOf(url)) {
    const std::string path = PathOf(canonical_url);
    if (!path.empty() && path != "/") key = canonical_url;
  }
  return Hex64(Hash64(key, 0xA871C1E));
}

Deduper::Deduper(Store* store, const DedupOptions& options)
    : store_(store), options_(options), index_(options.max_distance, options.max_sketch_fanout) {}

Status Deduper::Open(Store* store, const DedupOptions& options, std::unique_ptr<Deduper>* out) {
  if (options.max_distance < 0 || options.max_distance > 7) {
    return Status::InvalidArgument("dedup max_distance must be within 0..7");
  }
  if (options.accept_distance < options.max_distance || options.accept_distance > 16) {
    return Status::InvalidArgument("dedup accept_distance must be within max_distance..16");
  }
  if (!(options.min_similarity > 0 && options.min_similarity <= 1) || options.sketch_size < 0 ||
      options.sketch_size > 16 || options.max_sketch_fanout < 1 || options.max_candidates < 1) {
    return Status::InvalidArgument(
        "dedup: min_similarity must be in (0, 1], sketch_size in 0..16, max_sketch_fanout and "
        "max_candidates >= 1");
  }
  std::unique_ptr<Deduper> d(new Deduper(store, options));
  if (Status st = d->LoadIndex(); !st.ok()) return st;
  *out = std::move(d);
  return Status::Ok();
}

Deduper::Prepared Deduper::Prepare(const Article& article, const IngestContext& ctx) const {
  Prepared p;
  ArticleRecord& r = p.record;
  const std::string& key = ctx.url.empty() ? article.url : ctx.url;
  r.url = ctx.fetched_url.empty() ? key : ctx.fetched_url;
  r.canonical_url = article.canonical_url.empty() ? key : article.canonical_url;
  r.id = ArticleIdFor(key, article.canonical_url);
  r.site = ctx.site;
  r.locality = ctx.locality;
  r.title = article.title;
  r.published = article.published;
  r.modified = article.modified;
  r.author = article.author;
  r.posted_by = article.posted_by;
  r.source = article.source;
  r.confidence = article.confidence;
  r.summary = article.summary;
  r.body = article.body;
  r.body_html = article.body_html;
  r.images = article.images;
  r.attachments = article.attachments;
  r.lang = article.lang;
  r.fetched_at = ctx.fetched_at;
  r.first_seen = ctx.fetched_at;
  const std::string clean = CleanBody(article.body);
  // An empty body must not make every such page an "exact duplicate" of the others.
  r.content_hash = clean.empty() ? Hash64(r.id, 0xE3) : ContentHash(clean);
  std::string fields;
  fields.reserve(r.title.size() + clean.size() + r.published.size() + r.author.size() +
                 r.summary.size() + 4);
  fields.append(r.title).append(1, '\0').append(clean).append(1, '\0').append(r.published);
  fields.append(1, '\0').append(r.author).append(1, '\0').append(r.summary);
  r.version_hash = Hash64(fields, kVersionSeed);
  BodyFingerprint fp;
  FingerprintClean(clean, &fp);
  r.simhash = fp.simhash;
  p.near_eligible = fp.tokens >= options_.min_tokens_for_near;
  p.units = std::move(fp.units);
  p.sketch = UnitSketch(p.units, options_.sketch_size, options_.min_sketch_weight);
  p.id_number = IdNumber(r.id);
  return p;
}

Status Deduper::Ingest(const Article& article, const IngestContext& ctx, rocksdb::WriteBatch* batch,
                       IngestResult* out) {
  Prepared p = Prepare(article, ctx);
  std::lock_guard<std::mutex> lock(mu_);
  *out = IngestResult();
  IndexChange change;
  change.id = p.id_number;
  if (Status st = IngestLocked(p, batch, out, &change); !st.ok()) return st;
  if (out->emit) {
    batch->Put(store_->cf(Cf::kMeta), EmitMarkerKey(out->id, out->record.revision), "")
        .PermitUncheckedError();
  }
  if (batch->Count() > 0) {
    if (Status st = store_->Write(batch); !st.ok()) return st;
  }
  if (change.remove) {
    index_.Remove(change.id, change.remove_hash, change.remove_sketch);
  }
  if (change.add) AddToIndex(change.id, change.add_hash, change.add_sketch);
  return Status::Ok();
}

Status Deduper::IngestLocked(Prepared& p, rocksdb::WriteBatch* batch, IngestResult* out,
                             IndexChange* change) {
  const ArticleRecord& rec = p.record;
  out->id = rec.id;
  ArticleRecord existing;
  // The head has all Update compares and carries over; the text is replaced or left alone.
  Status st = GetArticleHead(*store_, rec.id, &existing);
  if (st.ok()) return Update(p, existing, batch, out, change);
  if (st.code() != Status::Code::kNotFound) return st;
  out->emit = true;
  std::string match;
  st = store_->Get(Cf::kContent, ContentKey(rec.content_hash), &match);
  if (st.ok() && match != rec.id) {
    out->decision = IngestDecision::kExactDuplicate;
    out->similarity = 1;
    return Link(p, match, batch, out);  // Same body: its fingerprints are already indexed.
  }
  if (!st.ok() && st.code() != Status::Code::kNotFound) return st;
  NearMatch near;
  bool is_near = false;
  if (p.near_eligible) {
    st = FindNearLocked(rec.simhash, p.units, p.id_number, &near);
    if (!st.ok() && st.code() != Status::Code::kNotFound) return st;
    is_near = st.ok();
    PutNearEntry(batch, p.id_number, rec.simhash, p.units);
    change->add = true;
    change->add_hash = rec.simhash;
    change->add_sketch = p.sketch;
  }
  PutContent(batch, rec);
  if (is_near) {
    out->decision = IngestDecision::kNearDuplicate;
    out->distance = near.distance;
    out->similarity = near.similarity;
    return Link(p, near.id, batch, out);
  }
  out->decision = IngestDecision::kNew;
  out->story_id = rec.id;
  // The prepared record is not needed after this point: move its ~3 KB of text, don't copy it.
  out->record = std::move(p.record);
  ArticleRecord& stored = out->record;
  stored.sightings.push_back({stored.id, stored.site, stored.url, stored.first_seen});
  PutRecord(batch, &out->record, ArticlePart::kWhole);
  return Status::Ok();
}

Status Deduper::Update(Prepared& p, const ArticleRecord& existing, rocksdb::WriteBatch* batch,
                       IngestResult* out, IndexChange* change) {
  out->story_id = existing.duplicate_of.empty() ? existing.id : existing.duplicate_of;
  if (existing.version_hash == p.record.version_hash) {
    out->decision = IngestDecision::kUnchanged;
    out->record = existing;
    return Status::Ok();
  }
  out->decision = IngestDecision::kUpdated;
  out->emit = true;
  ArticleRecord rec = std::move(p.record);  // p.record is not read again.
  rec.first_seen = existing.first_seen;
  rec.duplicate_of = existing.duplicate_of;
  rec.sightings = existing.sightings;
  rec.revision = existing.revision + 1;
  rec.text_key = existing.text_key;  // The text this revision replaces.
  if (existing.content_hash != rec.content_hash) {
    std::string owner;
    const std::string old_key = ContentKey(existing.content_hash);
    if (store_->Get(Cf::kContent, old_key, &owner).ok() && owner == rec.id) {
      batch->Delete(store_->cf(Cf::kContent), old_key).PermitUncheckedError();
    }
    if (store_->Get(Cf::kContent, ContentKey(rec.content_hash), &owner).code() ==
        Status::Code::kNotFound) {
      PutContent(batch, rec);
    }
    // The body changed: replace this article's near-duplicate entry (if it had one).
    uint64_t old_hash = 0;
    std::vector<SentenceUnit> old_units;
    Status st = ReadUnits(p.id_number, &old_hash, &old_units);
    if (!st.ok() && st.code() != Status::Code::kNotFound) return st;
    if (st.ok()) {
      batch->Delete(store_->cf(Cf::kSimhash), EntryKey(p.id_number)).PermitUncheckedError();
      change->remove = true;
      change->remove_hash = old_hash;
      change->remove_sketch =
          UnitSketch(old_units, options_.sketch_size, options_.min_sketch_weight);
    }
    if (p.near_eligible) {
      PutNearEntry(batch, p.id_number, rec.simhash, p.units);
      change->add = true;
      change->add_hash = rec.simhash;
      change->add_sketch = p.sketch;
    }
  }
  PutRecord(batch, &rec, ArticlePart::kWhole);
  out->record = std::move(rec);
  return Status::Ok();
}

Status Deduper::Link(Prepared& p, const std::string& match_id, rocksdb::WriteBatch* batch,
                     IngestResult* out) {
  // The story's first publisher gains a sighting (or a new first publisher): only heads change,
  // and the stored texts are neither read nor rewritten.
  ArticleRecord root;
  if (Status st = GetArticleHead(*store_, match_id, &root); !st.ok()) return st;
  if (!root.duplicate_of.empty()) {
    const std::string root_id = root.duplicate_of;
    if (Status st = GetArticleHead(*store_, root_id, &root); !st.ok()) return st;
  }
  ArticleRecord rec = std::move(p.record);  // p.record is not read again.
  if (PublishedBefore(rec, root)) {
    if (Status st = Reroot(&rec, &root, batch); !st.ok()) return st;
    out->rerooted = true;
  } else {
    rec.duplicate_of = root.id;
    root.sightings.push_back({rec.id, rec.site, rec.url, rec.first_seen});
    PutRecord(batch, &root, ArticlePart::kHead);
  }
  out->story_id = rec.duplicate_of.empty() ? rec.id : rec.duplicate_of;
  PutRecord(batch, &rec, ArticlePart::kWhole);
  out->record = std::move(rec);
  return Status::Ok();
}

// `rec` was published before the story's first publisher `root`: it takes over the story's
// sightings and every other copy (root included) now points at it.
Status Deduper::Reroot(ArticleRecord* rec, ArticleRecord* root, rocksdb::WriteBatch* batch) {
  rec->duplicate_of.clear();
  rec->sightings = std::move(root->sightings);
  rec->sightings.push_back({rec->id, rec->site, rec->url, rec->first_seen});
  root->sightings.clear();
  root->duplicate_of = rec->id;
  PutRecord(batch, root, ArticlePart::kHead);
  for (const Sighting& s : rec->sightings) {
    if (s.id == rec->id || s.id == root->id) continue;
    ArticleRecord member;
    Status st = GetArticleHead(*store_, s.id, &member);
    if (st.code() == Status::Code::kNotFound) continue;
    if (!st.ok()) return st;
    member.duplicate_of = rec->id;
    PutRecord(batch, &member, ArticlePart::kHead);
  }
  return Status::Ok();
}

void Deduper::PutRecord(rocksdb::WriteBatch* batch, ArticleRecord* record, ArticlePart part) const {
  PutArticle(batch, *store_, record, part);
}

void Deduper::PutContent(rocksdb::WriteBatch* batch, const ArticleRecord& record) const {
  batch->Put(store_->cf(Cf::kContent), ContentKey(record.content_hash), record.id)
      .PermitUncheckedError();
}

}  // namespace tincrawl

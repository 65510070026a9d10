#include "crawler/dedup.h"

#include <rocksdb/iterator.h>

#include <limits>
#include <utility>

#include "crawler/record_codec.h"
#include "extractors/dates.h"
#include "extractors/text.h"

namespace tincrawl {
namespace {

constexpr const char* kLayoutKey = "simhash_max_distance";
constexpr uint64_t kVersionSeed = 0x5EC0DE;

std::string_view HostOf(std::string_view url) {
  const size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return {};
  url.remove_prefix(scheme + 3);
  return url.substr(0, url.find_first_of("/?#"));
}

std::string PathOf(std::string_view url) {
  const size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return {};
  url.remove_prefix(scheme + 3);
  const size_t slash = url.find_first_of("/?#");
  return slash == std::string_view::npos ? std::string() : std::string(url.substr(slash));
}

std::string ContentKey(uint64_t hash) {
  std::string key;
  PutBigEndian64(&key, hash);
  return key;
}

std::string SimhashKey(int band, uint32_t value, uint64_t id) {
  std::string key(1, static_cast<char>(band));
  PutBigEndian32(&key, value);
  PutBigEndian64(&key, id);
  return key;
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

uint64_t IdNumber(const std::string& id) {
  uint64_t v = 0;
  return ParseHex64(id, &v) ? v : Hash64(id);
}

}  // namespace

struct Deduper::Prepared {
  ArticleRecord record;
  uint64_t id_number = 0;
  bool near_eligible = false;
};

struct Deduper::IndexChange {
  bool remove = false;
  uint64_t remove_hash = 0;
  bool add = false;
  uint64_t add_hash = 0;
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
    : store_(store), options_(options), index_(options.max_distance) {}

Status Deduper::Open(Store* store, const DedupOptions& options, std::unique_ptr<Deduper>* out) {
  if (options.max_distance < 0 || options.max_distance > 7) {
    return Status::InvalidArgument("dedup max_distance must be within 0..7");
  }
  if (options.accept_distance < options.max_distance || options.accept_distance > 16) {
    return Status::InvalidArgument("dedup accept_distance must be within max_distance..16");
  }
  std::unique_ptr<Deduper> d(new Deduper(store, options));
  if (Status st = d->LoadIndex(); !st.ok()) return st;
  *out = std::move(d);
  return Status::Ok();
}

Status Deduper::LoadIndex() {
  rocksdb::ReadOptions ro;
  ro.total_order_seek = true;  // The simhash CF has a prefix extractor; scan across prefixes.
  std::unique_ptr<rocksdb::Iterator> it(store_->db()->NewIterator(ro, store_->cf(Cf::kSimhash)));
  std::vector<std::pair<uint64_t, uint64_t>> entries;  // (simhash, id)
  for (it->SeekToFirst(); it->Valid() && it->key()[0] == 0; it->Next()) {
    const std::string_view key(it->key().data(), it->key().size());
    if (key.size() != 13 || it->value().size() != 8) {
      return Status::Corruption("bad simhash index entry");
    }
    entries.emplace_back(GetBigEndian64({it->value().data(), 8}), GetBigEndian64(key.substr(5)));
  }
  if (Status st = FromRocks(it->status(), "loading simhash index"); !st.ok()) return st;
  if (Status st = RelayoutIfNeeded(entries); !st.ok()) return st;
  for (const auto& [hash, id] : entries) index_.Add(hash, id);
  return Status::Ok();
}

// The persisted band keys depend on max_distance; when it changed since they were written,
// rewrite them all (one batch) so the store matches the layout the index uses.
Status Deduper::RelayoutIfNeeded(const std::vector<std::pair<uint64_t, uint64_t>>& entries) {
  const std::string want = std::to_string(options_.max_distance);
  std::string have;
  Status st = store_->Get(Cf::kMeta, kLayoutKey, &have);
  if (st.ok() && have == want) return Status::Ok();
  if (!st.ok() && st.code() != Status::Code::kNotFound) return st;
  if (store_->mode() != Store::Mode::kReadWrite) return Status::Ok();
  rocksdb::WriteBatch batch;
  if (!entries.empty()) {
    const std::string begin(1, '\0');
    const std::string end(14, '\xff');
    if (Status del =
            FromRocks(batch.DeleteRange(store_->cf(Cf::kSimhash), begin, end), "simhash relayout");
        !del.ok()) {
      return del;
    }
  }
  ArticleRecord fake;
  for (const auto& [hash, id] : entries) {
    fake.simhash = hash;
    fake.id = Hex64(id);
    PutIndexes(&batch, fake, false, true);
  }
  batch.Put(store_->cf(Cf::kMeta), kLayoutKey, want).PermitUncheckedError();
  return store_->Write(&batch);
}

Deduper::Prepared Deduper::Prepare(const Article& article, const IngestContext& ctx,
                                   int min_tokens) {
  Prepared p;
  ArticleRecord& r = p.record;
  r.url = ctx.url.empty() ? article.url : ctx.url;
  r.canonical_url = article.canonical_url.empty() ? r.url : article.canonical_url;
  r.id = ArticleIdFor(r.url, article.canonical_url);
  r.site = ctx.site;
  r.locality = ctx.locality;
  r.title = article.title;
  r.published = article.published;
  r.modified = article.modified;
  r.author = article.author;
  r.summary = article.summary;
  r.body = article.body;
  r.body_html = article.body_html;
  r.images = article.images;
  r.attachments = article.attachments;
  r.lang = article.lang;
  r.fetched_at = ctx.fetched_at;
  r.first_seen = ctx.fetched_at;
  const std::string clean = CleanText(article.body);
  // An empty body must not make every such page an "exact duplicate" of the others.
  r.content_hash = clean.empty() ? Hash64(r.id, 0xE3) : ContentHash(clean);
  std::string fields =
      r.title + '\0' + clean + '\0' + r.published + '\0' + r.author + '\0' + r.summary;
  r.version_hash = Hash64(fields, kVersionSeed);
  const std::string folded = FoldCase(clean);
  const std::vector<std::string_view> tokens = Tokenize(folded);
  r.simhash = SimHash(tokens);
  p.near_eligible = static_cast<int>(tokens.size()) >= min_tokens;
  p.id_number = IdNumber(r.id);
  return p;
}

Status Deduper::Ingest(const Article& article, const IngestContext& ctx, rocksdb::WriteBatch* batch,
                       IngestResult* out) {
  const Prepared p = Prepare(article, ctx, options_.min_tokens_for_near);
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
  if (change.remove) index_.Remove(change.remove_hash, change.id);
  if (change.add) index_.Add(change.add_hash, change.id);
  return Status::Ok();
}

Status Deduper::IngestLocked(const Prepared& p, rocksdb::WriteBatch* batch, IngestResult* out,
                             IndexChange* change) {
  const ArticleRecord& rec = p.record;
  out->id = rec.id;
  ArticleRecord existing;
  Status st = GetArticle(*store_, rec.id, &existing);
  if (st.ok()) return Update(p, existing, batch, out, change);
  if (st.code() != Status::Code::kNotFound) return st;
  out->emit = true;
  std::string match;
  st = store_->Get(Cf::kContent, ContentKey(rec.content_hash), &match);
  if (st.ok() && match != rec.id) {
    out->decision = IngestDecision::kExactDuplicate;
    return Link(p, match, batch, out);  // Same body: its SimHash is already indexed.
  }
  if (!st.ok() && st.code() != Status::Code::kNotFound) return st;
  SimIndex::Match near;
  const bool is_near = p.near_eligible && index_.FindNearest(rec.simhash, p.id_number,
                                                             options_.accept_distance, &near);
  PutIndexes(batch, rec, true, p.near_eligible);
  change->add = p.near_eligible;
  change->add_hash = rec.simhash;
  if (is_near) {
    out->decision = IngestDecision::kNearDuplicate;
    out->distance = near.distance;
    return Link(p, Hex64(near.id), batch, out);
  }
  out->decision = IngestDecision::kNew;
  out->story_id = rec.id;
  out->record = rec;
  out->record.sightings.push_back({rec.id, rec.site, rec.url, rec.first_seen});
  PutRecord(batch, out->record);
  return Status::Ok();
}

Status Deduper::Update(const Prepared& p, const ArticleRecord& existing, rocksdb::WriteBatch* batch,
                       IngestResult* out, IndexChange* change) {
  out->story_id = existing.duplicate_of.empty() ? existing.id : existing.duplicate_of;
  if (existing.version_hash == p.record.version_hash) {
    out->decision = IngestDecision::kUnchanged;
    out->record = existing;
    return Status::Ok();
  }
  out->decision = IngestDecision::kUpdated;
  out->emit = true;
  ArticleRecord rec = p.record;
  rec.first_seen = existing.first_seen;
  rec.duplicate_of = existing.duplicate_of;
  rec.sightings = existing.sightings;
  rec.revision = existing.revision + 1;
  if (existing.content_hash != rec.content_hash) {
    std::string owner;
    const std::string old_key = ContentKey(existing.content_hash);
    if (store_->Get(Cf::kContent, old_key, &owner).ok() && owner == rec.id) {
      batch->Delete(store_->cf(Cf::kContent), old_key).PermitUncheckedError();
    }
    if (store_->Get(Cf::kContent, ContentKey(rec.content_hash), &owner).code() ==
        Status::Code::kNotFound) {
      PutIndexes(batch, rec, true, false);
    }
  }
  if (existing.simhash != rec.simhash) {
    DeleteSimhashKeys(batch, existing.simhash, p.id_number);
    change->remove = true;
    change->remove_hash = existing.simhash;
    if (p.near_eligible) PutIndexes(batch, rec, false, true);
    change->add = p.near_eligible;
    change->add_hash = rec.simhash;
  }
  PutRecord(batch, rec);
  out->record = std::move(rec);
  return Status::Ok();
}

Status Deduper::Link(const Prepared& p, const std::string& match_id, rocksdb::WriteBatch* batch,
                     IngestResult* out) {
  ArticleRecord root;
  if (Status st = GetArticle(*store_, match_id, &root); !st.ok()) return st;
  if (!root.duplicate_of.empty()) {
    const std::string root_id = root.duplicate_of;
    if (Status st = GetArticle(*store_, root_id, &root); !st.ok()) return st;
  }
  ArticleRecord rec = p.record;
  if (PublishedBefore(rec, root)) {
    if (Status st = Reroot(&rec, &root, batch); !st.ok()) return st;
    out->rerooted = true;
  } else {
    rec.duplicate_of = root.id;
    root.sightings.push_back({rec.id, rec.site, rec.url, rec.first_seen});
    PutRecord(batch, root);
  }
  out->story_id = rec.duplicate_of.empty() ? rec.id : rec.duplicate_of;
  PutRecord(batch, rec);
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
  PutRecord(batch, *root);
  for (const Sighting& s : rec->sightings) {
    if (s.id == rec->id || s.id == root->id) continue;
    ArticleRecord member;
    Status st = GetArticle(*store_, s.id, &member);
    if (st.code() == Status::Code::kNotFound) continue;
    if (!st.ok()) return st;
    member.duplicate_of = rec->id;
    PutRecord(batch, member);
  }
  return Status::Ok();
}

void Deduper::PutRecord(rocksdb::WriteBatch* batch, const ArticleRecord& record) const {
  batch->Put(store_->cf(Cf::kArticles), record.id, EncodeArticleRecord(record))
      .PermitUncheckedError();  // WriteBatch::Put fails only past its 4 GiB limit.
}

void Deduper::PutIndexes(rocksdb::WriteBatch* batch, const ArticleRecord& record, bool content,
                         bool near) const {
  if (content) {
    batch->Put(store_->cf(Cf::kContent), ContentKey(record.content_hash), record.id)
        .PermitUncheckedError();
  }
  if (!near) return;
  const uint64_t id = IdNumber(record.id);
  std::string value;
  PutBigEndian64(&value, record.simhash);
  const BandLayout& layout = index_.layout();
  for (int b = 0; b < layout.bands(); ++b) {
    batch->Put(store_->cf(Cf::kSimhash), SimhashKey(b, layout.Band(record.simhash, b), id), value)
        .PermitUncheckedError();
  }
}

void Deduper::DeleteSimhashKeys(rocksdb::WriteBatch* batch, uint64_t simhash, uint64_t id) const {
  const BandLayout& layout = index_.layout();
  for (int b = 0; b < layout.bands(); ++b) {
    batch->Delete(store_->cf(Cf::kSimhash), SimhashKey(b, layout.Band(simhash, b), id))
        .PermitUncheckedError();
  }
}

bool Deduper::FindNear(uint64_t simhash, SimIndex::Match* match) const {
  std::lock_guard<std::mutex> lock(mu_);
  return index_.FindNearest(simhash, 0, options_.accept_distance, match);
}

size_t Deduper::indexed() const {
  std::lock_guard<std::mutex> lock(mu_);
  return index_.size();
}

size_t Deduper::IndexMemoryBytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return index_.MemoryBytes();
}

}  // namespace tincrawl

#include "crawler/dedup/dedup_index.h"

#include <rocksdb/iterator.h>

#include <utility>

#include "crawler/common/record_codec.h"
#include "crawler/dedup/dedup.h"
#include "extractors/text.h"

namespace tincrawl {
namespace {

constexpr const char* kLayoutKey = "dedup_index_layout";
constexpr const char* kLayoutVersion = "2";
constexpr size_t kRebuildBatch = 1000;

std::string EncodeEntry(uint64_t simhash, const std::vector<SentenceUnit>& units) {
  RecordWriter w;
  w.out().reserve(12 + units.size() * 6);
  PutBigEndian64(&w.out(), simhash);
  w.U64(units.size());
  for (const SentenceUnit& u : units) {
    PutBigEndian32(&w.out(), u.hash);
    w.U64(u.weight);
  }
  return w.Take();
}

bool GetVarint(std::string_view data, size_t* pos, uint64_t* v) {
  uint64_t result = 0;
  for (int shift = 0; shift <= 63 && *pos < data.size(); shift += 7) {
    const auto byte = static_cast<uint8_t>(data[(*pos)++]);
    result |= static_cast<uint64_t>(byte & 0x7F) << shift;
    if ((byte & 0x80) == 0) {
      *v = result;
      return true;
    }
  }
  return false;
}

bool DecodeEntry(std::string_view data, uint64_t* simhash, std::vector<SentenceUnit>* units) {
  if (data.size() < 8) return false;
  *simhash = GetBigEndian64(data);
  size_t pos = 8;
  uint64_t n = 0;
  if (!GetVarint(data, &pos, &n) || n > data.size()) return false;
  units->resize(n);
  for (SentenceUnit& u : *units) {
    uint64_t weight = 0;
    if (data.size() - pos < 5) return false;
    u.hash = GetBigEndian32(data.substr(pos, 4));
    pos += 4;
    if (!GetVarint(data, &pos, &weight)) return false;
    u.weight = static_cast<uint32_t>(weight);
  }
  return pos == data.size();
}

}  // namespace

std::string ContentKey(uint64_t hash) {
  std::string key;
  PutBigEndian64(&key, hash);
  return key;
}

std::string EntryKey(uint64_t id) {
  std::string key(1, kEntryPrefix);
  PutBigEndian64(&key, id);
  return key;
}

uint64_t IdNumber(const std::string& id) {
  uint64_t v = 0;
  return ParseHex64(id, &v) ? v : Hash64(id);
}

void Deduper::AddToIndex(uint64_t id, uint64_t simhash, const std::vector<uint32_t>& sketch) {
  index_.Add(id, simhash, sketch);
}

void Deduper::ReportIndexProgress() {
  if (++loaded_ % kIndexProgressEvery == 0 && options_.on_index_progress) {
    options_.on_index_progress(loaded_);
  }
}

Status Deduper::LoadIndex() {
  std::string layout;
  Status st = store_->Get(Cf::kMeta, kLayoutKey, &layout);
  if (!st.ok() && st.code() != Status::Code::kNotFound) return st;
  if (!st.ok() || layout != kLayoutVersion) return RebuildIndex();
  rocksdb::ReadOptions ro;
  ro.total_order_seek = true;  // The simhash CF has a prefix extractor; scan across prefixes.
  std::unique_ptr<rocksdb::Iterator> it(store_->db()->NewIterator(ro, store_->cf(Cf::kSimhash)));
  const std::string first(1, kEntryPrefix);
  std::vector<SentenceUnit> units;
  for (it->Seek(first); it->Valid() && it->key()[0] == kEntryPrefix; it->Next()) {
    uint64_t simhash = 0;
    if (it->key().size() != 9 ||
        !DecodeEntry({it->value().data(), it->value().size()}, &simhash, &units)) {
      return Status::Corruption("bad simhash index entry");
    }
    const uint64_t id = GetBigEndian64({it->key().data() + 1, 8});
    AddToIndex(id, simhash, UnitSketch(units, options_.sketch_size, options_.min_sketch_weight));
    ReportIndexProgress();
  }
  return FromRocks(it->status(), "loading simhash index");
}

// Recomputes `simhash` from the stored articles (stores written by an older layout, or a
// rebuild interrupted by a crash: the layout key is written last). Exact copies (their body's
// content key names another article) are not indexed, as in Ingest. A read-only store only
// fills the in-memory indexes.
Status Deduper::RebuildIndex() {
  const bool write = store_->mode() == Store::Mode::kReadWrite;
  rocksdb::WriteBatch batch;
  if (write) {
    const Status st = FromRocks(
        batch.DeleteRange(store_->cf(Cf::kSimhash), std::string(1, '\0'), std::string(9, '\xff')),
        "simhash rebuild");
    if (!st.ok()) return st;
  }
  Status failed = Status::Ok();
  BodyFingerprint fp;
  const Status scan = ForEachArticle(*store_, [&](const ArticleRecord& rec) {
    std::string owner;
    Status st = store_->Get(Cf::kContent, ContentKey(rec.content_hash), &owner);
    if (st.ok() && owner != rec.id) return true;
    if (!st.ok() && st.code() != Status::Code::kNotFound) {
      failed = st;
      return false;
    }
    FingerprintClean(CleanBody(rec.body), &fp);
    if (fp.tokens < options_.min_tokens_for_near) return true;
    const uint64_t id = IdNumber(rec.id);
    AddToIndex(id, fp.simhash,
               UnitSketch(fp.units, options_.sketch_size, options_.min_sketch_weight));
    ReportIndexProgress();
    if (!write) return true;
    PutNearEntry(&batch, id, fp.simhash, fp.units);
    if (batch.Count() < kRebuildBatch) return true;
    failed = store_->Write(&batch);
    batch.Clear();
    return failed.ok();
  });
  if (!scan.ok()) return scan;
  if (!failed.ok()) return failed;
  if (!write) return Status::Ok();
  batch.Put(store_->cf(Cf::kMeta), kLayoutKey, kLayoutVersion).PermitUncheckedError();
  return store_->Write(&batch);
}

Status Deduper::ReadUnits(uint64_t id, uint64_t* simhash, std::vector<SentenceUnit>* units) const {
  std::string value;
  if (Status st = store_->Get(Cf::kSimhash, EntryKey(id), &value); !st.ok()) return st;
  if (!DecodeEntry(value, simhash, units)) return Status::Corruption("bad simhash index entry");
  return Status::Ok();
}

// Stage 1: the SimHash band index (no verification: within accept_distance the bodies are
// near-identical). Stage 2: sketch candidates verified by sentence-unit similarity.
Status Deduper::FindNearLocked(uint64_t simhash, const std::vector<SentenceUnit>& units,
                               uint64_t exclude_id, NearMatch* match) const {
  std::vector<SentenceUnit> other;
  uint64_t other_hash = 0;
  NearIndex::Match m;
  if (index_.FindNearest(simhash, exclude_id, options_.accept_distance, &m)) {
    *match = NearMatch{Hex64(m.id), m.distance, 0, true};
    if (ReadUnits(m.id, &other_hash, &other).ok()) match->similarity = UnitSimilarity(units, other);
    return Status::Ok();
  }
  const std::vector<uint32_t> sketch =
      UnitSketch(units, options_.sketch_size, options_.min_sketch_weight);
  bool found = false;
  for (const auto& c : index_.FindBySketch(sketch, exclude_id, options_.max_candidates)) {
    Status st = ReadUnits(c.id, &other_hash, &other);
    if (st.code() == Status::Code::kNotFound) continue;  // Removed by a concurrent update.
    if (!st.ok()) return st;
    const double similarity = UnitSimilarity(units, other);
    if (similarity < options_.min_similarity || (found && similarity <= match->similarity)) {
      continue;
    }
    found = true;
    *match = NearMatch{Hex64(c.id), HammingDistance(simhash, other_hash), similarity, false};
  }
  return found ? Status::Ok() : Status::NotFound("no near duplicate");
}

void Deduper::PutNearEntry(rocksdb::WriteBatch* batch, uint64_t id, uint64_t simhash,
                           const std::vector<SentenceUnit>& units) const {
  batch->Put(store_->cf(Cf::kSimhash), EntryKey(id), EncodeEntry(simhash, units))
      .PermitUncheckedError();
}

bool Deduper::FindNear(uint64_t simhash, NearIndex::Match* match) const {
  std::lock_guard<std::mutex> lock(mu_);
  return index_.FindNearest(simhash, 0, options_.accept_distance, match);
}

Status Deduper::FindNear(const BodyFingerprint& body, NearMatch* match) const {
  std::lock_guard<std::mutex> lock(mu_);
  return FindNearLocked(body.simhash, body.units, 0, match);
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

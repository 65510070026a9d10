#include "crawler/store/article_record.h"

#include <cstdio>
#include <memory>

#include "crawler/common/record_codec.h"
#include "crawler/store/store.h"

namespace tincrawl {
namespace {

constexpr uint64_t kArticleRecordVersion = 1;

void PutLocality(RecordWriter* w, const Locality& l) {
  w->Str(l.level);
  w->Str(l.province);
  w->Str(l.district);
  w->Str(l.commune);
  w->Str(l.merged_into);
}

bool GetLocality(RecordReader* r, Locality* l) {
  return r->Str(&l->level) && r->Str(&l->province) && r->Str(&l->district) && r->Str(&l->commune) &&
         r->Str(&l->merged_into);
}

void PutLists(RecordWriter* w, const ArticleRecord& a) {
  w->U64(a.images.size());
  for (const auto& i : a.images) {
    w->Str(i.src);
    w->Str(i.caption);
  }
  w->U64(a.attachments.size());
  for (const auto& at : a.attachments) {
    w->Str(at.url);
    w->Str(at.text);
    w->Str(at.type);
  }
  w->U64(a.sightings.size());
  for (const auto& s : a.sightings) {
    w->Str(s.id);
    w->Str(s.site);
    w->Str(s.url);
    w->I64(s.seen_at);
  }
}

bool GetCount(RecordReader* r, uint64_t* n) {
  return r->U64(n) && *n < (1u << 20);  // Guards against absurd allocations on garbage.
}

bool GetLists(RecordReader* r, ArticleRecord* a) {
  uint64_t n = 0;
  if (!GetCount(r, &n)) return false;
  a->images.resize(n);
  for (auto& i : a->images) {
    if (!r->Str(&i.src) || !r->Str(&i.caption)) return false;
  }
  if (!GetCount(r, &n)) return false;
  a->attachments.resize(n);
  for (auto& at : a->attachments) {
    if (!r->Str(&at.url) || !r->Str(&at.text) || !r->Str(&at.type)) return false;
  }
  if (!GetCount(r, &n)) return false;
  a->sightings.resize(n);
  for (auto& s : a->sightings) {
    if (!r->Str(&s.id) || !r->Str(&s.site) || !r->Str(&s.url) || !r->I64(&s.seen_at)) {
      return false;
    }
  }
  return true;
}

// The head of a record whose text is stored apart: every field, with body and body_html empty,
// then a flag and the text's key after the last field. A record written before the split has
// neither and carries its text itself.
constexpr uint64_t kTextApart = 1;

std::string Encode(const ArticleRecord& a, bool text_apart) {
  RecordWriter w(kArticleRecordVersion);
  const std::string none;
  const std::string& body = text_apart ? none : a.body;
  const std::string& body_html = text_apart ? none : a.body_html;
  w.out().reserve(body.size() + body_html.size() + 512);
  for (const std::string* s : {&a.id, &a.url, &a.canonical_url, &a.site}) w.Str(*s);
  PutLocality(&w, a.locality);
  for (const std::string* s : {&a.title, &a.published, &a.modified, &a.author, &a.summary, &body,
                               &body_html, &a.lang, &a.duplicate_of}) {
    w.Str(*s);
  }
  w.I64(a.fetched_at);
  w.I64(a.first_seen);
  w.U64(a.content_hash);
  w.U64(a.version_hash);
  w.U64(a.simhash);
  w.I64(a.revision);
  PutLists(&w, a);
  // Fields added later ride at the end, so records written before them still decode.
  w.Str(a.posted_by);
  w.Str(a.source);
  w.F64(a.confidence);
  if (text_apart) {
    w.U64(kTextApart);
    w.Str(a.text_key);
  }
  return w.Take();
}

bool Decode(std::string_view data, ArticleRecord* a) {
  RecordReader r(data);
  a->text_key.clear();
  if (!r.Version(kArticleRecordVersion)) return false;
  for (std::string* s : {&a->id, &a->url, &a->canonical_url, &a->site}) {
    if (!r.Str(s)) return false;
  }
  if (!GetLocality(&r, &a->locality)) return false;
  for (std::string* s : {&a->title, &a->published, &a->modified, &a->author, &a->summary, &a->body,
                         &a->body_html, &a->lang, &a->duplicate_of}) {
    if (!r.Str(s)) return false;
  }
  if (!(r.I64(&a->fetched_at) && r.I64(&a->first_seen) && r.U64(&a->content_hash) &&
        r.U64(&a->version_hash) && r.U64(&a->simhash) && r.Int(&a->revision) && GetLists(&r, a))) {
    return false;
  }
  a->posted_by.clear();
  a->source.clear();
  a->confidence = 1;
  if (r.done()) return true;  // Written before the fields below existed.
  if (!(r.Str(&a->posted_by) && r.Str(&a->source) && r.F64(&a->confidence))) return false;
  if (r.done()) return true;  // Written before texts were stored apart.
  uint64_t flag = 0;
  return r.U64(&flag) && flag == kTextApart && r.Str(&a->text_key) && !a->text_key.empty() &&
         r.done();
}

std::string EncodeText(const ArticleRecord& a) {
  RecordWriter w(kArticleRecordVersion);
  w.out().reserve(a.body.size() + a.body_html.size() + 8);
  w.Str(a.body);
  w.Str(a.body_html);
  return w.Take();
}

bool DecodeText(std::string_view data, ArticleRecord* a) {
  RecordReader r(data);
  return r.Version(kArticleRecordVersion) && r.Str(&a->body) && r.Str(&a->body_html) && r.done();
}

// The store's last sequence number, then the id: later writes sort later (the sequence number
// survives restarts), and the id tells apart texts written in one batch.
std::string NewTextKey(const Store& store, std::string_view id) {
  std::string key;
  key.reserve(8 + id.size());
  PutBigEndian64(&key, store.db()->GetLatestSequenceNumber());
  key.append(id);
  return key;
}

Status ReadText(const Store& store, ArticleRecord* record) {
  std::string value;
  Status st = store.Get(Cf::kTexts, record->text_key, &value);
  if (st.code() == Status::Code::kNotFound) {
    return Status::Corruption("article " + record->id + " has lost its text");
  }
  if (!st.ok()) return st;
  if (!DecodeText(value, record)) {
    return Status::Corruption("bad article text record " + record->id);
  }
  return Status::Ok();
}

}  // namespace

std::string EncodeArticleRecord(const ArticleRecord& a) { return Encode(a, false); }

bool DecodeArticleRecord(std::string_view data, ArticleRecord* a) { return Decode(data, a); }

void PutArticle(rocksdb::WriteBatch* batch, const Store& store, ArticleRecord* record,
                ArticlePart part) {
  // WriteBatch::Put and Delete fail only past the batch's 4 GiB limit.
  if (part == ArticlePart::kWhole || record->text_key.empty()) {
    if (!record->text_key.empty()) {
      batch->Delete(store.cf(Cf::kTexts), record->text_key).PermitUncheckedError();
    }
    record->text_key = NewTextKey(store, record->id);
    batch->Put(store.cf(Cf::kTexts), record->text_key, EncodeText(*record)).PermitUncheckedError();
  }
  batch->Put(store.cf(Cf::kArticles), record->id, Encode(*record, true)).PermitUncheckedError();
}

std::string EmitMarkerKey(std::string_view id, int revision) {
  char rev[16];
  std::snprintf(rev, sizeof(rev), "#%08x", static_cast<unsigned>(revision));
  std::string key(kEmitMarkerPrefix);
  key.append(id);
  key.append(rev);
  return key;
}

bool ParseEmitMarkerKey(std::string_view key, std::string* id, int* revision) {
  if (key.substr(0, kEmitMarkerPrefix.size()) != kEmitMarkerPrefix) return false;
  key.remove_prefix(kEmitMarkerPrefix.size());
  const size_t hash = key.rfind('#');
  if (hash == std::string_view::npos || key.size() - hash != 9) return false;
  unsigned rev = 0;
  for (char c : key.substr(hash + 1)) {
    const int d = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
    if (d < 0) return false;
    rev = (rev << 4) | static_cast<unsigned>(d);
  }
  id->assign(key.substr(0, hash));
  *revision = static_cast<int>(rev);
  return true;
}

Status GetArticleHead(const Store& store, std::string_view id, ArticleRecord* record) {
  return store.GetRecord(Cf::kArticles, id, Decode, record);
}

Status GetArticle(const Store& store, std::string_view id, ArticleRecord* record) {
  if (Status st = GetArticleHead(store, id, record); !st.ok()) return st;
  return record->text_key.empty() ? Status::Ok() : ReadText(store, record);
}

Status ForEachArticle(const Store& store, const std::function<bool(const ArticleRecord&)>& fn) {
  std::unique_ptr<rocksdb::Iterator> it(
      store.db()->NewIterator(rocksdb::ReadOptions(), store.cf(Cf::kArticles)));
  ArticleRecord record;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    record = ArticleRecord();
    if (!Decode(std::string_view(it->value().data(), it->value().size()), &record)) {
      return Status::Corruption("bad article record " + it->key().ToString());
    }
    if (!record.text_key.empty()) {
      if (Status st = ReadText(store, &record); !st.ok()) return st;
    }
    if (!fn(record)) break;
  }
  return FromRocks(it->status(), "article scan");
}

}  // namespace tincrawl

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

}  // namespace

std::string EncodeArticleRecord(const ArticleRecord& a) {
  RecordWriter w(kArticleRecordVersion);
  w.out().reserve(a.body.size() + a.body_html.size() + 512);
  for (const std::string* s : {&a.id, &a.url, &a.canonical_url, &a.site}) w.Str(*s);
  PutLocality(&w, a.locality);
  for (const std::string* s : {&a.title, &a.published, &a.modified, &a.author, &a.summary, &a.body,
                               &a.body_html, &a.lang, &a.duplicate_of}) {
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
  return w.Take();
}

bool DecodeArticleRecord(std::string_view data, ArticleRecord* a) {
  RecordReader r(data);
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
  return r.Str(&a->posted_by) && r.Str(&a->source) && r.F64(&a->confidence) && r.done();
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

Status GetArticle(const Store& store, std::string_view id, ArticleRecord* record) {
  return store.GetRecord(Cf::kArticles, id, DecodeArticleRecord, record);
}

Status ForEachArticle(const Store& store, const std::function<bool(const ArticleRecord&)>& fn) {
  std::unique_ptr<rocksdb::Iterator> it(
      store.db()->NewIterator(rocksdb::ReadOptions(), store.cf(Cf::kArticles)));
  ArticleRecord record;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    record = ArticleRecord();
    if (!DecodeArticleRecord(std::string_view(it->value().data(), it->value().size()), &record)) {
      return Status::Corruption("bad article record " + it->key().ToString());
    }
    if (!fn(record)) break;
  }
  return FromRocks(it->status(), "article scan");
}

}  // namespace tincrawl

#include <ctime>

#include "crawler/dedup/fingerprint.h"
#include "crawler/output/spool.h"
#include "extractors/json.h"

// The spool's line format (ArticleRecordToJson), apart from the spool's file handling.
namespace tincrawl {
namespace {

void WriteLocality(JsonWriter* w, const Locality& l) {
  w->Key("locality").BeginObject();
  w->Field("level", l.level).Field("province", l.province).Field("district", l.district);
  w->Field("commune", l.commune).Field("merged_into", l.merged_into);
  w->EndObject();
}

void WriteLists(JsonWriter* w, const ArticleRecord& a) {
  w->Key("images").BeginArray();
  for (const auto& i : a.images)
    w->BeginObject().Field("src", i.src).Field("caption", i.caption).EndObject();
  w->EndArray().Key("attachments").BeginArray();
  for (const auto& at : a.attachments) {
    w->BeginObject().Field("url", at.url).Field("text", at.text).Field("type", at.type).EndObject();
  }
  w->EndArray().Key("sightings").BeginArray();
  for (const auto& s : a.sightings) {
    w->BeginObject().Field("id", s.id).Field("site", s.site).Field("url", s.url);
    w->Field("seen_at", UnixToRfc3339(s.seen_at)).EndObject();
  }
  w->EndArray();
}

}  // namespace

std::string UnixToRfc3339(int64_t unix_seconds) {
  const auto t = static_cast<time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string ArticleRecordToJson(const ArticleRecord& a) {
  JsonWriter w;
  w.BeginObject().Field("id", a.id).Field("revision", static_cast<long long>(a.revision));
  w.Field("event", a.revision <= 1 ? "new" : "update");
  w.Field("url", a.url).Field("canonical_url", a.canonical_url).Field("site", a.site);
  WriteLocality(&w, a.locality);
  w.Field("title", a.title).Field("published", a.published).Field("modified", a.modified);
  w.Field("author", a.author).Field("posted_by", a.posted_by).Field("source", a.source);
  w.Field("summary", a.summary).Field("body", a.body);
  w.Field("body_html", a.body_html).Field("lang", a.lang);
  w.Field("fetched_at", UnixToRfc3339(a.fetched_at));
  w.Field("first_seen", UnixToRfc3339(a.first_seen));
  w.Field("content_hash", Hex64(a.content_hash)).Field("simhash", Hex64(a.simhash));
  w.Field("duplicate_of", a.duplicate_of);
  w.Key("confidence").Double(a.confidence);
  WriteLists(&w, a);
  w.EndObject();
  return w.Take();
}

}  // namespace tincrawl

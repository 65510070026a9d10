#include "crawler/sink/copy_rows.h"

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <optional>

#include "crawler/output/spool.h"
#include "crawler/sink/json_value.h"
#include "crawler/sink/search_vector.h"
#include "extractors/dates.h"
#include "extractors/json.h"

namespace tincrawl {
namespace {

using Kind = JsonValue::Kind;

// Reads the line's members into a record; the first problem stops it.
class LineReader {
 public:
  LineReader(const JsonValue& root, std::string* error) : root_(root), error_(error) {}

  bool ok() const { return error_->empty(); }

  const JsonValue* Get(const JsonValue& obj, std::string_view key, Kind kind, bool required) {
    const JsonValue* v = obj.Find(key);
    if (v == nullptr || (v->kind == Kind::kNull && !required)) {
      if (required && ok()) *error_ = "missing \"" + std::string(key) + "\"";
      return nullptr;
    }
    if (v->kind != kind) {
      if (ok()) *error_ = "\"" + std::string(key) + "\" has the wrong type";
      return nullptr;
    }
    return v;
  }
  void Text(const JsonValue& obj, std::string_view key, std::string* out, bool required = false) {
    if (const JsonValue* v = Get(obj, key, Kind::kString, required)) *out = v->text;
  }
  void Text(std::string_view key, std::string* out, bool required = false) {
    Text(root_, key, out, required);
  }
  void Time(const JsonValue& obj, std::string_view key, int64_t* out) {
    std::string text;
    Text(obj, key, &text, true);
    if (!ok()) return;
    std::optional<long long> t = Rfc3339ToUnix(text);
    if (!t) {
      *error_ = "\"" + std::string(key) + "\" is not an RFC 3339 time";
      return;
    }
    *out = *t;
  }
  void Hex(std::string_view key, uint64_t* out) {
    std::string text;
    Text(key, &text);
    if (text.empty() || !ok()) return;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out, 16);
    if (ec != std::errc() || end != text.data() + text.size() || text.size() > 16) {
      *error_ = "\"" + std::string(key) + "\" is not 16 hex digits";
    }
  }
  void Revision(int* out) {
    const JsonValue* v = Get(root_, "revision", Kind::kNumber, true);
    if (v == nullptr) return;
    const auto [end, ec] = std::from_chars(v->text.data(), v->text.data() + v->text.size(), *out);
    if (ec != std::errc() || end != v->text.data() + v->text.size() || *out < 1) {
      *error_ = "\"revision\" is not a positive integer";
    }
  }
  const JsonValue* List(std::string_view key) { return Get(root_, key, Kind::kArray, false); }
  const JsonValue& root() const { return root_; }

 private:
  const JsonValue& root_;
  std::string* error_;
};

void ReadLists(LineReader* r, ArticleRecord* a) {
  if (const JsonValue* images = r->List("images")) {
    for (const JsonValue& i : images->items) {
      a->images.emplace_back();
      r->Text(i, "src", &a->images.back().src);
      r->Text(i, "caption", &a->images.back().caption);
    }
  }
  if (const JsonValue* attachments = r->List("attachments")) {
    for (const JsonValue& at : attachments->items) {
      a->attachments.emplace_back();
      r->Text(at, "url", &a->attachments.back().url);
      r->Text(at, "text", &a->attachments.back().text);
      r->Text(at, "type", &a->attachments.back().type);
    }
  }
  if (const JsonValue* sightings = r->List("sightings")) {
    for (const JsonValue& s : sightings->items) {
      Sighting& out = a->sightings.emplace_back();
      r->Text(s, "id", &out.id);  // Absent in lines written before it was added.
      r->Text(s, "site", &out.site);
      r->Text(s, "url", &out.url);
      r->Time(s, "seen_at", &out.seen_at);
    }
  }
}

void ReadFields(LineReader* r, ArticleRecord* a) {
  r->Text("id", &a->id, true);
  r->Revision(&a->revision);
  r->Text("site", &a->site, true);
  r->Text("url", &a->url, true);
  r->Text("canonical_url", &a->canonical_url);
  if (const JsonValue* l = r->Get(r->root(), "locality", Kind::kObject, false)) {
    r->Text(*l, "level", &a->locality.level);
    r->Text(*l, "province", &a->locality.province);
    r->Text(*l, "district", &a->locality.district);
    r->Text(*l, "commune", &a->locality.commune);
    r->Text(*l, "merged_into", &a->locality.merged_into);
  }
  const std::pair<const char*, std::string*> texts[] = {{"title", &a->title},
                                                        {"published", &a->published},
                                                        {"modified", &a->modified},
                                                        {"author", &a->author},
                                                        {"posted_by", &a->posted_by},
                                                        {"source", &a->source},
                                                        {"summary", &a->summary},
                                                        {"body", &a->body},
                                                        {"body_html", &a->body_html},
                                                        {"lang", &a->lang},
                                                        {"duplicate_of", &a->duplicate_of}};
  for (const auto& [key, field] : texts) r->Text(key, field);
  r->Time(r->root(), "fetched_at", &a->fetched_at);
  r->Time(r->root(), "first_seen", &a->first_seen);
  r->Hex("content_hash", &a->content_hash);
  r->Hex("simhash", &a->simhash);
  if (const JsonValue* c = r->Get(r->root(), "confidence", Kind::kNumber, false)) {
    a->confidence = std::strtod(c->text.c_str(), nullptr);
  }
  ReadLists(r, a);
}

// One COPY text field: backslash, tab, newline and carriage return escaped, NUL dropped.
void Field(std::string_view value, std::string* out) {
  size_t run = 0;  // Start of the bytes not yet copied: copied a run at a time.
  for (size_t i = 0; i < value.size(); ++i) {
    const char c = value[i];
    const char* escaped = c == '\\'   ? "\\\\"
                          : c == '\t' ? "\\t"
                          : c == '\n' ? "\\n"
                          : c == '\r' ? "\\r"
                          : c == '\0' ? ""
                                      : nullptr;
    if (escaped == nullptr) continue;
    out->append(value.data() + run, i - run);
    out->append(escaped);
    run = i + 1;
  }
  out->append(value.data() + run, value.size() - run);
  out->push_back('\t');
}

void TimeField(std::string_view rfc3339, std::string* out) {
  std::optional<long long> t = rfc3339.empty() ? std::nullopt : Rfc3339ToUnix(rfc3339);
  if (t) {
    Field(UnixToRfc3339(*t), out);
  } else {
    out->append("\\N\t");
  }
}

std::string ListsJson(const ArticleRecord& a, int which) {
  JsonWriter w;
  w.BeginArray();
  if (which == 0) {
    for (const auto& i : a.images) {
      w.BeginObject().Field("src", i.src).Field("caption", i.caption).EndObject();
    }
  } else if (which == 1) {
    for (const auto& at : a.attachments) {
      w.BeginObject().Field("url", at.url).Field("text", at.text).Field("type", at.type);
      w.EndObject();
    }
  } else {
    for (const auto& s : a.sightings) {
      w.BeginObject().Field("id", s.id).Field("site", s.site).Field("url", s.url);
      w.Field("seen_at", UnixToRfc3339(s.seen_at)).EndObject();
    }
  }
  return w.EndArray().Take();
}

}  // namespace

bool ParseSpoolLine(std::string_view line, ArticleRecord* record, std::string* error) {
  JsonValue root;
  error->clear();
  if (!ParseJson(line, &root, error)) return false;
  if (root.kind != Kind::kObject) {
    *error = "not a JSON object";
    return false;
  }
  *record = ArticleRecord();
  LineReader reader(root, error);
  ReadFields(&reader, record);
  if (reader.ok() && record->id.empty()) *error = "empty \"id\"";
  return error->empty();
}

void AppendCopyRow(const ArticleRecord& a, int line_no, std::string* out) {
  Field(std::to_string(line_no), out);
  Field(a.id, out);
  Field(std::to_string(a.revision), out);
  for (const std::string* f :
       {&a.url, &a.canonical_url, &a.site, &a.locality.level, &a.locality.province,
        &a.locality.district, &a.locality.commune, &a.locality.merged_into, &a.title}) {
    Field(*f, out);
  }
  TimeField(a.published, out);
  TimeField(a.modified, out);
  for (const std::string* f :
       {&a.author, &a.posted_by, &a.source, &a.summary, &a.body, &a.body_html, &a.lang}) {
    Field(*f, out);
  }
  Field(std::to_string(static_cast<int64_t>(a.content_hash)), out);
  Field(std::to_string(static_cast<int64_t>(a.simhash)), out);
  Field(UnixToRfc3339(a.fetched_at), out);
  Field(UnixToRfc3339(a.first_seen), out);
  char confidence[32];
  std::snprintf(confidence, sizeof confidence, "%.4g", a.confidence);
  Field(confidence, out);
  Field(ListsJson(a, 0), out);
  Field(ListsJson(a, 1), out);
  Field(a.duplicate_of, out);
  Field(ListsJson(a, 2), out);
  Field(SearchVectorLiteral(a.title, a.body), out);  // Schema version 2 and later.
  out->back() = '\n';  // The last field ends the row instead of a tab.
}

}  // namespace tincrawl

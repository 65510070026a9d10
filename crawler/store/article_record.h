#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "crawler/common/status.h"
#include "crawler/config/config.h"
#include "extractors/article.h"

namespace rocksdb {
class WriteBatch;
}

namespace tincrawl {

class Store;

// One place a story was seen. `id` is the article id of that copy.
struct Sighting {
  std::string id;
  std::string site;
  std::string url;
  int64_t seen_at = 0;  // Unix seconds of the first fetch of that copy.

  bool operator==(const Sighting&) const = default;
};

// An article as stored in the `articles` column family and exported. A "story" is a cluster of
// exact/near duplicates; its first publisher (earliest published time, then earliest seen) has
// an empty duplicate_of and carries every sighting of the story; every other copy points to it.
struct ArticleRecord {
  std::string id;  // Hex64 of the hash of the canonical URL (see ArticleIdFor).
  std::string url;
  std::string canonical_url;
  std::string site;
  Locality locality;
  std::string title;
  std::string published;  // RFC 3339 or empty.
  std::string modified;
  std::string author;     // The printed signature (byline), never a CMS account.
  std::string posted_by;  // The CMS account or generic role that posted it ("Ban biên tập").
  std::string source;     // The outlet the text came from ("Theo ...", "Nguồn: ...").
  std::string summary;
  std::string body;
  std::string body_html;
  std::vector<Image> images;
  std::vector<Attachment> attachments;
  std::string lang;
  int64_t fetched_at = 0;     // Unix seconds of the fetch that produced this revision.
  int64_t first_seen = 0;     // Unix seconds of the first fetch of this URL.
  uint64_t content_hash = 0;  // Exact-content hash of the clean body.
  uint64_t version_hash = 0;  // Hash of every exported text field; changes => new revision.
  uint64_t simhash = 0;
  std::string duplicate_of;         // First publisher's id, or empty.
  std::vector<Sighting> sightings;  // Only on the first publisher.
  int revision = 1;
  double confidence = 1;  // How sure the extractor is that the page is an article (0.5-1).
  // Store-internal, never exported: the key of the stored text in the texts column family, set
  // by the reads and writes below; empty for a record not read from the store or one written
  // before texts were stored apart (its text is inside it).
  std::string text_key;
};

// Versioned binary encoding (record_codec.h). Decode returns false on malformed input.
std::string EncodeArticleRecord(const ArticleRecord& record);
bool DecodeArticleRecord(std::string_view data, ArticleRecord* record);

// Keys in the `meta` column family marking an article revision committed to the store but not
// yet durably in the spool: "emit:" + id + "#" + 8 hex digits of revision. Written in the same
// WriteBatch as the article (by the deduper), deleted by the spool once the line is durable.
inline constexpr std::string_view kEmitMarkerPrefix = "emit:";
std::string EmitMarkerKey(std::string_view id, int revision);
bool ParseEmitMarkerKey(std::string_view key, std::string* id, int* revision);

// How an article is laid out: a head in the `articles` column family under its id (every field
// but the text, with the story's sightings and the key of its text) and the text (body and
// body_html) in the `texts` column family, written in the same batch. Text keys grow with every
// write (the store's sequence number, then the id), so the texts family only ever appends and
// its compactions are moves, not rewrites. A duplicate only adds a sighting to its story's
// first publisher: that rewrites the head and not the text, which is written once per revision.
// Records written before the split (schema version 1) keep their text in the head and are
// still read; the next write of one splits it.
enum class ArticlePart {
  kWhole,  // Head and a new text: a new article or a new revision. The text it replaces (the
           // record's text_key) is deleted.
  kHead,   // The head only, its text_key unchanged; a record that has no stored text yet (one
           // written before the split) is written whole.
};
// Sets record->text_key to where the text now is.
void PutArticle(rocksdb::WriteBatch* batch, const Store& store, ArticleRecord* record,
                ArticlePart part);

// Reads one article, text included; NotFound when absent.
Status GetArticle(const Store& store, std::string_view id, ArticleRecord* record);
// Reads an article's head only: body and body_html are empty when the text is stored apart
// (record->text_key names it); a record written before the split comes whole.
Status GetArticleHead(const Store& store, std::string_view id, ArticleRecord* record);
// Calls fn for every stored article in id order; stops early when fn returns false. Used by
// `tincrawl export` and the crash tests ("every gold article is stored exactly once").
Status ForEachArticle(const Store& store, const std::function<bool(const ArticleRecord&)>& fn);

}  // namespace tincrawl

#include "extractors/extract.h"

#include <cstdint>
#include <cstring>

#include "extractors/charset.h"
#include "extractors/deferred_html.h"
#include "extractors/fast_decode.h"
#include "extractors/generic.h"
#include "extractors/html_guard.h"
#include "extractors/json.h"
#include "extractors/page.h"
#include "extractors/rules.h"

namespace tincrawl {
namespace {

constexpr size_t kMaxInputBytes = 16u << 20;  // 16 MiB.
constexpr size_t kBinarySniffBytes = 64u << 10;

bool IsBlank(std::string_view bytes) {
  for (char c : bytes) {
    if (c != ' ' && c != '\n' && c != '\r' && c != '\t' && c != '\f' && c != '\0') return false;
  }
  return true;
}

void CountControls(std::string_view bytes, size_t* nul, size_t* control) {
  for (char c : bytes) {
    auto u = static_cast<unsigned char>(c);
    *nul += u == 0;
    *control += u < 0x20 && c != '\n' && c != '\r' && c != '\t' && c != '\f';
  }
}

constexpr uint64_t kOnes = 0x0101010101010101ull;
constexpr uint64_t kHigh = kOnes * 0x80;

// The high bit of each byte of `word` that is below `limit` (at most 0x80).
uint64_t Below(uint64_t word, unsigned limit) {
  return ~(((word & ~kHigh) + kOnes * (0x80 - limit)) | word) & kHigh;
}
// The high bit of each zero byte of `word`.
uint64_t Zero(uint64_t word) { return Below(word, 1); }
// How many bytes have their high bit set in a mask of high bits (one multiply: the build has
// no popcnt instruction, and the library call costs more than the count).
size_t HighBits(uint64_t mask) { return static_cast<size_t>(((mask >> 7) * kOnes) >> 56); }

// Binary formats by magic number, else a share of NUL/control bytes no text page has.
bool LooksBinary(std::string_view bytes) {
  static constexpr std::string_view kMagic[] = {"%PDF-", "PK\x03\x04",      "\x89PNG",
                                                "GIF8",  "\xFF\xD8\xFF",    "\x1F\x8B",
                                                "Rar!",  "\xD0\xCF\x11\xE0"};
  for (std::string_view m : kMagic) {
    if (bytes.substr(0, m.size()) == m) return true;
  }
  std::string_view head = bytes.substr(0, kBinarySniffBytes);
  bool utf16 = head.size() >= 2 && ((head[0] == '\xFF' && head[1] == '\xFE') ||
                                    (head[0] == '\xFE' && head[1] == '\xFF'));
  if (utf16) return false;
  size_t nul = 0, control = 0;
  size_t i = 0;
  for (; i + 8 <= head.size(); i += 8) {
    uint64_t word;
    std::memcpy(&word, head.data() + i, 8);
    // Counted 8 bytes at a time: the exact byte-wise tests below have no carries between bytes,
    // so pages full of newlines and tabs cost no per-byte loop.
    uint64_t low = Below(word, 0x20);
    if (low == 0) continue;  // Most words of a page: no byte below 0x20.
    nul += HighBits(Zero(word));
    uint64_t allowed = Zero(word ^ (kOnes * '\n')) | Zero(word ^ (kOnes * '\r')) |
                       Zero(word ^ (kOnes * '\t')) | Zero(word ^ (kOnes * '\f'));
    control += HighBits(low & ~allowed);
  }
  CountControls(head.substr(i), &nul, &control);
  return nul * 100 > head.size() || control * 10 > head.size();
}

void FixLegacyFont(std::string* text) {
  LegacyFont font = DetectLegacyFont(*text);
  if (font != LegacyFont::kNone) *text = ConvertLegacyFont(*text, font);
}

void ExtractPage(const ExtractInput& input, Page* page, Article* article) {
  const ExtractRules* rules = input.generic_only ? nullptr : input.rules;
  if (rules != nullptr && !rules->Empty()) {
    Article attempt = *article;
    if (ExtractWithRules(*page, *rules, &attempt)) {
      *article = std::move(attempt);
      article->used_rules = true;
      return;
    }
    article->fell_back = true;
  }
  ExtractGeneric(*page, rules ? rules->date_formats : std::vector<std::string>{}, article);
}

}  // namespace

Article Extract(const ExtractInput& input) {
  Article article;
  article.url = input.url;
  article.canonical_url = input.url;
  article.lang = "vi";
  if (IsBlank(input.bytes)) {
    article.error = "empty";
    return article;
  }
  if (input.bytes.size() > kMaxInputBytes) {
    article.error = "too_large";
    return article;
  }
  if (LooksBinary(input.bytes)) {
    article.error = "binary";
    return article;
  }
  DecodedHtml decoded;
  if (!DecodeHtmlFast(input.bytes, input.content_type, &decoded)) {
    decoded = DecodedHtml();
    decoded = DecodeHtml(input.bytes, input.content_type);
  }
  article.charset = decoded.charset;
  // Gumbo's time grows faster than linearly with depth, formatting elements and attributes: keep
  // only the part of the page it parses quickly, and say so. CDATA sections can make it abort.
  DefuseCdata(&decoded.utf8);
  UnwrapDeferredHtml(&decoded.utf8);
  if (GuardResult guard = GuardHtml(decoded.utf8); guard.cut != std::string::npos) {
    decoded.utf8.resize(guard.cut);
    article.guard = GuardReasonName(guard.reason);
  }
  Page page = LoadPage(std::move(decoded.utf8), input.url);
  if (page.parser_aborted) article.guard = "parser";
  if (!page.lang.empty()) article.lang = page.lang;
  if (!page.canonical_url.empty()) article.canonical_url = page.canonical_url;
  ExtractPage(input, &page, &article);
  for (std::string* field : {&article.title, &article.summary, &article.author, &article.body}) {
    FixLegacyFont(field);
  }
  for (Image& image : article.images) FixLegacyFont(&image.caption);
  return article;
}

std::string ArticleToJson(const Article& a, std::string_view source) {
  JsonWriter w;
  w.BeginObject();
  if (!source.empty()) w.Field("source", source);
  w.Field("url", a.url).Field("canonical_url", a.canonical_url).Field("title", a.title);
  w.Field("published", a.published).Field("modified", a.modified).Field("author", a.author);
  w.Field("posted_by", a.posted_by).Field("source_outlet", a.source);
  w.Field("summary", a.summary).Field("body", a.body).Field("body_html", a.body_html);
  w.Key("images").BeginArray();
  for (const Image& image : a.images) {
    w.BeginObject().Field("src", image.src).Field("caption", image.caption).EndObject();
  }
  w.EndArray().Key("attachments").BeginArray();
  for (const Attachment& at : a.attachments) {
    w.BeginObject().Field("url", at.url).Field("text", at.text).Field("type", at.type).EndObject();
  }
  w.EndArray();
  w.Field("lang", a.lang).Field("page_kind", PageKindName(a.page_kind));
  if (a.page_kind == PageKind::kListing) {
    w.Key("links").BeginArray();
    for (const std::string& link : a.links) w.String(link);
    w.EndArray();
  }
  w.Key("confidence").Double(a.confidence).Field("signals", a.signals);
  w.Field("charset", a.charset).Field("used_rules", a.used_rules).Field("fell_back", a.fell_back);
  if (!a.guard.empty()) w.Field("guard", a.guard);
  if (!a.error.empty()) w.Field("error", a.error);
  w.EndObject();
  return w.Take();
}

}  // namespace tincrawl

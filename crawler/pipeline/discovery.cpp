#include "crawler/pipeline/discovery.h"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>
#include <limits>
#include <optional>
#include <unordered_set>

#include "extractors/dates.h"
#include "extractors/text.h"

namespace tincrawl {
namespace {

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string LowerCopy(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), Lower);
  return out;
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

// Decodes the XML entities and the few HTML ones feeds use; a stray '&' stays as it is.
void AppendDecoded(std::string* out, std::string_view in) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 13> kNamed = {
      {{"amp", "&"},
       {"lt", "<"},
       {"gt", ">"},
       {"quot", "\""},
       {"apos", "'"},
       {"nbsp", " "},
       {"raquo", "\u00bb"},
       {"laquo", "\u00ab"},
       {"rsaquo", "\u203a"},
       {"lsaquo", "\u2039"},
       {"rarr", "\u2192"},
       {"larr", "\u2190"},
       {"hellip", "\u2026"}}};
  for (size_t i = 0; i < in.size(); ++i) {
    const size_t semi = in[i] == '&' ? in.find(';', i) : std::string_view::npos;
    if (semi == std::string_view::npos || semi - i > 10) {
      out->push_back(in[i]);
      continue;
    }
    const std::string_view name = in.substr(i + 1, semi - i - 1);
    bool done = false;
    if (name.size() > 1 && name[0] == '#') {
      const bool hex = name[1] == 'x' || name[1] == 'X';
      uint32_t cp = 0;
      const std::string_view digits = name.substr(hex ? 2 : 1);
      const auto r =
          std::from_chars(digits.data(), digits.data() + digits.size(), cp, hex ? 16 : 10);
      if (r.ec == std::errc() && r.ptr == digits.data() + digits.size()) {
        AppendUtf8(cp == 0 ? U'\uFFFD' : static_cast<char32_t>(cp), out);
        done = true;
      }
    }
    for (const auto& [entity, text] : kNamed) {
      if (!done && name == entity) {
        out->append(text);
        done = true;
      }
    }
    if (done) {
      i = semi;
    } else {
      out->push_back('&');
    }
  }
}

// A tolerant, linear XML/HTML tokenizer: tags with attributes, text, CDATA; comments,
// declarations and processing instructions are skipped. Never reads past the input.
class Scanner {
 public:
  enum Kind { kText, kStart, kEnd, kDone };

  explicit Scanner(std::string_view in) : in_(in) {}

  Kind Next();
  // Lower-cased qualified name ("news:publication_date") of the last tag.
  const std::string& name() const { return name_; }
  bool self_closing() const { return self_closing_; }
  // Attribute value (entities decoded) of the last start tag, "" when absent.
  std::string Attr(std::string_view attr) const;
  // The last text token, decoded.
  const std::string& text() const { return text_; }

 private:
  Kind ScanTag();
  void ScanAttrs(size_t from, size_t end);

  std::string_view in_;
  size_t pos_ = 0;
  std::string name_;
  bool self_closing_ = false;
  std::vector<std::pair<std::string, std::string>> attrs_;
  std::string text_;
};

Scanner::Kind Scanner::Next() {
  while (pos_ < in_.size()) {
    if (in_[pos_] != '<') {
      const size_t end = std::min(in_.find('<', pos_), in_.size());
      text_.clear();
      AppendDecoded(&text_, in_.substr(pos_, end - pos_));
      pos_ = end;
      return kText;
    }
    const std::string_view rest = in_.substr(pos_);
    if (rest.substr(0, 9) == "<![CDATA[") {
      const size_t end = std::min(in_.find("]]>", pos_ + 9), in_.size());
      text_.assign(in_.substr(pos_ + 9, end - pos_ - 9));
      pos_ = std::min(end + 3, in_.size());
      return kText;
    }
    if (rest.substr(0, 4) == "<!--") {
      pos_ = std::min(in_.find("-->", pos_ + 4), in_.size() - 3) + 3;
      continue;
    }
    const Kind kind = ScanTag();
    if (kind != kDone) return kind;
  }
  return kDone;
}

Scanner::Kind Scanner::ScanTag() {
  const size_t start = pos_ + 1;
  const size_t end = std::min(in_.find('>', start), in_.size());
  pos_ = std::min(end + 1, in_.size());
  if (start >= in_.size()) return kDone;
  const char first = in_[start];
  if (first == '!' || first == '?') return kDone;  // Declaration: keep scanning.
  const bool closing = first == '/';
  size_t p = closing ? start + 1 : start;
  const size_t name_start = p;
  while (p < end && !IsSpace(in_[p]) && in_[p] != '/' && in_[p] != '>') ++p;
  if (p == name_start) return kDone;
  name_ = LowerCopy(in_.substr(name_start, p - name_start));
  self_closing_ = end > start && in_[end - 1] == '/';
  attrs_.clear();
  if (closing) return kEnd;
  ScanAttrs(p, end);
  return kStart;
}

void Scanner::ScanAttrs(size_t from, size_t end) {
  size_t p = from;
  while (p < end) {
    while (p < end && (IsSpace(in_[p]) || in_[p] == '/')) ++p;
    const size_t key_start = p;
    while (p < end && !IsSpace(in_[p]) && in_[p] != '=' && in_[p] != '/') ++p;
    if (p == key_start) break;
    std::string key = LowerCopy(in_.substr(key_start, p - key_start));
    std::string value;
    while (p < end && IsSpace(in_[p])) ++p;
    if (p < end && in_[p] == '=') {
      ++p;
      while (p < end && IsSpace(in_[p])) ++p;
      size_t v_end;
      if (p < end && (in_[p] == '"' || in_[p] == '\'')) {
        v_end = std::min(in_.find(in_[p], p + 1), end);
        AppendDecoded(&value, in_.substr(p + 1, v_end - p - 1));
        ++v_end;
      } else {
        v_end = p;
        while (v_end < end && !IsSpace(in_[v_end])) ++v_end;
        AppendDecoded(&value, in_.substr(p, v_end - p));
      }
      p = v_end;
    }
    attrs_.emplace_back(std::move(key), std::move(value));
  }
}

std::string Scanner::Attr(std::string_view attr) const {
  for (const auto& [k, v] : attrs_) {
    if (k == attr) return v;
  }
  return std::string();
}

// ---- Dates ----------------------------------------------------------------------------------

int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

int MonthFromName(std::string_view name) {
  static constexpr std::array<std::string_view, 12> kMonths = {
      "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"};
  const std::string lower = LowerCopy(name.substr(0, 3));
  for (size_t i = 0; i < kMonths.size(); ++i) {
    if (lower == kMonths[i]) return static_cast<int>(i) + 1;
  }
  return 0;
}

// Zone offset in seconds of an RFC 822 zone; +07:00 (Vietnam) when absent or unknown.
int ZoneOffset(std::string_view zone) {
  if (zone.size() == 5 && (zone[0] == '+' || zone[0] == '-')) {
    int hhmm = 0;
    if (std::from_chars(zone.data() + 1, zone.data() + 5, hhmm).ec == std::errc()) {
      const int secs = (hhmm / 100) * 3600 + (hhmm % 100) * 60;
      return zone[0] == '-' ? -secs : secs;
    }
  }
  const std::string z = LowerCopy(zone);
  if (z == "gmt" || z == "ut" || z == "utc" || z == "z") return 0;
  if (z == "est") return -5 * 3600;
  if (z == "edt") return -4 * 3600;
  if (z == "pst") return -8 * 3600;
  if (z == "pdt") return -7 * 3600;
  return 7 * 3600;
}

// "Mon, 15 Jan 2024 08:30:00 +0700" and its common deviations (no weekday, no seconds,
// two-digit year, missing or odd zone).
int64_t ParseRfc822(std::string_view s) {
  if (const size_t comma = s.find(','); comma != std::string_view::npos && comma < 12) {
    s.remove_prefix(comma + 1);
  }
  std::vector<std::string_view> parts;
  while (!(s = Trim(s)).empty() && parts.size() < 6) {
    const size_t sp = std::min(s.find_first_of(" \t"), s.size());
    parts.push_back(s.substr(0, sp));
    s.remove_prefix(sp);
  }
  if (parts.size() < 4) return 0;
  int day = 0, year = 0, hh = 0, mm = 0, ss = 0;
  const int month = MonthFromName(parts[1]);
  std::from_chars(parts[0].data(), parts[0].data() + parts[0].size(), day);
  std::from_chars(parts[2].data(), parts[2].data() + parts[2].size(), year);
  if (month == 0 || day < 1 || day > 31 || year <= 0) return 0;
  if (year < 100) year += year < 70 ? 2000 : 1900;
  if (std::sscanf(std::string(parts[3]).c_str(), "%d:%d:%d", &hh, &mm, &ss) < 2) return 0;
  const int offset = parts.size() > 4 ? ZoneOffset(parts[4]) : 7 * 3600;
  return DaysFromCivil(year, month, day) * 86400 + hh * 3600 + mm * 60 + ss - offset;
}

// ---- Feed parsing ---------------------------------------------------------------------------

struct Record {
  std::string link;
  std::string atom_link;
  std::string guid;
  std::string about;
  int64_t date = 0;
};

bool IsRecordElement(const std::string& name) {
  return name == "item" || name == "entry" || name == "url" || name == "sitemap";
}

bool IsDateElement(const std::string& name) {
  return name == "pubdate" || name == "published" || name == "updated" || name == "lastmod" ||
         name == "dc:date" || name == "news:publication_date" || name == "a10:updated";
}

FeedFormat FormatOfRoot(const std::string& name) {
  if (name == "rss" || name == "rdf:rdf") return FeedFormat::kRss;
  if (name == "feed") return FeedFormat::kAtom;
  if (name == "urlset") return FeedFormat::kUrlset;
  if (name == "sitemapindex") return FeedFormat::kSitemapIndex;
  return FeedFormat::kUnknown;
}

class FeedParser {
 public:
  FeedParser(std::string_view base, const UrlNormalizer& n, const DiscoveryLimits& limits,
             FeedResult* result)
      : base_(base), normalizer_(n), limits_(limits), result_(result) {}

  void Run(std::string_view xml);

 private:
  void OnStart(const Scanner& s);
  void OnEnd(const std::string& name);
  void Flush();

  std::string_view base_;
  const UrlNormalizer& normalizer_;
  const DiscoveryLimits& limits_;
  FeedResult* result_;
  bool root_seen_ = false;
  bool in_record_ = false;
  Record record_;
  std::string field_;
  std::string text_;
  bool guid_permalink_ = true;
  std::unordered_set<std::string> seen_;
};

void FeedParser::Run(std::string_view xml) {
  Scanner scanner(xml);
  for (Scanner::Kind k = scanner.Next(); k != Scanner::kDone; k = scanner.Next()) {
    if (k == Scanner::kStart) {
      OnStart(scanner);
      if (scanner.self_closing()) OnEnd(scanner.name());
    } else if (k == Scanner::kEnd) {
      OnEnd(scanner.name());
    } else if (in_record_ && !field_.empty() && text_.size() < 8192) {
      text_.append(scanner.text());
    }
    if (result_->links.size() >= limits_.max_links) {
      result_->truncated = true;
      return;
    }
  }
  Flush();
}

void FeedParser::OnStart(const Scanner& s) {
  const std::string& name = s.name();
  if (!root_seen_) {
    root_seen_ = true;
    result_->format = FormatOfRoot(name);
  }
  if (IsRecordElement(name)) {
    Flush();
    in_record_ = true;
    record_.about = s.Attr("rdf:about");
  }
  if (!in_record_) return;
  if (name == "link") {
    const std::string rel = s.Attr("rel");
    const std::string href = s.Attr("href");
    if (!href.empty() && (rel.empty() || rel == "alternate") && record_.atom_link.empty()) {
      record_.atom_link = href;
    }
  }
  if (name == "guid") guid_permalink_ = LowerCopy(s.Attr("ispermalink")) != "false";
  field_ = name;
  text_.clear();
}

void FeedParser::OnEnd(const std::string& name) {
  if (in_record_ && name == field_) {
    const std::string_view value = Trim(text_);
    if (name == "link" || name == "loc") {
      if (record_.link.empty()) record_.link = std::string(value);
    } else if (name == "guid" && guid_permalink_) {
      record_.guid = std::string(value);
    } else if (IsDateElement(name)) {
      record_.date = std::max(record_.date, ParseFeedDate(value));
    }
    field_.clear();
    text_.clear();
  }
  if (IsRecordElement(name)) Flush();
}

void FeedParser::Flush() {
  if (!in_record_) return;
  // An element left open by broken XML still counts (OnEnd never flushes for a field).
  if (!field_.empty() && !IsRecordElement(field_)) OnEnd(field_);
  in_record_ = false;
  field_.clear();
  const Record r = std::move(record_);
  record_ = Record();
  for (const std::string* candidate : {&r.link, &r.atom_link, &r.guid, &r.about}) {
    if (candidate->empty()) continue;
    std::optional<std::string> url = normalizer_.Resolve(base_, *candidate);
    if (!url) continue;
    if (!seen_.insert(*url).second) return;
    DiscoveredLink link;
    link.url = std::move(*url);
    const FeedFormat f = result_->format;
    const bool sitemap = f == FeedFormat::kUrlset || f == FeedFormat::kSitemapIndex;
    link.source = sitemap ? DiscoveredBy::kSitemap : DiscoveredBy::kFeed;
    link.is_sitemap = f == FeedFormat::kSitemapIndex;
    link.lastmod = r.date;
    result_->links.push_back(std::move(link));
    return;
  }
}

// ---- Pagination -----------------------------------------------------------------------------

bool IsPageParam(std::string_view name) {
  const std::string n = LowerCopy(name);
  return n == "page" || n == "pageindex" || n == "pagenumber" || n == "p" || n == "pg" ||
         n == "trang" || n == "_101_cur" || (n.size() > 4 && n.ends_with("_cur"));
}

int ParsePositive(std::string_view s) {
  int v = 0;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  return (r.ec == std::errc() && r.ptr == s.data() + s.size() && v > 0 && v < 100000) ? v : 0;
}

// Finds "/page-N", "/trang-N" or "/page/N" in `path`; returns N (0 if none) and its span.
int PageSegment(std::string_view path, size_t* begin, size_t* end) {
  for (std::string_view marker : {"/page-", "/trang-", "/page/"}) {
    const size_t at = path.rfind(marker);
    if (at == std::string_view::npos) continue;
    const size_t num = at + marker.size();
    size_t stop = num;
    while (stop < path.size() && path[stop] >= '0' && path[stop] <= '9') ++stop;
    if (stop == num || (stop < path.size() && path[stop] != '/' && path[stop] != '.')) continue;
    *begin = at;
    *end = stop;
    return ParsePositive(path.substr(num, stop - num));
  }
  return 0;
}

// The page number in `url` (0 when none) and the URL with every page marker removed.
int SplitPage(std::string_view url, std::string* key) {
  const size_t q = url.find('?');
  std::string_view path_part = url.substr(0, q);
  int page = 0;
  size_t b = 0, e = 0;
  if (const int seg = PageSegment(path_part, &b, &e); seg > 0) {
    page = seg;
    *key = std::string(path_part.substr(0, b)) + std::string(path_part.substr(e));
  } else {
    *key = std::string(path_part);
  }
  if (q == std::string_view::npos) return page;
  std::string_view query = url.substr(q + 1);
  char sep = '?';
  while (!query.empty()) {
    const size_t amp = std::min(query.find('&'), query.size());
    const std::string_view param = query.substr(0, amp);
    const size_t eq = param.find('=');
    const std::string_view name = param.substr(0, eq);
    if (IsPageParam(name) && eq != std::string_view::npos) {
      page = std::max(page, ParsePositive(param.substr(eq + 1)));
    } else {
      key->push_back(sep);
      key->append(param);
      sep = '&';
    }
    query.remove_prefix(std::min(amp + 1, query.size()));
  }
  return page;
}

// Strips one next-arrow ("»", "›", "→", ">") from either end of `t`; true when one was found.
bool StripArrow(std::string_view* t) {
  static constexpr std::array<std::string_view, 4> kArrows = {"\u00bb", "\u203a", "\u2192", ">"};
  for (std::string_view arrow : kArrows) {
    if (t->starts_with(arrow)) {
      t->remove_prefix(arrow.size());
      return true;
    }
    if (t->ends_with(arrow)) {
      t->remove_suffix(arrow.size());
      return true;
    }
  }
  return false;
}

bool IsNextLabel(std::string_view text) {
  static constexpr std::array<std::string_view, 8> kWords = {
      "trang sau", "sau", "tiếp", "tiếp theo", "trang tiếp", "trang kế", "kế tiếp", "next"};
  const std::string lower = LowerCopy(Trim(text));
  std::string_view t = lower;
  bool arrow = false;
  for (int i = 0; i < 4; ++i) {
    t = Trim(t);
    if (!StripArrow(&t)) break;
    arrow = true;
  }
  t = Trim(t);
  if (t.empty()) return arrow;
  return std::find(kWords.begin(), kWords.end(), t) != kWords.end();
}

struct Anchor {
  std::string href;
  std::string rel;
  std::string title;
  std::string text;
};

std::vector<Anchor> CollectAnchors(std::string_view html) {
  std::vector<Anchor> anchors;
  Scanner s(html);
  bool in_a = false;
  for (Scanner::Kind k = s.Next(); k != Scanner::kDone && anchors.size() < 20000; k = s.Next()) {
    if (k == Scanner::kStart && (s.name() == "a" || s.name() == "link")) {
      anchors.push_back({s.Attr("href"), LowerCopy(s.Attr("rel")), s.Attr("title"), std::string()});
      in_a = s.name() == "a" && !s.self_closing();
    } else if (k == Scanner::kEnd && s.name() == "a") {
      in_a = false;
    } else if (k == Scanner::kText && in_a && anchors.back().text.size() < 256) {
      anchors.back().text.append(s.text());
    }
  }
  return anchors;
}

}  // namespace

bool InflateIfGzip(std::string_view bytes, size_t max_bytes, std::string* out, bool* truncated) {
  out->clear();
  *truncated = false;
  if (bytes.size() < 2 || static_cast<uint8_t>(bytes[0]) != 0x1f ||
      static_cast<uint8_t>(bytes[1]) != 0x8b) {
    out->assign(bytes.substr(0, max_bytes));
    *truncated = bytes.size() > max_bytes;
    return true;
  }
  z_stream zs{};
  if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) return false;
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
  zs.avail_in = static_cast<uInt>(std::min<size_t>(bytes.size(), UINT32_MAX));
  char buf[64 * 1024];
  int rc = Z_OK;
  while (rc == Z_OK) {
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof(buf);
    rc = inflate(&zs, Z_NO_FLUSH);
    const size_t produced = sizeof(buf) - zs.avail_out;
    const size_t room = max_bytes - out->size();
    out->append(buf, std::min(produced, room));
    if (produced > room) {
      *truncated = true;
      break;
    }
    if (rc == Z_BUF_ERROR && zs.avail_in == 0) break;  // Truncated stream: keep what we have.
  }
  inflateEnd(&zs);
  if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) *truncated = true;
  return !out->empty() || rc == Z_STREAM_END;
}

int64_t ParseFeedDate(std::string_view text) {
  text = Trim(text);
  if (text.empty() || text.size() > 64) return 0;
  if (text[0] >= '0' && text[0] <= '9' && text.size() >= 10 && text[4] == '-') {
    if (std::optional<std::string> iso = ParseMachineDate(text)) {
      if (std::optional<long long> t = Rfc3339ToUnix(*iso)) return *t;
    }
  }
  if (const int64_t t = ParseRfc822(text); t > 0) return t;
  if (std::optional<DateMatch> m = FindDate(text)) {
    if (std::optional<long long> t = Rfc3339ToUnix(m->rfc3339)) return *t;
  }
  return 0;
}

FeedResult ParseFeed(std::string_view bytes, std::string_view base_url,
                     const UrlNormalizer& normalizer, const DiscoveryLimits& limits) {
  FeedResult result;
  std::string xml;
  if (!InflateIfGzip(bytes, limits.max_inflated_bytes, &xml, &result.truncated)) {
    result.error = "corrupt gzip body";
    return result;
  }
  FeedParser parser(base_url, normalizer, limits, &result);
  parser.Run(xml);
  if (result.format == FeedFormat::kUnknown && result.links.empty()) {
    result.error = "not a feed or sitemap";
  }
  return result;
}

int PageNumberOf(std::string_view url) {
  std::string key;
  const int page = SplitPage(url, &key);
  return page > 0 ? page : 1;
}

std::vector<PageLink> FindPaginationLinks(std::string_view html, std::string_view base_url,
                                          const UrlNormalizer& normalizer) {
  const std::optional<std::string> base = normalizer.Normalize(base_url);
  if (!base) return {};
  std::string base_key;
  SplitPage(*base, &base_key);
  std::vector<PageLink> out;
  for (const Anchor& a : CollectAnchors(html)) {
    std::optional<std::string> url = normalizer.Resolve(*base, a.href);
    if (!url || *url == *base || HostOf(*url) != HostOf(*base)) continue;
    std::string key;
    int page = SplitPage(*url, &key);
    const bool rel_next = a.rel.find("next") != std::string::npos;
    const bool same_listing = key == base_key;
    const int text_number = ParsePositive(Trim(a.text));
    if (!rel_next && !same_listing) continue;
    if (page == 0) page = text_number;
    const bool next = rel_next || IsNextLabel(a.text) || IsNextLabel(a.title);
    if (!rel_next && !next && page == 0) continue;
    auto it =
        std::find_if(out.begin(), out.end(), [&](const PageLink& l) { return l.url == *url; });
    if (it != out.end()) {
      it->next = it->next || next;
      it->page = std::max(it->page, page);
    } else if (out.size() < 200) {
      out.push_back({std::move(*url), page, next});
    }
  }
  const auto rank = [](const PageLink& l) {
    return l.page > 0 ? l.page : (l.next ? 0 : std::numeric_limits<int>::max());
  };
  std::stable_sort(out.begin(), out.end(),
                   [&rank](const PageLink& x, const PageLink& y) { return rank(x) < rank(y); });
  return out;
}

}  // namespace tincrawl

#include "crawler/pipeline/discovery.h"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdio>
#include <optional>
#include <unordered_set>

#include "crawler/pipeline/markup_scanner.h"
#include "extractors/dates.h"

namespace tincrawl {
namespace {

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
  void OnStart(const MarkupScanner& s);
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
  MarkupScanner scanner(xml);
  for (MarkupScanner::Kind k = scanner.Next(); k != MarkupScanner::kDone; k = scanner.Next()) {
    if (k == MarkupScanner::kStart) {
      OnStart(scanner);
      if (scanner.self_closing()) OnEnd(scanner.name());
    } else if (k == MarkupScanner::kEnd) {
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

void FeedParser::OnStart(const MarkupScanner& s) {
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
    std::optional<UrlForms> forms = normalizer_.ResolveForms(base_, *candidate);
    if (!forms) continue;
    if (!seen_.insert(forms->key).second) return;
    DiscoveredLink link;
    link.url = std::move(forms->key);
    link.fetch_url = std::move(forms->fetch);
    const FeedFormat f = result_->format;
    const bool sitemap = f == FeedFormat::kUrlset || f == FeedFormat::kSitemapIndex;
    link.source = sitemap ? DiscoveredBy::kSitemap : DiscoveredBy::kFeed;
    link.is_sitemap = f == FeedFormat::kSitemapIndex;
    link.lastmod = r.date;
    result_->links.push_back(std::move(link));
    return;
  }
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

}  // namespace tincrawl

#include "crawler/url/url.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <memory>

#include "crawler/url/url_host.h"

namespace tincrawl {
namespace {

// Session ids, ASP.NET postback state, click ids and tracking tags; Liferay's `redirect` (the
// listing an article was opened from) would otherwise make one article a URL per listing page.
constexpr std::array<std::string_view, 13> kNoiseParams = {"__VIEWSTATE",
                                                           "__VIEWSTATEGENERATOR",
                                                           "__EVENTVALIDATION",
                                                           "__EVENTTARGET",
                                                           "__EVENTARGUMENT",
                                                           "ASP.NET_SessionId",
                                                           "jsessionid",
                                                           "PHPSESSID",
                                                           "sid",
                                                           "fbclid",
                                                           "gclid",
                                                           "zarsrc",
                                                           "redirect"};
constexpr std::array<std::string_view, 4> kNoiseGlobs = {"utm_*", "gidzl", "_gl", "*_redirect"};
constexpr std::array<std::string_view, 9> kIdentifyingParams = {
    "nid", "ItemID", "bvid", "_101_cur", "Page", "PageIndex", "Cat", "id", "p_p_id"};

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (Lower(a[i]) != Lower(b[i])) return false;
  }
  return true;
}

bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsUnreserved(char c) {
  return IsAlpha(c) || IsDigit(c) || c == '-' || c == '.' || c == '_' || c == '~';
}
bool IsSubDelim(char c) { return std::strchr("!$&'()*+,;=", c) != nullptr && c != '\0'; }
bool IsPchar(char c) { return IsUnreserved(c) || IsSubDelim(c) || c == ':' || c == '@'; }

void AppendEscaped(std::string* out, unsigned char c) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  out->push_back('%');
  out->push_back(kHex[c >> 4]);
  out->push_back(kHex[c & 0xF]);
}

// Upper-cases escapes, decodes escaped unreserved characters and escapes every byte that is
// not allowed in the component (`allowed` decides, '%' excluded).
std::string NormalizeEscapes(std::string_view in, bool (*allowed)(char)) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    if (c == '%' && i + 2 < in.size() && HexDigitValue(in[i + 1]) >= 0 &&
        HexDigitValue(in[i + 2]) >= 0) {
      const auto v =
          static_cast<unsigned char>(HexDigitValue(in[i + 1]) * 16 + HexDigitValue(in[i + 2]));
      if (IsUnreserved(static_cast<char>(v))) {
        out.push_back(static_cast<char>(v));
      } else {
        AppendEscaped(&out, v);
      }
      i += 2;
    } else if (c == '%') {
      out.append("%25");
    } else if (allowed(c)) {
      out.push_back(c);
    } else {
      AppendEscaped(&out, static_cast<unsigned char>(c));
    }
  }
  return out;
}

bool IsHostChar(char c) { return IsAlpha(c) || IsDigit(c) || c == '-' || c == '.' || c == '_'; }

bool PathAllowed(char c) { return IsPchar(c) || c == '/'; }
bool QueryAllowed(char c) { return IsPchar(c) || c == '/' || c == '?'; }

// RFC 3986 section 5.2.4.
std::string RemoveDotSegments(std::string_view in) {
  std::vector<std::string_view> segments;
  const bool absolute = !in.empty() && in[0] == '/';
  size_t pos = absolute ? 1 : 0;
  bool trailing_slash = false;
  while (pos <= in.size()) {
    const size_t end = std::min(in.find('/', pos), in.size());
    const std::string_view seg = in.substr(pos, end - pos);
    trailing_slash = false;
    if (seg == "..") {
      if (!segments.empty()) segments.pop_back();
      trailing_slash = true;
    } else if (seg == ".") {
      trailing_slash = true;
    } else {
      segments.push_back(seg);
    }
    pos = end + 1;
  }
  std::string out;
  if (absolute) out.push_back('/');
  for (size_t i = 0; i < segments.size(); ++i) {
    if (i > 0) out.push_back('/');
    out.append(segments[i]);
  }
  if (trailing_slash && !out.empty() && out.back() != '/') out.push_back('/');
  return out;
}

// Drops ";jsessionid=..." (any case) from every path segment.
std::string StripSessionPathParams(std::string_view path) {
  std::string out;
  size_t pos = 0;
  while (pos < path.size()) {
    const size_t semi = path.find(';', pos);
    if (semi == std::string_view::npos) {
      out.append(path.substr(pos));
      break;
    }
    out.append(path.substr(pos, semi - pos));
    const size_t seg_end = std::min(path.find('/', semi), path.size());
    const std::string_view param = path.substr(semi + 1, seg_end - semi - 1);
    if (!(param.size() >= 11 && EqualsIgnoreCase(param.substr(0, 11), "jsessionid="))) {
      out.append(path.substr(semi, seg_end - semi));
    }
    pos = seg_end;
  }
  return out;
}

struct Param {
  std::string_view name;
  std::string_view text;  // "name=value" as normalized.
};

size_t SchemeEnd(std::string_view url) {
  const size_t p = url.find("://");
  return p == std::string_view::npos ? 0 : p + 3;
}

std::string_view TrimAscii(std::string_view s) {
  while (!s.empty() && static_cast<unsigned char>(s.front()) <= ' ') s.remove_prefix(1);
  while (!s.empty() && static_cast<unsigned char>(s.back()) <= ' ') s.remove_suffix(1);
  return s;
}

bool IsWebScheme(const WebUrl& url) { return url.scheme == "http" || url.scheme == "https"; }

// Parses `ref` (against `base` when it is not empty) and keeps only http(s) URLs.
std::optional<WebUrl> ParseLink(std::string_view base, std::string_view ref) {
  if (ref.size() > UrlNormalizer::kMaxUrlBytes) return std::nullopt;
  // An unusable base only matters to relative references, which then fail.
  const std::optional<WebUrl> base_url = base.empty() ? std::nullopt : ParseWebUrl(base);
  std::optional<WebUrl> url = ParseWebUrl(ref, base_url ? &*base_url : nullptr);
  if (!url || !IsWebScheme(*url) || !url->host || url->host->empty()) return std::nullopt;
  return url;
}

// Key step 4-6: the path without session parameters, in RFC 3986 form, without dot segments.
std::string KeyPath(const WebUrl& url) {
  std::string path =
      RemoveDotSegments(NormalizeEscapes(StripSessionPathParams(url.PathString()), PathAllowed));
  if (path.empty() || path[0] != '/') path.insert(path.begin(), '/');
  return path;
}

}  // namespace

bool GlobMatch(std::string_view pattern, std::string_view text) {
  size_t p = 0, t = 0, star = std::string_view::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || Lower(pattern[p]) == Lower(text[t]))) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

UrlNormalizer::UrlNormalizer(const UrlRules& rules)
    : keep_(rules.keep_params), drop_(rules.drop_params) {}

bool UrlNormalizer::KeepsParam(std::string_view name) const {
  for (std::string_view noise : kNoiseParams) {
    if (EqualsIgnoreCase(noise, name)) return false;
  }
  for (std::string_view glob : kNoiseGlobs) {
    if (GlobMatch(glob, name)) return false;
  }
  for (const std::string& glob : drop_) {
    if (GlobMatch(glob, name)) return false;
  }
  if (keep_.empty()) return true;
  for (std::string_view id : kIdentifyingParams) {
    if (EqualsIgnoreCase(id, name)) return true;
  }
  for (const std::string& glob : keep_) {
    if (GlobMatch(glob, name)) return true;
  }
  return false;
}

// Key step 7: the parameters the policy keeps, without empty ones, sorted by name.
void UrlNormalizer::AppendKeyQuery(std::string_view raw_query, std::string* out) const {
  const std::string query = NormalizeEscapes(raw_query, QueryAllowed);
  std::vector<Param> params;
  size_t pos = 0;
  while (pos <= query.size()) {
    const size_t end = std::min(query.find('&', pos), query.size());
    const std::string_view text = std::string_view(query).substr(pos, end - pos);
    pos = end + 1;
    if (text.empty()) continue;
    const std::string_view name = text.substr(0, text.find('='));
    if (!name.empty() && KeepsParam(PercentDecodeBytes(name))) params.push_back({name, text});
  }
  std::stable_sort(params.begin(), params.end(),
                   [](const Param& a, const Param& b) { return a.name < b.name; });
  for (size_t i = 0; i < params.size(); ++i) {
    out->push_back(i == 0 ? '?' : '&');
    out->append(params[i].text);
  }
}

std::optional<std::string> UrlNormalizer::KeyOf(const WebUrl& url) const {
  if (!IsWebScheme(url) || !url.host) return std::nullopt;
  std::string host = *url.host;  // Steps 1-2: fragment and userinfo are simply not copied.
  // Step 3, unless the shorter name would parse as another host ("255.." is a domain name,
  // "255" an IPv4 address) or as none, so that a key always normalizes to itself.
  const std::string stripped = host.substr(0, host.find_last_not_of('.') + 1);
  if (!stripped.empty() && ParseWebHost(stripped, /*special=*/true) == stripped) host = stripped;
  std::string out = url.scheme + "://" + host;
  if (url.port) out.append(":").append(std::to_string(*url.port));
  out.append(KeyPath(url));
  if (url.query) AppendKeyQuery(*url.query, &out);
  return out;
}

std::optional<std::string> UrlNormalizer::Normalize(std::string_view url) const {
  const std::optional<WebUrl> parsed = ParseLink({}, url);
  return parsed ? KeyOf(*parsed) : std::nullopt;
}

std::optional<std::string> UrlNormalizer::Resolve(std::string_view base,
                                                  std::string_view ref) const {
  const std::optional<WebUrl> parsed = ParseLink(base, ref);
  return parsed ? KeyOf(*parsed) : std::nullopt;
}

std::optional<UrlForms> UrlNormalizer::ResolveForms(std::string_view base,
                                                    std::string_view ref) const {
  const std::optional<WebUrl> parsed = ParseLink(base, ref);
  if (!parsed) return std::nullopt;
  std::optional<std::string> key = KeyOf(*parsed);
  if (!key) return std::nullopt;
  return UrlForms{parsed->Href(/*with_fragment=*/false), std::move(*key)};
}

std::optional<std::string> FetchFormUrl(std::string_view url) { return ResolveFetchForm({}, url); }

std::optional<std::string> ResolveFetchForm(std::string_view base, std::string_view ref) {
  const std::optional<WebUrl> parsed = ParseLink(base, ref);
  if (!parsed) return std::nullopt;
  return parsed->Href(/*with_fragment=*/false);
}

std::optional<std::string> HostToAscii(std::string_view raw) {
  std::optional<std::string> host = ParseWebHost(raw, /*special=*/true);
  if (!host) return std::nullopt;
  while (!host->empty() && host->back() == '.') host->pop_back();
  if (host->empty() || host->size() > 253) return std::nullopt;
  if ((*host)[0] == '[') return host;
  if (!std::all_of(host->begin(), host->end(), IsHostChar)) return std::nullopt;
  if (host->front() == '.' || host->find("..") != std::string::npos) return std::nullopt;
  return host;
}

std::string_view PathOf(std::string_view url) {
  const size_t start = SchemeEnd(url);
  if (start == 0) return {};
  std::string_view rest = url.substr(start);
  const size_t slash = rest.find_first_of("/?#");
  if (slash == std::string_view::npos || rest[slash] != '/') return "/";
  rest.remove_prefix(slash);
  return rest.substr(0, rest.find_first_of("?#"));
}

std::string_view QueryOf(std::string_view url) {
  const size_t q = url.find('?');
  if (q == std::string_view::npos) return {};
  std::string_view rest = url.substr(q + 1);
  return rest.substr(0, rest.find('#'));
}

std::string CanonicalUrlToStore(const UrlNormalizer& normalizer, std::string_view page_url,
                                std::string_view canonical_href,
                                const std::vector<std::string>& site_hosts) {
  const std::optional<std::string> page = normalizer.Normalize(page_url);
  if (!page) return std::string();
  if (TrimAscii(canonical_href).empty()) return *page;
  const std::optional<std::string> canonical = normalizer.Resolve(*page, canonical_href);
  if (!canonical) return *page;
  const std::string_view host = HostOf(*canonical);
  if (std::find(site_hosts.begin(), site_hosts.end(), host) == site_hosts.end()) return *page;
  const bool collapses_to_root = PathOf(*canonical) == "/" && QueryOf(*canonical).empty() &&
                                 !(PathOf(*page) == "/" && QueryOf(*page).empty());
  return collapses_to_root ? *page : *canonical;
}

}  // namespace tincrawl

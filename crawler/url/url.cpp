#include "crawler/url/url.h"

#include <unicode/uidna.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <memory>

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

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

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
    if (c == '%' && i + 2 < in.size() && HexValue(in[i + 1]) >= 0 && HexValue(in[i + 2]) >= 0) {
      const auto v = static_cast<unsigned char>(HexValue(in[i + 1]) * 16 + HexValue(in[i + 2]));
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

std::string_view TrimAscii(std::string_view s) {
  while (!s.empty() && static_cast<unsigned char>(s.front()) <= ' ') s.remove_prefix(1);
  while (!s.empty() && static_cast<unsigned char>(s.back()) <= ' ') s.remove_suffix(1);
  return s;
}

std::string CleanInput(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (char c : TrimAscii(in)) {
    if (c != '\t' && c != '\n' && c != '\r') out.push_back(c);
  }
  return out;
}

std::string PercentDecode(std::string_view in) {
  std::string out;
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '%' && i + 2 < in.size() && HexValue(in[i + 1]) >= 0 && HexValue(in[i + 2]) >= 0) {
      out.push_back(static_cast<char>(HexValue(in[i + 1]) * 16 + HexValue(in[i + 2])));
      i += 2;
    } else {
      out.push_back(in[i]);
    }
  }
  return out;
}

const UIDNA* Idna() {
  static const UIDNA* idna = [] {
    UErrorCode err = U_ZERO_ERROR;
    UIDNA* p = uidna_openUTS46(UIDNA_NONTRANSITIONAL_TO_ASCII, &err);
    return U_SUCCESS(err) ? p : nullptr;
  }();
  return idna;
}

bool IsHostChar(char c) { return IsAlpha(c) || IsDigit(c) || c == '-' || c == '.' || c == '_'; }

struct Authority {
  std::string host;
  std::string port;
};

std::optional<Authority> SplitAuthority(std::string_view authority) {
  const size_t at = authority.rfind('@');
  if (at != std::string_view::npos) authority.remove_prefix(at + 1);
  Authority out;
  std::string_view host = authority;
  if (!authority.empty() && authority[0] == '[') {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    host = authority.substr(0, close + 1);
    const std::string_view rest = authority.substr(close + 1);
    if (!rest.empty() && rest[0] != ':') return std::nullopt;
    if (!rest.empty()) out.port = std::string(rest.substr(1));
  } else {
    const size_t colon = authority.rfind(':');
    if (colon != std::string_view::npos) {
      host = authority.substr(0, colon);
      out.port = std::string(authority.substr(colon + 1));
    }
  }
  out.host = std::string(host);
  return out;
}

// Returns the port to print ("" for the scheme default), nullopt when invalid.
std::optional<std::string> NormalizePort(std::string_view port, std::string_view scheme) {
  if (port.empty()) return std::string();
  for (char c : port) {
    if (!IsDigit(c)) return std::nullopt;
  }
  while (port.size() > 1 && port[0] == '0') port.remove_prefix(1);
  if (port.size() > 5 || std::stoi(std::string(port)) > 65535) return std::nullopt;
  if ((scheme == "http" && port == "80") || (scheme == "https" && port == "443")) return "";
  return std::string(port);
}

struct Param {
  std::string_view name;
  std::string_view text;  // "name=value" as normalized.
};

size_t SchemeEnd(std::string_view url) {
  const size_t p = url.find("://");
  return p == std::string_view::npos ? 0 : p + 3;
}

}  // namespace

std::string ParsedUrl::ToString() const {
  std::string out;
  if (has_scheme) out.append(scheme).push_back(':');
  if (has_authority) out.append("//").append(authority);
  out.append(path);
  if (has_query) out.append("?").append(query);
  if (has_fragment) out.append("#").append(fragment);
  return out;
}

ParsedUrl ParseUrl(std::string_view ref) {
  ParsedUrl out;
  // scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":"
  const size_t colon = ref.find_first_of(":/?#");
  if (colon != std::string_view::npos && colon > 0 && ref[colon] == ':' && IsAlpha(ref[0])) {
    const std::string_view scheme = ref.substr(0, colon);
    const bool valid = std::all_of(scheme.begin(), scheme.end(), [](char c) {
      return IsAlpha(c) || IsDigit(c) || c == '+' || c == '-' || c == '.';
    });
    if (valid) {
      out.has_scheme = true;
      out.scheme = std::string(scheme);
      ref.remove_prefix(colon + 1);
    }
  }
  if (ref.substr(0, 2) == "//") {
    ref.remove_prefix(2);
    const size_t end = std::min(ref.find_first_of("/?#"), ref.size());
    out.has_authority = true;
    out.authority = std::string(ref.substr(0, end));
    ref.remove_prefix(end);
  }
  const size_t path_end = std::min(ref.find_first_of("?#"), ref.size());
  out.path = std::string(ref.substr(0, path_end));
  ref.remove_prefix(path_end);
  if (!ref.empty() && ref[0] == '?') {
    const size_t end = std::min(ref.find('#'), ref.size());
    out.has_query = true;
    out.query = std::string(ref.substr(1, end - 1));
    ref.remove_prefix(end);
  }
  if (!ref.empty() && ref[0] == '#') {
    out.has_fragment = true;
    out.fragment = std::string(ref.substr(1));
  }
  return out;
}

std::optional<std::string> HostToAscii(std::string_view raw) {
  std::string host = PercentDecode(raw);
  while (!host.empty() && host.back() == '.') host.pop_back();
  if (host.empty() || host.size() > 253 * 4) return std::nullopt;
  if (host[0] == '[') {
    std::transform(host.begin(), host.end(), host.begin(), Lower);
    return host;
  }
  const bool ascii = std::all_of(host.begin(), host.end(),
                                 [](char c) { return static_cast<unsigned char>(c) < 0x80; });
  if (!ascii) {
    const UIDNA* idna = Idna();
    if (idna == nullptr) return std::nullopt;
    char buf[512];
    UIDNAInfo info = UIDNA_INFO_INITIALIZER;
    UErrorCode err = U_ZERO_ERROR;
    const int32_t n = uidna_nameToASCII_UTF8(idna, host.data(), static_cast<int32_t>(host.size()),
                                             buf, sizeof(buf), &info, &err);
    if (U_FAILURE(err) || info.errors != 0 || n <= 0) return std::nullopt;
    host.assign(buf, static_cast<size_t>(n));
  }
  std::transform(host.begin(), host.end(), host.begin(), Lower);
  if (host.size() > 253 || !std::all_of(host.begin(), host.end(), IsHostChar)) return std::nullopt;
  if (host.front() == '.' || host.find("..") != std::string::npos) return std::nullopt;
  return host;
}

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

std::optional<std::string> UrlNormalizer::Normalize(std::string_view url) const {
  if (url.size() > kMaxUrlBytes) return std::nullopt;
  const ParsedUrl parsed = ParseUrl(CleanInput(url));
  if (!parsed.has_scheme || !parsed.has_authority) return std::nullopt;
  std::string scheme = parsed.scheme;
  std::transform(scheme.begin(), scheme.end(), scheme.begin(), Lower);
  if (scheme != "http" && scheme != "https") return std::nullopt;
  const std::optional<Authority> authority = SplitAuthority(parsed.authority);
  if (!authority) return std::nullopt;
  const std::optional<std::string> host = HostToAscii(authority->host);
  const std::optional<std::string> port = NormalizePort(authority->port, scheme);
  if (!host || !port) return std::nullopt;

  std::string path = parsed.path;
  std::replace(path.begin(), path.end(), '\\', '/');
  path = RemoveDotSegments(NormalizeEscapes(StripSessionPathParams(path), PathAllowed));
  if (path.empty() || path[0] != '/') path.insert(path.begin(), '/');

  std::string out = scheme + "://" + *host;
  if (!port->empty()) out.append(":").append(*port);
  out.append(path);
  if (!parsed.has_query) return out;

  const std::string query = NormalizeEscapes(parsed.query, QueryAllowed);
  std::vector<Param> params;
  size_t pos = 0;
  while (pos <= query.size()) {
    const size_t end = std::min(query.find('&', pos), query.size());
    const std::string_view text = std::string_view(query).substr(pos, end - pos);
    pos = end + 1;
    if (text.empty()) continue;
    const std::string_view name = text.substr(0, text.find('='));
    if (!name.empty() && KeepsParam(PercentDecode(name))) params.push_back({name, text});
  }
  std::stable_sort(params.begin(), params.end(),
                   [](const Param& a, const Param& b) { return a.name < b.name; });
  for (size_t i = 0; i < params.size(); ++i) {
    out.push_back(i == 0 ? '?' : '&');
    out.append(params[i].text);
  }
  return out;
}

std::optional<std::string> UrlNormalizer::Resolve(std::string_view base,
                                                  std::string_view ref) const {
  const std::string cleaned = CleanInput(ref);
  ParsedUrl r = ParseUrl(cleaned);
  if (r.has_scheme) return Normalize(cleaned);
  const ParsedUrl b = ParseUrl(CleanInput(base));
  if (!b.has_scheme || !b.has_authority) return std::nullopt;
  ParsedUrl t;
  t.has_scheme = true;
  t.scheme = b.scheme;
  if (r.has_authority) {
    t.has_authority = true;
    t.authority = r.authority;
    t.path = r.path;
    t.has_query = r.has_query;
    t.query = r.query;
    return Normalize(t.ToString());
  }
  t.has_authority = true;
  t.authority = b.authority;
  std::replace(r.path.begin(), r.path.end(), '\\', '/');
  if (r.path.empty()) {
    t.path = b.path;
    t.has_query = r.has_query || b.has_query;
    t.query = r.has_query ? r.query : b.query;
    return Normalize(t.ToString());
  }
  if (r.path[0] == '/') {
    t.path = r.path;
  } else {
    const size_t slash = b.path.rfind('/');
    t.path = (slash == std::string::npos ? std::string("/") : b.path.substr(0, slash + 1)) + r.path;
  }
  t.has_query = r.has_query;
  t.query = r.query;
  return Normalize(t.ToString());
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

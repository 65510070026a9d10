#include "crawler/common/host.h"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>

namespace tincrawl {
namespace {

bool IsSchemeChar(char c, bool first) {
  const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  if (first) return alpha;
  return alpha || (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.';
}

// Position after "scheme://", or npos.
size_t AuthorityStart(std::string_view url) {
  const size_t p = url.find("://");
  if (p == std::string_view::npos || p == 0) return std::string_view::npos;
  for (size_t i = 0; i < p; ++i) {
    if (!IsSchemeChar(url[i], i == 0)) return std::string_view::npos;
  }
  return p + 3;
}

bool ValidHostName(std::string_view host) {
  if (host.empty()) return false;
  for (char c : host) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '-' || c == '_' || c == '*';
    if (!ok) return false;
  }
  return true;
}

std::optional<int> ParsePort(std::string_view text) {
  int port = 0;
  if (text.empty() || text.size() > 5) return std::nullopt;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), port);
  if (ec != std::errc() || end != text.data() + text.size() || port < 1 || port > 65535) {
    return std::nullopt;
  }
  return port;
}

// An IPv4 or bracketed IPv6 address; returns it without brackets.
std::optional<std::string> ParseAddress(std::string_view text) {
  const bool v6 = text.size() > 2 && text.front() == '[' && text.back() == ']';
  const std::string addr(v6 ? text.substr(1, text.size() - 2) : text);
  unsigned char buf[16];
  if (inet_pton(v6 ? AF_INET6 : AF_INET, addr.c_str(), buf) != 1) return std::nullopt;
  return addr;
}

}  // namespace

std::optional<UrlAuthority> SplitUrlAuthority(std::string_view url) {
  const size_t start = AuthorityStart(url);
  if (start == std::string_view::npos) return std::nullopt;
  std::string_view authority = url.substr(start);
  authority = authority.substr(0, authority.find_first_of("/?#"));
  const size_t at = authority.rfind('@');
  if (at != std::string_view::npos) authority.remove_prefix(at + 1);
  UrlAuthority out;
  size_t host_end = 0;
  if (!authority.empty() && authority[0] == '[') {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    host_end = close + 1;
  } else {
    host_end = std::min(authority.find(':'), authority.size());
  }
  out.host = authority.substr(0, host_end);
  if (host_end < authority.size() && authority[host_end] == ':') {
    out.port = authority.substr(host_end + 1);
  }
  if (out.host.empty()) return std::nullopt;
  return out;
}

std::string_view HostOf(std::string_view url) {
  const std::optional<UrlAuthority> a = SplitUrlAuthority(url);
  return a ? a->host : std::string_view();
}

std::string LowerHost(std::string_view host) {
  std::string out(host);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string HostKey(std::string_view url) { return LowerHost(HostOf(url)); }

std::optional<ResolveEntry> ParseResolveEntry(std::string_view entry) {
  ResolveEntry out;
  if (!entry.empty() && entry[0] == '+') entry.remove_prefix(1);
  const size_t c1 = entry.find(':');
  if (c1 == std::string_view::npos || !ValidHostName(entry.substr(0, c1))) return std::nullopt;
  out.host = LowerHost(entry.substr(0, c1));
  const size_t c2 = entry.find(':', c1 + 1);
  if (c2 == std::string_view::npos) return std::nullopt;
  const std::optional<int> port = ParsePort(entry.substr(c1 + 1, c2 - c1 - 1));
  if (!port) return std::nullopt;
  out.port = *port;
  std::string_view rest = entry.substr(c2 + 1);
  while (true) {
    const size_t comma = rest.find(',');
    const std::optional<std::string> addr = ParseAddress(rest.substr(0, comma));
    if (!addr) return std::nullopt;
    out.addresses.push_back(*addr);
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return out;
}

}  // namespace tincrawl

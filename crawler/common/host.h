#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tincrawl {

// The one parser of hosts in the daemon. A host is spelled as in the URL's authority, without
// userinfo and port: lower-cased by HostKey, IPv6 literals keep their brackets ("[::1]"), so a
// host key from a URL, a site's `hosts:` entry and the HTTP client's queues always agree.

// The authority parts of an absolute URL "scheme://[userinfo@]host[:port][/?#...]".
struct UrlAuthority {
  std::string_view host;  // As written (case kept); IPv6 literals with their brackets.
  std::string_view port;  // The text after the host's colon; empty when absent.
};

// Splits the authority of an absolute URL; nullopt when `url` has no "scheme://" or no host.
std::optional<UrlAuthority> SplitUrlAuthority(std::string_view url);

// Host of an absolute URL as written, or "" (cheap; for URLs already normalized).
std::string_view HostOf(std::string_view url);

// Lower-cased host of an absolute URL, or "".
std::string HostKey(std::string_view url);

// Lower-cases ASCII letters of a host name.
std::string LowerHost(std::string_view host);

// One `network.resolve` entry, curl's --resolve syntax: [+]HOST:PORT:ADDR[,ADDR]... (IPv6
// addresses in brackets).
struct ResolveEntry {
  std::string host;                    // Lower-cased.
  int port = 0;                        // 1..65535.
  std::vector<std::string> addresses;  // At least one; IPv6 without brackets.
};

// Parses and validates a resolve entry; nullopt when it is malformed.
std::optional<ResolveEntry> ParseResolveEntry(std::string_view entry);

}  // namespace tincrawl

#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crawler/common/host.h"
#include "crawler/config/config.h"
#include "crawler/url/url_parse.h"

namespace tincrawl {

// Converts a configured host name to its ASCII form: the WHATWG host parser (percent-decoding,
// lower-case, IDN labels to punycode by UTS #46 non-transitional, IPv4 and IPv6 literals
// canonicalized), then trailing dots removed. Returns nullopt for an empty or invalid host, and
// also for names a URL would accept but DNS would not ("a..b", ".a", "a!b").
std::optional<std::string> HostToAscii(std::string_view host);

// The two forms of one link (issue 14, "Identity and fetch form are two things").
struct UrlForms {
  std::string fetch;  // What goes on the wire: see FetchFormUrl.
  std::string key;    // The identity: see UrlNormalizer.
};

// The request ("fetch") form of an absolute http(s) URL: the URL as published, changed only
// where no server can tell, which is exactly what a browser does before it sends it: parsed by
// the WHATWG URL Standard (scheme and host lower-case, IDN host to punycode, IPv4/IPv6 hosts
// canonical, default port dropped, '\' read as '/', dot segments removed, characters that must
// be percent-encoded encoded), and the fragment removed. The query (order, case, escapes,
// empty parameters) and the rest of the path are left exactly as written. Returns nullopt
// when `url` is not an absolute http(s) URL with a valid host.
std::optional<std::string> FetchFormUrl(std::string_view url);

// The fetch form of `ref` resolved against the absolute `base` as a browser resolves a link
// on the page at `base` ("//cdn/x", "\\x\y", "http:foo.com", "?page=2", ...). `base` may be
// empty when `ref` is absolute. Returns nullopt when the result is not an http(s) URL.
std::optional<std::string> ResolveFetchForm(std::string_view base, std::string_view ref);

// Case-insensitive glob match where `*` matches any run of characters and `?` one character.
bool GlobMatch(std::string_view pattern, std::string_view text);

// Normalizes and resolves http(s) URLs for one site into their key (the identity used by
// the frontier, the seen-set, dedup and ids; never sent to a server). Immutable after
// construction, so one instance may be shared by every thread.
//
// A key is made in two separate stages. First the URL is parsed (and resolved) by the WHATWG
// URL Standard, as a browser would (ParseWebUrl; this alone gives the fetch form). Then these
// key normalization steps are applied, in this order:
//   1. the fragment is dropped;
//   2. userinfo is dropped;
//   3. trailing dots of the host are removed ("a.vn." -> "a.vn"), unless the name without
//      them is another host or none ("255.." stays: "255" is an IPv4 address);
//   4. `;jsessionid=` path parameters are removed;
//   5. percent-escapes in path and query get upper-case hex, escaped unreserved characters are
//      decoded, a '%' that starts no escape becomes %25, and every other byte outside RFC 3986
//      pchar is percent-encoded (so "|", "[" or "'" have one spelling);
//   6. dot segments exposed by steps 4-5 are removed;
//   7. query parameters are filtered (built-in noise such as utm_*, fbclid, __VIEWSTATE,
//      PHPSESSID, Liferay's redirect; the site's drop_params globs; when keep_params is set,
//      every parameter not in it except the identifying ones like nid, ItemID, Page), empty
//      parameters dropped, and the rest sorted by name (stable, so repeated names keep their
//      order); an empty query is dropped.
class UrlNormalizer {
 public:
  static constexpr size_t kMaxUrlBytes = 8192;  // Longer input is refused outright.

  UrlNormalizer() = default;  // Built-in noise filtering only.
  explicit UrlNormalizer(const UrlRules& rules);

  // Returns the key of an absolute URL, or nullopt when `url` is not an absolute http(s) URL
  // with a valid host (mailto:, javascript:, relative references, garbage).
  std::optional<std::string> Normalize(std::string_view url) const;

  // Resolves `ref` against the absolute `base` as a browser does (WHATWG URL Standard) and
  // returns the key of the result; nullopt when the result is not an http(s) URL.
  std::optional<std::string> Resolve(std::string_view base, std::string_view ref) const;

  // Both forms of `ref` resolved against `base`, from one parse: `fetch` is
  // ResolveFetchForm(base, ref) and `key` is Resolve(base, ref). Normalize(fetch) == key.
  std::optional<UrlForms> ResolveForms(std::string_view base, std::string_view ref) const;

  // The key of an already parsed URL (steps 1-7 above); nullopt unless http(s) with a host.
  std::optional<std::string> KeyOf(const WebUrl& url) const;

  // True when the query parameter `name` is kept by this policy.
  bool KeepsParam(std::string_view name) const;

 private:
  void AppendKeyQuery(std::string_view raw_query, std::string* out) const;

  std::vector<std::string> keep_;
  std::vector<std::string> drop_;
};

// The path of a normalized URL without its query ("https://a/x?q" -> "/x").
std::string_view PathOf(std::string_view normalized_url);
// The query of a normalized URL without '?', empty when absent.
std::string_view QueryOf(std::string_view normalized_url);

// Decides which URL to store for a fetched page given the href of its <link rel=canonical>
// (or og:url; empty when absent). The canonical wins when it resolves to an http(s) URL whose
// host is one of `site_hosts` (normalized hosts) and it does not collapse a deeper page onto
// the site root (a common CMS template bug). Otherwise the normalized page URL is returned.
// Returns an empty string only when `page_url` itself cannot be normalized.
std::string CanonicalUrlToStore(const UrlNormalizer& normalizer, std::string_view page_url,
                                std::string_view canonical_href,
                                const std::vector<std::string>& site_hosts);

}  // namespace tincrawl

#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crawler/common/host.h"
#include "crawler/config/config.h"

namespace tincrawl {

// The five RFC 3986 components of a URI reference, split by the regular expression of
// Appendix B (no validation, no decoding). `has_*` tell an absent component from an empty one
// ("http://h/p?" has an empty query, "http://h/p" none).
struct ParsedUrl {
  std::string scheme;
  std::string authority;  // userinfo@host:port, as written.
  std::string path;
  std::string query;
  std::string fragment;
  bool has_scheme = false;
  bool has_authority = false;
  bool has_query = false;
  bool has_fragment = false;

  // Recomposes per RFC 3986 section 5.3.
  std::string ToString() const;
};

// Splits `ref` into components. Never fails: every string is a (possibly relative) reference.
ParsedUrl ParseUrl(std::string_view ref);

// Converts a host to its ASCII form: lower-case, trailing dot removed, IDN labels to punycode
// (UTS #46 non-transitional, ICU uidna_nameToASCII_UTF8). IPv6 literals ("[...]") are
// lower-cased. Returns nullopt for an empty or invalid host.
std::optional<std::string> HostToAscii(std::string_view host);

// Case-insensitive glob match where `*` matches any run of characters and `?` one character.
bool GlobMatch(std::string_view pattern, std::string_view text);

// Normalizes and resolves http(s) URLs for one site. Immutable after construction, so one
// instance may be shared by every thread.
//
// Normalization: scheme and host lower-case, IDN host to punycode, default port and userinfo
// dropped, percent-escapes upper-cased and unreserved characters decoded, characters not
// allowed in a component percent-encoded (UTF-8), '\' in the path read as '/', dot segments
// removed, empty path -> "/", `;jsessionid=` path parameters and the fragment removed. Query
// parameters are filtered (built-in noise such as utm_*, fbclid, __VIEWSTATE, PHPSESSID, Liferay's
// redirect; the site's drop_params globs; when keep_params is set, every parameter not in it except
// the identifying ones like nid, ItemID, Page), empty parameters dropped, and the rest sorted by
// name (stable, so repeated names keep their order) so equivalent URLs compare equal.
class UrlNormalizer {
 public:
  static constexpr size_t kMaxUrlBytes = 8192;  // Longer input is refused outright.

  UrlNormalizer() = default;  // Built-in noise filtering only.
  explicit UrlNormalizer(const UrlRules& rules);

  // Returns the normalized absolute URL, or nullopt when `url` is not an absolute http(s) URL
  // with a valid host (mailto:, javascript:, relative references, garbage).
  std::optional<std::string> Normalize(std::string_view url) const;

  // Resolves `ref` against the absolute `base` (RFC 3986 section 5.2, with surrounding
  // whitespace and embedded tabs/newlines removed first, as browsers do) and normalizes the
  // result. Returns nullopt when the result is not an http(s) URL.
  std::optional<std::string> Resolve(std::string_view base, std::string_view ref) const;

  // True when the query parameter `name` is kept by this policy.
  bool KeepsParam(std::string_view name) const;

 private:
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

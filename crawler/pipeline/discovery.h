#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "crawler/common/discovered_by.h"
#include "crawler/url/url.h"

namespace tincrawl {

// One URL found by a discovery parser, already resolved and normalized.
struct DiscoveredLink {
  std::string url;        // The normalized key.
  std::string fetch_url;  // The link as published (what to request).
  DiscoveredBy source = DiscoveredBy::kListing;
  int64_t lastmod = 0;      // Unix seconds (latest of pubDate/updated/lastmod/...); 0 = unknown.
  bool is_sitemap = false;  // A child of a sitemap index: fetch it as a sitemap.
};

enum class FeedFormat : uint8_t { kUnknown, kRss, kAtom, kUrlset, kSitemapIndex };

struct DiscoveryLimits {
  size_t max_inflated_bytes = 50u << 20;  // Sitemap protocol cap (50 MB uncompressed).
  size_t max_links = 50000;               // Sitemap protocol cap per file.
};

struct FeedResult {
  FeedFormat format = FeedFormat::kUnknown;
  std::vector<DiscoveredLink> links;  // Document order, duplicates removed.
  bool truncated = false;             // A limit cut the input or the link list.
  std::string error;                  // Why nothing could be read (bad gzip ...); may be empty.
};

// If `bytes` start with the gzip magic (1f 8b), inflates them into *out, stopping at
// `max_bytes` (then *truncated is set and *out holds the prefix). Otherwise copies `bytes`.
// Returns false only for corrupt gzip data with nothing usable decoded.
bool InflateIfGzip(std::string_view bytes, size_t max_bytes, std::string* out, bool* truncated);

// Parses an RSS 0.9x/1.0 (RDF)/2.0 feed, an Atom feed, a sitemap `urlset` (including news and
// image extensions) or a sitemap index; the format is detected from the root element and
// gzip-compressed bodies are inflated first. Links (item <link>, permalink <guid>, Atom
// <link href> with rel alternate or none, <loc>) are resolved against `base_url` and
// normalized with `normalizer`; unusable ones are skipped. Dates (RFC 822, ISO 8601/W3C,
// "dd/mm/yyyy hh:mm" with +07:00 assumed) fill `lastmod`. Tolerates broken XML (unclosed
// elements, stray '&', HTML mixed in, truncation): work is linear in the input and never
// exceeds `limits`. Source is kFeed for RSS/Atom and kSitemap for sitemaps.
FeedResult ParseFeed(std::string_view bytes, std::string_view base_url,
                     const UrlNormalizer& normalizer, const DiscoveryLimits& limits = {});

// Parses a feed or sitemap date; returns Unix seconds or 0 when unreadable.
int64_t ParseFeedDate(std::string_view text);

// A pagination link of a listing page.
struct PageLink {
  std::string url;        // Normalized, same host as the listing.
  std::string fetch_url;  // The link as published (what to request).
  int page = 0;           // Page number when known (from the link text or a page parameter).
  bool next = false;      // rel=next, "Trang sau", "Tiếp", "»", "›", "Next" ...
};

// Finds pagination links in listing HTML: rel=next (<link> or <a>), next-page labels, numbered
// page links and hrefs carrying a page parameter (Page=, PageIndex=, _101_cur=, page=, p=,
// /page-N, /trang-N) on the listing's own path. Links to other hosts, to the page itself and
// postback links (javascript:__doPostBack) are skipped. Result sorted by page number, "next"
// links first when their number is unknown; at most 200 links.
// `base_url` is the URL the page was fetched from; links resolve against it as in a browser.
std::vector<PageLink> FindPaginationLinks(std::string_view html, std::string_view base_url,
                                          const UrlNormalizer& normalizer);

// The page number a listing URL carries (Page=, PageIndex=, _101_cur=, page=, p=, /page-N,
// /trang-N); 1 when it carries none.
int PageNumberOf(std::string_view url);

}  // namespace tincrawl

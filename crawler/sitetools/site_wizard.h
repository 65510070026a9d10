#pragma once

// The offline half of `tincrawl new-site` / `tincrawl test-site`: CMS detection, URL pattern
// inference, the site-file writer and the per-page checks. Nothing here touches the network;
// cmd_site.cpp fetches the pages and feeds them in, so every step is testable on fixtures.

#include <string>
#include <string_view>
#include <vector>

#include "extractors/article.h"

namespace tincrawl {

// One page the wizard looked at: its URL (absolute) and raw bytes as fetched or read.
struct SamplePage {
  std::string url;
  std::string bytes;
  std::string content_type;
};

// The CMS family that best explains the markup and URL shapes seen.
struct CmsGuess {
  std::string family;                 // A preset name (see FindPreset), or "" when unsure.
  int score = 0;                      // Markers found for `family`.
  int runner_up = 0;                  // Markers found for the next best family.
  std::vector<std::string> evidence;  // The markers that matched, for the YAML comments.
};

// Scores every preset family by markup markers (e.g. liferay's `portlet-boundary`, nukeviet's
// `#news-bodyhtml`, DotNetNuke's `dnn_ctr`) in `pages` and by URL shapes (e.g.
// `/Trang/ChiTietTinTuc.aspx?nid=`, `/vi/news/`) in `pages`' URLs and `links`. Returns the best
// family, or an empty family when no family has at least two markers.
CmsGuess DetectCms(const std::vector<SamplePage>& pages, const std::vector<std::string>& links);

// The shape of a normalized URL as an ECMAScript regex over its path and query (no scheme or
// host): digit-only runs become \d+, segments that look like slugs (letters with a digit run,
// or many hyphens) become [^/]+ (their extension kept), query values become \d+ or [^&]+, and
// every literal is escaped. E.g. "http://h/vi/news/xa-hoi/le-hoi-123.html" ->
// "/vi/news/xa-hoi/[^/]+\.html".
std::string UrlShape(std::string_view normalized_url);

// A group of same-host links sharing one shape.
struct UrlPattern {
  std::string shape;                  // As UrlShape, possibly with merged segments.
  std::vector<std::string> examples;  // Distinct URLs of the group, in first-seen order.
  int count() const { return static_cast<int>(examples.size()); }
};

// Groups the URLs of `links` whose host is `host` by shape, then merges shapes that differ in
// exactly one literal path segment (category names) into one with [^/]+ there. Sorted by
// count, largest first. The site root ("/") is left out.
std::vector<UrlPattern> GroupUrlShapes(const std::vector<std::string>& links,
                                       std::string_view host);

// A full-URL regex for the site file built from a shape: "^https?://[^/]+" + shape + "$".
std::string ShapeToRegex(std::string_view shape);

// What `new-site` found, rendered by RenderSiteYaml.
struct SiteDraft {
  std::string id;
  std::string name;
  std::string level = "province";
  std::string province;
  std::string district;
  std::string commune;
  std::string base_url;
  std::vector<std::string> seeds;
  std::vector<std::string> feeds;
  CmsGuess cms;
  std::vector<std::string> article_regexes;
  std::vector<std::string> listing_regexes;
  ExtractRules rules;         // Verified selectors only.
  bool rules_active = false;  // false: written commented out (the preset already covers them).
  std::vector<std::string> unsure;   // One "# unsure: ..." comment each.
  std::vector<std::string> sources;  // What the draft was built from (URLs or files).
};

// The site file text in the format of config/sites/*/*.yaml: the yaml-language-server schema
// line first, `verified: false`, and comments for everything the wizard is unsure of.
std::string RenderSiteYaml(const SiteDraft& draft);

// A site id from a host: "www.quangyen.quangninh.gov.vn" -> "quangyen-quangninh".
std::string SiteIdFromHost(std::string_view host);

// Guesses the locality level from a portal name ("xã"/"phường" -> commune, "huyện"/"quận"/
// "thị xã" -> district, "Bộ" -> ministry, else province); *sure is false for the fallback.
std::string GuessLevel(std::string_view name, bool* sure);

// Phrases of page chrome that must never end up in an article body.
const std::vector<std::string>& ChromePhrases();

// The problems `test-site` reports for one extracted article page (no title, no date, body
// shorter than 200 bytes, chrome phrases in the body, rules that fell back to generic).
std::vector<std::string> ArticleProblems(const Article& article, bool has_rules);

}  // namespace tincrawl

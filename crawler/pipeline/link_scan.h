#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace tincrawl {

// Every link target of an HTML page, found by a single forward scan of the bytes (no DOM):
// href of <a> and <area>, and href of <link rel="alternate"> feeds. Attribute values are
// unquoted and their character references (&amp; &#38; &#x26;) decoded; javascript:, mailto:,
// tel:, data: and fragment-only targets are skipped; <base href> is returned separately. Values
// are returned raw (not resolved), in document order, at most `max_links` of them. Linear in
// the input, tolerant of broken markup, never reads past the end.
struct ScannedLinks {
  std::string base_href;           // From <base href=...>, empty when absent.
  std::vector<std::string> hrefs;  // <a>/<area> targets.
  std::vector<std::string> feeds;  // <link rel=alternate type=application/rss+xml|atom+xml>.
};

ScannedLinks ScanLinks(std::string_view html, size_t max_links = 5000);

// True when `hay` contains the lower-case ASCII `needle`, ignoring ASCII case in `hay`.
bool ContainsNoCase(std::string_view hay, std::string_view needle);

}  // namespace tincrawl

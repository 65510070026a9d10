#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "extractors/dom.h"

namespace tincrawl {

// One decoded and parsed document plus the metadata read from it in a single tree walk. Shared
// by the rule-driven and the generic extractors so the page is parsed exactly once.
struct Page {
  std::string html;  // NFC UTF-8; gumbo's original_* pieces point into it.
  GumboOutputPtr output;
  const GumboNode* body = nullptr;  // <body>, or the root when there is none.
  std::string base_url;             // The page URL, or <base href> resolved against it.
  std::string lang;
  std::string canonical_url;
  std::string title_tag;  // CleanText of <title>.
  std::string og_title;
  std::string site_name;  // og:site_name / application-name.
  std::string meta_author;
  std::string meta_published;  // RFC 3339 from article:published_time, datePublished, ...
  std::string meta_modified;
  std::vector<const GumboNode*> scripts;  // Every <script>, for ScriptPublished.
  bool parser_aborted = false;  // gumbo gave up on the markup; the tree is an empty document.
};

// Parses `html` (moved in) and reads <html lang>, <base>, canonical/og:url, <title>, og:title,
// og:site_name, author and date metas, <time datetime> and itemprop dates, and lists the
// scripts.
Page LoadPage(std::string html, std::string_view url);

// RFC 3339 of the first datePublished-like key ("datePublished", "publishedDate", "pubDate",
// ...) with a date string value in the page's scripts (JSON-LD included), or "". Scans the
// script text, so callers ask only when the page offers no other date.
std::string ScriptPublished(const Page& page);

// The first non-empty value `read` returns for the text of one of the page's scripts, in page
// order; empty when none gives one.
std::string FirstInScripts(const Page& page, std::string (*read)(std::string_view));

// True when the element's class/id/role or tag marks page chrome (menus, sidebars, footers,
// related-news boxes, counters, share/print bars, ...), as opposed to article content.
bool IsChromeElement(const GumboNode* node);

// How sure the class/id/role is: kDecisive for boxes that are never the text whatever else
// they hold or whatever content class they also carry (related or other news, about the
// author, cookie and privacy consent), which no relaxed reading of the page's chrome may take
// into the content.
enum class Chrome { kNone, kChrome, kDecisive };
Chrome ClassifyChrome(const GumboNode* node);

// True when `node` is chrome only for the word "header" in its class, id or role ("entry-header",
// "post-header"): inside an article that is the article's own header (headline, standfirst).
bool IsHeaderChromeOnly(const GumboNode* node);

// True when `node` or an ancestor (below <body>) is chrome or hidden.
bool InChrome(const GumboNode* node);

// Strips portal suffixes ("... - CỔNG THÔNG TIN ĐIỆN TỬ TỈNH X", "... | Sở Y tế", "... - " +
// site name) and a leading "Tin tức - " style prefix from a <title>/og:title string.
std::string StripPortalSuffix(std::string_view title, std::string_view site_name);

// The first plausible publication date in the text that follows `anchor` in document order
// (within a small budget of characters, skipping chrome), or just before it. Empty when none.
std::string DateNear(const GumboNode* anchor, const std::vector<std::string>& hints);

// Date from an element chosen by a rule: its datetime/content attribute, else FindDate on text.
std::string DateOfElement(const GumboNode* node, const std::vector<std::string>& hints);

}  // namespace tincrawl

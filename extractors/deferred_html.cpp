#include "extractors/deferred_html.h"

#include <string.h>

#include <array>
#include <string_view>

#include "extractors/dom.h"

namespace tincrawl {
namespace {

// The value of the `type` attribute inside the start tag `tag` ("<script ...>"), lower-cased.
std::string TypeOf(std::string_view tag) {
  size_t at = FindIgnoreCase(tag, "type", 7);
  while (at != std::string_view::npos) {
    bool starts = tag[at - 1] == ' ' || tag[at - 1] == '\t' || tag[at - 1] == '\n' ||
                  tag[at - 1] == '\r' || tag[at - 1] == '\f';
    size_t i = at + 4;
    while (i < tag.size() && (tag[i] == ' ' || tag[i] == '\t' || tag[i] == '\n')) ++i;
    if (starts && i < tag.size() && tag[i] == '=') {
      ++i;
      while (i < tag.size() && (tag[i] == ' ' || tag[i] == '\t' || tag[i] == '\n')) ++i;
      char quote = i < tag.size() && (tag[i] == '"' || tag[i] == '\'') ? tag[i] : '\0';
      if (quote != '\0') ++i;
      std::string value;
      while (i < tag.size() && (quote != '\0' ? tag[i] != quote : tag[i] != ' ' && tag[i] != '>')) {
        value.push_back(LowerAscii(tag[i++]));
      }
      return value;
    }
    at = FindIgnoreCase(tag, "type", at + 4);
  }
  return {};
}

// Finished HTML prose: paragraph or break markup and none of the placeholders of the common
// client-side template languages (mustache/handlebars, underscore/EJS, ES template literals,
// Jinja-style, Knockout bindings).
bool IsFinishedProse(std::string_view text) {
  if (text.size() < kMinDeferredBytes) return false;
  if (!ContainsIgnoreCase(text, "<p") && !ContainsIgnoreCase(text, "<br")) {
    return false;
  }
  static constexpr std::array<std::string_view, 5> kPlaceholders = {"{{", "<%", "${", "{%",
                                                                    "data-bind"};
  for (std::string_view p : kPlaceholders) {
    if (text.find(p) != std::string_view::npos) return false;
  }
  return true;
}

// True when the start tag right before `at` (only whitespace between) opens an element that
// declares itself the post's text: schema.org articleBody, or a class/id naming the content,
// the post body or the entry. A template anywhere else (a cookie box, a widget) stays a script:
// its markup was written to be inserted elsewhere and need not nest where it stands.
bool OpensContent(std::string_view s, size_t at) {
  size_t end = at;
  while (end > 0 &&
         (s[end - 1] == ' ' || s[end - 1] == '\t' || s[end - 1] == '\n' || s[end - 1] == '\r')) {
    --end;
  }
  if (end == 0 || s[end - 1] != '>') return false;
  size_t start = s.rfind('<', end - 1);
  if (start == std::string_view::npos || end - start > 600 || start + 1 >= end) return false;
  char first = LowerAscii(s[start + 1]);
  if (first < 'a' || first > 'z') return false;  // An end tag, a comment or a doctype.
  std::string_view tag = s.substr(start, end - start);
  static constexpr std::array<std::string_view, 5> kMarkers = {"articlebody", "content",
                                                               "post-body", "postbody", "entry"};
  for (std::string_view m : kMarkers) {
    if (ContainsIgnoreCase(tag, m)) return true;
  }
  return false;
}

bool Mentions(std::string_view s, std::string_view needle) {
  return memmem(s.data(), s.size(), needle.data(), needle.size()) != nullptr;
}

// "text/html" as a whole quoted attribute value somewhere in the page.
bool QuotedTextHtml(std::string_view s) {
  constexpr std::string_view kType = "text/html";
  size_t from = 0;
  while (from < s.size()) {
    const void* hit = memmem(s.data() + from, s.size() - from, kType.data(), kType.size());
    if (hit == nullptr) return false;
    size_t at = static_cast<const char*>(hit) - s.data();
    size_t after = at + kType.size();
    if (at > 0 && after < s.size() && (s[at - 1] == '"' || s[at - 1] == '\'') &&
        s[after] == s[at - 1]) {
      return true;
    }
    from = after;
  }
  return false;
}

void Overwrite(std::string* html, size_t at, std::string_view with, size_t length) {
  for (size_t i = 0; i < length; ++i) (*html)[at + i] = i < with.size() ? with[i] : ' ';
}

}  // namespace

size_t UnwrapDeferredHtml(std::string* html) {
  std::string_view s(*html);
  // Nearly every page has no such script: memmem decides in a pass that is cheap next to the
  // parse. ("text/html" alone is in every http-equiv content type: only a quoted one counts.)
  if (!Mentions(s, "text/template") && !QuotedTextHtml(s)) return 0;
  size_t count = 0;
  size_t at = FindIgnoreCase(s, "<script", 0);
  while (at != std::string_view::npos) {
    size_t tag_end = s.find('>', at);
    if (tag_end == std::string_view::npos) break;
    size_t close = FindIgnoreCase(s, "</script", tag_end);
    if (close == std::string_view::npos) break;
    std::string type = TypeOf(s.substr(at, tag_end - at));
    std::string_view text = s.substr(tag_end + 1, close - tag_end - 1);
    if ((type == "text/template" || type == "text/html") && OpensContent(s, at) &&
        IsFinishedProse(text)) {
      Overwrite(html, at, "<div", 7);      // "<script" -> "<div   ": the attributes stay.
      Overwrite(html, close, "</div", 8);  // "</script" -> "</div   ".
      ++count;
    }
    at = FindIgnoreCase(s, "<script", close + 8);
  }
  return count;
}

}  // namespace tincrawl

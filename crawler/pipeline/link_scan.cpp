#include "crawler/pipeline/link_scan.h"

#include <cstring>

#include "extractors/text.h"

namespace tincrawl {

namespace {

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }

bool StartsWithNoCase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (Lower(s[i]) != prefix[i]) return false;
  }
  return true;
}

// Decodes the character references that occur in URLs; others are kept as written.
std::string DecodeEntities(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (size_t i = 0; i < v.size(); ++i) {
    if (v[i] != '&') {
      out.push_back(v[i]);
      continue;
    }
    std::string_view rest = v.substr(i);
    if (StartsWithNoCase(rest, "&amp;")) {
      out.push_back('&');
      i += 4;
    } else if (StartsWithNoCase(rest, "&quot;")) {
      out.push_back('"');
      i += 5;
    } else if (rest.size() > 3 && rest[1] == '#') {
      bool hex = rest[2] == 'x' || rest[2] == 'X';
      size_t j = hex ? 3 : 2;
      unsigned long cp = 0;
      size_t digits = 0;
      for (; j < rest.size() && digits < 8; ++j, ++digits) {
        char c = Lower(rest[j]);
        int d = (c >= '0' && c <= '9')          ? c - '0'
                : (hex && c >= 'a' && c <= 'f') ? c - 'a' + 10
                                                : -1;
        if (d < 0) break;
        cp = cp * (hex ? 16 : 10) + static_cast<unsigned long>(d);
      }
      if (digits == 0) {
        out.push_back('&');
        continue;
      }
      AppendUtf8(cp == 0 ? U'\uFFFD' : static_cast<char32_t>(cp), &out);
      i += j - 1 + (j < rest.size() && rest[j] == ';' ? 1 : 0);
    } else {
      out.push_back('&');
    }
  }
  return out;
}

struct Tag {
  std::string_view name;  // Lower-case comparisons are done by the caller.
  std::string_view href, rel, type;
};

// Parses the attributes of a start tag beginning at html[pos] (just after the name); returns
// the position after '>' (or the end).
size_t ParseAttributes(std::string_view html, size_t pos, Tag* tag) {
  const size_t n = html.size();
  while (pos < n) {
    while (pos < n && (IsSpace(html[pos]) || html[pos] == '/')) ++pos;
    if (pos >= n) break;
    if (html[pos] == '>') return pos + 1;
    size_t name_start = pos;
    while (pos < n && !IsSpace(html[pos]) && html[pos] != '=' && html[pos] != '>') ++pos;
    std::string_view name = html.substr(name_start, pos - name_start);
    while (pos < n && IsSpace(html[pos])) ++pos;
    std::string_view value;
    if (pos < n && html[pos] == '=') {
      ++pos;
      while (pos < n && IsSpace(html[pos])) ++pos;
      if (pos < n && (html[pos] == '"' || html[pos] == '\'')) {
        char q = html[pos++];
        size_t end = html.find(q, pos);
        if (end == std::string_view::npos) end = n;
        value = html.substr(pos, end - pos);
        pos = end + 1;
      } else {
        size_t start = pos;
        while (pos < n && !IsSpace(html[pos]) && html[pos] != '>') ++pos;
        value = html.substr(start, pos - start);
      }
    }
    if (name.size() == 4 && StartsWithNoCase(name, "href")) tag->href = value;
    if (name.size() == 3 && StartsWithNoCase(name, "rel")) tag->rel = value;
    if (name.size() == 4 && StartsWithNoCase(name, "type")) tag->type = value;
  }
  return n;
}

std::string Trim(std::string_view v) {
  size_t b = 0, e = v.size();
  while (b < e && IsSpace(v[b])) ++b;
  while (e > b && IsSpace(v[e - 1])) --e;
  return std::string(v.substr(b, e - b));
}

bool Skippable(std::string_view href) {
  return href.empty() || href[0] == '#' || StartsWithNoCase(href, "javascript:") ||
         StartsWithNoCase(href, "mailto:") || StartsWithNoCase(href, "tel:") ||
         StartsWithNoCase(href, "data:");
}

// Skips raw-text elements whose content is not markup.
size_t SkipRawText(std::string_view html, size_t pos, std::string_view name) {
  std::string close = "</" + std::string(name);
  for (size_t i = pos; i + close.size() <= html.size(); ++i) {
    if (html[i] == '<' && StartsWithNoCase(html.substr(i), close)) return i;
  }
  return html.size();
}

}  // namespace

bool ContainsNoCase(std::string_view hay, std::string_view needle) {
  for (size_t i = 0; i + needle.size() <= hay.size(); ++i) {
    if (StartsWithNoCase(hay.substr(i), needle)) return true;
  }
  return false;
}

ScannedLinks ScanLinks(std::string_view html, size_t max_links) {
  ScannedLinks out;
  size_t pos = 0;
  const size_t n = html.size();
  while (pos < n && out.hrefs.size() < max_links) {
    const void* lt = std::memchr(html.data() + pos, '<', n - pos);
    if (lt == nullptr) break;
    pos = static_cast<size_t>(static_cast<const char*>(lt) - html.data()) + 1;
    if (pos < n && html[pos] == '!') {  // Comment or doctype.
      size_t end = html.compare(pos, 3, "!--") == 0 ? html.find("-->", pos) : html.find('>', pos);
      pos = end == std::string_view::npos ? n : end + 1;
      continue;
    }
    size_t name_start = pos;
    while (pos < n && !IsSpace(html[pos]) && html[pos] != '>' && html[pos] != '/') ++pos;
    Tag tag;
    tag.name = html.substr(name_start, pos - name_start);
    bool is_a = tag.name.size() == 1 && Lower(tag.name[0]) == 'a';
    bool is_area = tag.name.size() == 4 && StartsWithNoCase(tag.name, "area");
    bool is_link = tag.name.size() == 4 && StartsWithNoCase(tag.name, "link");
    bool is_base = tag.name.size() == 4 && StartsWithNoCase(tag.name, "base");
    if (tag.name.size() == 6 && StartsWithNoCase(tag.name, "script")) {
      pos = SkipRawText(html, pos, "script");
      continue;
    }
    if (tag.name.size() == 5 && StartsWithNoCase(tag.name, "style")) {
      pos = SkipRawText(html, pos, "style");
      continue;
    }
    if (!(is_a || is_area || is_link || is_base)) continue;
    pos = ParseAttributes(html, pos, &tag);
    std::string href = Trim(DecodeEntities(tag.href));
    if (Skippable(href)) continue;
    if (is_base) {
      if (out.base_href.empty()) out.base_href = std::move(href);
    } else if (is_link) {
      if (ContainsNoCase(tag.rel, "alternate") &&
          (ContainsNoCase(tag.type, "rss") || ContainsNoCase(tag.type, "atom"))) {
        out.feeds.push_back(std::move(href));
      }
    } else {
      out.hrefs.push_back(std::move(href));
    }
  }
  return out;
}

}  // namespace tincrawl

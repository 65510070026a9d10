#include "extractors/charset_sniff.h"

#include <string>
#include <unordered_set>

// What a page declares about its encoding: the WHATWG label table, the Content-Type charset
// parameter and the HTML5 <meta> prescan. Checking the declaration against the bytes is
// charset.cpp's job.

namespace tincrawl {
namespace {

constexpr size_t kPrescanBytes = 1024;  // HTML5: the meta prescan looks this far.

// ------------------------------------------------------------------------------------------
// Labels (a subset of the WHATWG Encoding Standard table: what Vietnamese portals and the
// encodings ICU can decode actually use).

struct LabelEntry {
  std::string_view label;
  std::string_view name;
};

constexpr LabelEntry kLabels[] = {
    {"utf-8", "utf-8"},
    {"utf8", "utf-8"},
    {"unicode-1-1-utf-8", "utf-8"},
    {"unicode11utf8", "utf-8"},
    {"unicode20utf8", "utf-8"},
    {"x-unicode20utf8", "utf-8"},
    {"ansi_x3.4-1968", "windows-1252"},
    {"ascii", "windows-1252"},
    {"cp1252", "windows-1252"},
    {"cp819", "windows-1252"},
    {"csisolatin1", "windows-1252"},
    {"ibm819", "windows-1252"},
    {"iso-8859-1", "windows-1252"},
    {"iso-ir-100", "windows-1252"},
    {"iso8859-1", "windows-1252"},
    {"iso88591", "windows-1252"},
    {"iso_8859-1", "windows-1252"},
    {"iso_8859-1:1987", "windows-1252"},
    {"l1", "windows-1252"},
    {"latin1", "windows-1252"},
    {"us-ascii", "windows-1252"},
    {"windows-1252", "windows-1252"},
    {"x-cp1252", "windows-1252"},
    {"x-user-defined", "windows-1252"},
    {"cp1258", "windows-1258"},
    {"windows-1258", "windows-1258"},
    {"x-cp1258", "windows-1258"},
    {"csunicode", "utf-16le"},
    {"iso-10646-ucs-2", "utf-16le"},
    {"ucs-2", "utf-16le"},
    {"unicode", "utf-16le"},
    {"unicodefeff", "utf-16le"},
    {"utf-16", "utf-16le"},
    {"utf-16le", "utf-16le"},
    {"unicodefffe", "utf-16be"},
    {"utf-16be", "utf-16be"},
    {"cp1250", "windows-1250"},
    {"windows-1250", "windows-1250"},
    {"x-cp1250", "windows-1250"},
    {"cp1251", "windows-1251"},
    {"windows-1251", "windows-1251"},
    {"x-cp1251", "windows-1251"},
    {"iso-8859-2", "iso-8859-2"},
    {"latin2", "iso-8859-2"},
    {"iso-8859-5", "iso-8859-5"},
    {"iso-8859-7", "iso-8859-7"},
    {"iso-8859-15", "iso-8859-15"},
    {"latin9", "iso-8859-15"},
    {"koi8-r", "koi8-r"},
    {"gb2312", "gbk"},
    {"gbk", "gbk"},
    {"gb18030", "gb18030"},
    {"big5", "big5"},
    {"shift_jis", "shift_jis"},
    {"sjis", "shift_jis"},
    {"euc-jp", "euc-jp"},
    {"euc-kr", "euc-kr"},
    {"windows-874", "windows-874"},
    {"tis-620", "windows-874"},
};

bool IsAsciiSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string LowerTrimmed(std::string_view s) {
  while (!s.empty() && IsAsciiSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsAsciiSpace(s.back())) s.remove_suffix(1);
  std::string out(s);
  for (char& c : out) c = Lower(c);
  return out;
}

// The canonical encoding name of a label, or "" when the label is unknown (then ignored).
}  // namespace

std::string_view CanonicalCharset(std::string_view label) {
  const std::string key = LowerTrimmed(label);
  for (const LabelEntry& e : kLabels) {
    if (e.label == key) return e.name;
  }
  return {};
}

namespace {

bool StartsWithCi(std::string_view s, size_t pos, std::string_view prefix) {
  if (pos > s.size() || s.size() - pos < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (Lower(s[pos + i]) != prefix[i]) return false;
  }
  return true;
}

// ------------------------------------------------------------------------------------------
// Content-Type and <meta> prescan.

// The charset in a "text/html; charset=..." value, or in a meta content attribute (HTML5
// "extracting a character encoding from a meta element"). Empty when there is none.
}  // namespace

std::string ExtractCharsetParam(std::string_view s) {
  size_t pos = 0;
  while (true) {
    size_t found = std::string_view::npos;
    for (size_t i = pos; i + 7 <= s.size(); ++i) {
      if (StartsWithCi(s, i, "charset")) {
        found = i;
        break;
      }
    }
    if (found == std::string_view::npos) return {};
    size_t i = found + 7;
    while (i < s.size() && IsAsciiSpace(s[i])) ++i;
    if (i >= s.size() || s[i] != '=') {
      pos = i;
      continue;
    }
    ++i;
    while (i < s.size() && IsAsciiSpace(s[i])) ++i;
    if (i >= s.size()) return {};
    if (s[i] == '"' || s[i] == '\'') {
      const size_t close = s.find(s[i], i + 1);
      if (close == std::string_view::npos) return {};
      return std::string(s.substr(i + 1, close - i - 1));
    }
    size_t end = i;
    while (end < s.size() && !IsAsciiSpace(s[end]) && s[end] != ';') ++end;
    return std::string(s.substr(i, end - i));
  }
}

namespace {

struct Attribute {
  std::string name;
  std::string value;
};

// HTML5 "get an attribute" over the prescan window; false when the tag ended.
bool GetAttribute(std::string_view s, size_t* pos, Attribute* attr) {
  size_t i = *pos;
  while (i < s.size() && (IsAsciiSpace(s[i]) || s[i] == '/')) ++i;
  if (i >= s.size() || s[i] == '>') {
    *pos = i;
    return false;
  }
  attr->name.clear();
  attr->value.clear();
  while (i < s.size()) {
    const char c = s[i];
    if (c == '=' && !attr->name.empty()) break;
    if (IsAsciiSpace(c)) {
      while (i < s.size() && IsAsciiSpace(s[i])) ++i;
      if (i >= s.size() || s[i] != '=') {
        *pos = i;
        return true;
      }
      break;
    }
    if (c == '/' || c == '>') {
      *pos = i;
      return true;
    }
    attr->name.push_back(Lower(c));
    ++i;
  }
  ++i;  // The '='.
  while (i < s.size() && IsAsciiSpace(s[i])) ++i;
  if (i < s.size() && (s[i] == '"' || s[i] == '\'')) {
    const char quote = s[i++];
    while (i < s.size() && s[i] != quote) attr->value.push_back(Lower(s[i++]));
    *pos = i < s.size() ? i + 1 : i;
    return true;
  }
  while (i < s.size() && !IsAsciiSpace(s[i]) && s[i] != '>') attr->value.push_back(Lower(s[i++]));
  *pos = i;
  return true;
}

// The encoding declared by the <meta> tag whose attributes start at `*pos`, or "".
std::string_view CharsetFromMeta(std::string_view s, size_t* pos) {
  std::unordered_set<std::string> seen;
  bool got_pragma = false;
  int need_pragma = -1;  // -1 unknown, 0 no, 1 yes.
  std::string charset;
  Attribute attr;
  while (GetAttribute(s, pos, &attr)) {
    if (!seen.insert(attr.name).second) continue;
    if (attr.name == "http-equiv") {
      got_pragma = got_pragma || attr.value == "content-type";
    } else if (attr.name == "content" && charset.empty()) {
      charset = ExtractCharsetParam(attr.value);
      if (!charset.empty()) need_pragma = 1;
    } else if (attr.name == "charset") {
      charset = attr.value;
      need_pragma = 0;
    }
  }
  if (need_pragma == -1 || (need_pragma == 1 && !got_pragma) || charset.empty()) return {};
  const std::string_view name = CanonicalCharset(charset);
  return IsUtf16Charset(name) ? "utf-8" : name;  // HTML5: a meta claiming UTF-16 means UTF-8.
}

// Skips a tag name and its attributes (so that "<div title='<meta charset=x>'>" is not read).
void SkipTag(std::string_view s, size_t* pos) {
  while (*pos < s.size() && !IsAsciiSpace(s[*pos]) && s[*pos] != '>') ++*pos;
  Attribute attr;
  while (GetAttribute(s, pos, &attr)) {
  }
}

bool IsAsciiAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

}  // namespace

std::string_view PrescanMeta(std::string_view bytes) {
  const std::string_view s = bytes.substr(0, kPrescanBytes);
  size_t i = 0;
  while (i < s.size()) {
    if (s.compare(i, 4, "<!--") == 0) {
      const size_t end = s.find("-->", i + 2);
      if (end == std::string_view::npos) return {};
      i = end + 3;
      continue;
    }
    if (StartsWithCi(s, i, "<meta") && i + 5 < s.size() &&
        (IsAsciiSpace(s[i + 5]) || s[i + 5] == '/')) {
      size_t pos = i + 5;
      const std::string_view name = CharsetFromMeta(s, &pos);
      if (!name.empty()) return name;
      i = pos + 1;
      continue;
    }
    if (s[i] == '<' && i + 1 < s.size() &&
        (IsAsciiAlpha(s[i + 1]) ||
         (s[i + 1] == '/' && i + 2 < s.size() && IsAsciiAlpha(s[i + 2])))) {
      size_t pos = i + 1;
      SkipTag(s, &pos);
      i = pos + 1;
      continue;
    }
    if (s[i] == '<' && i + 1 < s.size() &&
        (s[i + 1] == '!' || s[i + 1] == '/' || s[i + 1] == '?')) {
      const size_t end = s.find('>', i + 2);
      if (end == std::string_view::npos) return {};
      i = end + 1;
      continue;
    }
    ++i;
  }
  return {};
}

bool IsUtf16Charset(std::string_view name) { return name == "utf-16le" || name == "utf-16be"; }

}  // namespace tincrawl

#include "extractors/script_body.h"

#include <charconv>

#include "extractors/text.h"

namespace tincrawl {
namespace {

// The four hex digits at s[i], or -1.
long Hex4(std::string_view s, size_t i) {
  if (i + 4 > s.size()) return -1;
  unsigned v = 0;
  auto [end, ec] = std::from_chars(s.data() + i, s.data() + i + 4, v, 16);
  return ec == std::errc() && end == s.data() + i + 4 ? static_cast<long>(v) : -1;
}

// Appends the escape at s[*i] (just after the backslash) and moves *i past it.
void AppendEscape(std::string_view s, size_t* i, std::string* out) {
  char c = s[*i];
  ++*i;
  switch (c) {
    case 'n':
      out->push_back('\n');
      return;
    case 'r':
      out->push_back('\n');
      return;
    case 't':
      out->push_back('\t');
      return;
    case 'b':
    case 'f':
      out->push_back(' ');
      return;
    case 'u':
      break;
    default:
      out->push_back(c);
      return;  // \" \\ \/ and lenient others.
  }
  long cp = Hex4(s, *i);
  if (cp < 0) return;
  *i += 4;
  if (cp >= 0xD800 && cp <= 0xDBFF && *i + 6 <= s.size() && s[*i] == '\\' && s[*i + 1] == 'u') {
    long low = Hex4(s, *i + 2);
    if (low >= 0xDC00 && low <= 0xDFFF) {
      cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
      *i += 6;
    }
  }
  if (cp >= 0xD800 && cp <= 0xDFFF) cp = 0xFFFD;  // A lone surrogate.
  AppendUtf8(static_cast<char32_t>(cp), out);
}

// The articleBody value in one script's text, or empty.
std::string BodyInScript(std::string_view s) {
  static constexpr std::string_view kKey = "\"articleBody\"";
  for (size_t p = s.find(kKey); p != std::string_view::npos; p = s.find(kKey, p + 1)) {
    size_t q = p + kKey.size();
    while (q < s.size() && (s[q] == ' ' || s[q] == '\n' || s[q] == '\t' || s[q] == '\r')) ++q;
    if (q >= s.size() || s[q] != ':') continue;
    ++q;
    while (q < s.size() && (s[q] == ' ' || s[q] == '\n' || s[q] == '\t' || s[q] == '\r')) ++q;
    if (q >= s.size() || s[q] != '"') continue;
    std::string body = DecodeJsonString(s, q);
    if (!body.empty()) return body;
  }
  return {};
}

}  // namespace

std::string DecodeJsonString(std::string_view s, size_t start) {
  std::string out;
  for (size_t i = start + 1; i < s.size();) {
    char c = s[i];
    if (c == '"') return out;
    if (c == '\\' && i + 1 < s.size()) {
      ++i;
      AppendEscape(s, &i, &out);
      continue;
    }
    out.push_back(c);
    ++i;
  }
  return {};
}

std::string ScriptArticleBody(const Page& page) { return FirstInScripts(page, BodyInScript); }

std::vector<std::string> ScriptParagraphs(const Page& page) {
  std::string raw = ScriptArticleBody(page);
  std::vector<std::string> out;
  // Markup, raw or entity-escaped, is not text.
  for (std::string_view mark : {"</", "<br", "&lt;", "&amp;", "&quot;"}) {
    if (raw.find(mark) != std::string::npos) return out;
  }
  size_t start = 0;
  while (start <= raw.size()) {
    size_t end = raw.find('\n', start);
    if (end == std::string::npos) end = raw.size();
    std::string line = CleanText(std::string_view(raw).substr(start, end - start));
    if (!line.empty()) out.push_back(std::move(line));
    start = end + 1;
  }
  return out;
}

}  // namespace tincrawl

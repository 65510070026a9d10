#include "crawler/pipeline/markup_scanner.h"

#include <algorithm>
#include <array>
#include <charconv>

#include "extractors/text.h"

namespace tincrawl {
namespace {

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }

// Decodes the XML entities and the few HTML ones feeds use; a stray '&' stays as it is.
void AppendDecoded(std::string* out, std::string_view in) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 13> kNamed = {
      {{"amp", "&"},
       {"lt", "<"},
       {"gt", ">"},
       {"quot", "\""},
       {"apos", "'"},
       {"nbsp", " "},
       {"raquo", "\u00bb"},
       {"laquo", "\u00ab"},
       {"rsaquo", "\u203a"},
       {"lsaquo", "\u2039"},
       {"rarr", "\u2192"},
       {"larr", "\u2190"},
       {"hellip", "\u2026"}}};
  for (size_t i = 0; i < in.size(); ++i) {
    const size_t semi = in[i] == '&' ? in.find(';', i) : std::string_view::npos;
    if (semi == std::string_view::npos || semi - i > 10) {
      out->push_back(in[i]);
      continue;
    }
    const std::string_view name = in.substr(i + 1, semi - i - 1);
    bool done = false;
    if (name.size() > 1 && name[0] == '#') {
      const bool hex = name[1] == 'x' || name[1] == 'X';
      uint32_t cp = 0;
      const std::string_view digits = name.substr(hex ? 2 : 1);
      const auto r =
          std::from_chars(digits.data(), digits.data() + digits.size(), cp, hex ? 16 : 10);
      if (r.ec == std::errc() && r.ptr == digits.data() + digits.size()) {
        AppendUtf8(cp == 0 ? U'\uFFFD' : static_cast<char32_t>(cp), out);
        done = true;
      }
    }
    for (const auto& [entity, text] : kNamed) {
      if (!done && name == entity) {
        out->append(text);
        done = true;
      }
    }
    if (done) {
      i = semi;
    } else {
      out->push_back('&');
    }
  }
}

}  // namespace

std::string LowerCopy(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), Lower);
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

MarkupScanner::Kind MarkupScanner::Next() {
  while (pos_ < in_.size()) {
    if (in_[pos_] != '<') {
      const size_t end = std::min(in_.find('<', pos_), in_.size());
      text_.clear();
      AppendDecoded(&text_, in_.substr(pos_, end - pos_));
      pos_ = end;
      return kText;
    }
    const std::string_view rest = in_.substr(pos_);
    if (rest.substr(0, 9) == "<![CDATA[") {
      const size_t end = std::min(in_.find("]]>", pos_ + 9), in_.size());
      text_.assign(in_.substr(pos_ + 9, end - pos_ - 9));
      pos_ = std::min(end + 3, in_.size());
      return kText;
    }
    if (rest.substr(0, 4) == "<!--") {
      pos_ = std::min(in_.find("-->", pos_ + 4), in_.size() - 3) + 3;
      continue;
    }
    const Kind kind = ScanTag();
    if (kind != kDone) return kind;
  }
  return kDone;
}

MarkupScanner::Kind MarkupScanner::ScanTag() {
  const size_t start = pos_ + 1;
  const size_t end = std::min(in_.find('>', start), in_.size());
  pos_ = std::min(end + 1, in_.size());
  if (start >= in_.size()) return kDone;
  const char first = in_[start];
  if (first == '!' || first == '?') return kDone;  // Declaration: keep scanning.
  const bool closing = first == '/';
  size_t p = closing ? start + 1 : start;
  const size_t name_start = p;
  while (p < end && !IsSpace(in_[p]) && in_[p] != '/' && in_[p] != '>') ++p;
  if (p == name_start) return kDone;
  name_ = LowerCopy(in_.substr(name_start, p - name_start));
  self_closing_ = end > start && in_[end - 1] == '/';
  attrs_.clear();
  if (closing) return kEnd;
  ScanAttrs(p, end);
  return kStart;
}

void MarkupScanner::ScanAttrs(size_t from, size_t end) {
  size_t p = from;
  while (p < end) {
    while (p < end && (IsSpace(in_[p]) || in_[p] == '/')) ++p;
    const size_t key_start = p;
    while (p < end && !IsSpace(in_[p]) && in_[p] != '=' && in_[p] != '/') ++p;
    if (p == key_start) break;
    std::string key = LowerCopy(in_.substr(key_start, p - key_start));
    std::string value;
    while (p < end && IsSpace(in_[p])) ++p;
    if (p < end && in_[p] == '=') {
      ++p;
      while (p < end && IsSpace(in_[p])) ++p;
      size_t v_end;
      if (p < end && (in_[p] == '"' || in_[p] == '\'')) {
        v_end = std::min(in_.find(in_[p], p + 1), end);
        AppendDecoded(&value, in_.substr(p + 1, v_end - p - 1));
        ++v_end;
      } else {
        v_end = p;
        while (v_end < end && !IsSpace(in_[v_end])) ++v_end;
        AppendDecoded(&value, in_.substr(p, v_end - p));
      }
      p = v_end;
    }
    attrs_.emplace_back(std::move(key), std::move(value));
  }
}

std::string MarkupScanner::Attr(std::string_view attr) const {
  for (const auto& [k, v] : attrs_) {
    if (k == attr) return v;
  }
  return std::string();
}

}  // namespace tincrawl

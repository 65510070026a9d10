#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tincrawl {

// Markup scanning shared by the feed/sitemap parser (discovery.cpp) and pagination
// (pagination.cpp).

// ASCII lower-case copy of `s`.
std::string LowerCopy(std::string_view s);

// `s` without leading and trailing HTML whitespace.
std::string_view Trim(std::string_view s);

// A tolerant, linear XML/HTML tokenizer: tags with attributes, text, CDATA; comments,
// declarations and processing instructions are skipped. Never reads past the input.
class MarkupScanner {
 public:
  enum Kind { kText, kStart, kEnd, kDone };

  explicit MarkupScanner(std::string_view in) : in_(in) {}

  Kind Next();
  // Lower-cased qualified name ("news:publication_date") of the last tag.
  const std::string& name() const { return name_; }
  bool self_closing() const { return self_closing_; }
  // Attribute value (entities decoded) of the last start tag, "" when absent.
  std::string Attr(std::string_view attr) const;
  // The last text token, decoded.
  const std::string& text() const { return text_; }

 private:
  Kind ScanTag();
  void ScanAttrs(size_t from, size_t end);

  std::string_view in_;
  size_t pos_ = 0;
  std::string name_;
  bool self_closing_ = false;
  std::vector<std::pair<std::string, std::string>> attrs_;
  std::string text_;
};

}  // namespace tincrawl

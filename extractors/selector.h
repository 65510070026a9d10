#pragma once

#include <gumbo.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace tincrawl {

// A compiled CSS selector list over a gumbo tree. Supports type, universal, `.class`, `#id`,
// `[attr]`, `[attr=v]`, `[attr~=v]`, `[attr*=v]`, `[attr^=v]`, `[attr$=v]`, descendant and child
// combinators, `:not(...)` and comma-separated selector lists.
class Selector {
 public:
  // Parses `text`. On failure returns nullptr and sets *error to a message that names the
  // offending position ("unexpected ')' at column 7").
  static std::unique_ptr<Selector> Parse(std::string_view text, std::string* error);

  ~Selector();
  Selector(const Selector&) = delete;
  Selector& operator=(const Selector&) = delete;

  // True when `node` (an element) matches any selector of the list.
  bool Matches(const GumboNode* node) const;

  // Every matching element under `root` (root included), in document order.
  std::vector<const GumboNode*> SelectAll(const GumboNode* root) const;

  // The first matching element in document order, or nullptr.
  const GumboNode* SelectFirst(const GumboNode* root) const;

  struct Impl;

 private:
  explicit Selector(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace tincrawl

#pragma once

#include <gumbo.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace tincrawl {

class GumboArena;

// Owns a tree returned by gumbo_parse_with_options: frees the arena it was parsed into, or,
// without an arena, the tree with the default options.
struct GumboOutputDeleter {
  GumboArena* arena = nullptr;
  void operator()(GumboOutput* output) const;
};
using GumboOutputPtr = std::unique_ptr<GumboOutput, GumboOutputDeleter>;

// Parses UTF-8 HTML into its own GumboArena. Error recording is disabled (it costs time and
// memory we never use). The returned tree borrows nothing from `utf8` except `original_*`
// pieces, so `utf8` must outlive it. `aborted` (optional) is set when gumbo tripped an internal
// assertion on the page; the result is then an empty document (and the partial tree is freed
// with its arena).
GumboOutputPtr ParseHtml(std::string_view utf8, bool* aborted = nullptr);

// Lower-case tag name of an element; for unknown tags ("<o:p>", "<section2>") the name is taken
// from the original source text. Empty for non-elements.
std::string_view TagName(const GumboNode* node);

inline bool IsElement(const GumboNode* node) {
  return node != nullptr && (node->type == GUMBO_NODE_ELEMENT || node->type == GUMBO_NODE_TEMPLATE);
}
inline bool IsTag(const GumboNode* node, GumboTag tag) {
  return IsElement(node) && node->v.element.tag == tag;
}

// Value of attribute `name` (ASCII, lower-case) or nullptr when absent.
const char* GetAttr(const GumboNode* node, std::string_view name);

// Whitespace-separated tokens of the class attribute.
std::vector<std::string_view> ClassList(const GumboNode* node);
bool HasClass(const GumboNode* node, std::string_view cls);

// True for <script>, <style>, <noscript>, <template>, <iframe>, <object>, <svg>, <head>, ruby
// annotations (<rt>, <rp>)... whose text is never article text.
bool IsInvisible(const GumboNode* node);

// True for elements that start a new line of text when rendered (p, div, li, h1..h6, tr, ...).
bool IsBlockTag(GumboTag tag);

// Appends the raw text under `root` (text, CDATA, whitespace nodes; invisible elements skipped)
// to *out. Iterative, so arbitrarily deep trees cannot overflow the stack.
void AppendRawText(const GumboNode* root, std::string* out);

// CleanText of the text under `root`.
std::string NodeText(const GumboNode* root);

// Pre-order traversal of `root` and its descendants without recursion. `visit(node)` returns
// false to skip the node's children.
template <typename Visit>
void WalkElements(const GumboNode* root, Visit&& visit) {
  if (!IsElement(root)) return;
  std::vector<const GumboNode*> stack{root};
  while (!stack.empty()) {
    const GumboNode* node = stack.back();
    stack.pop_back();
    if (!visit(node)) continue;
    const GumboVector& kids = node->v.element.children;
    for (unsigned i = kids.length; i > 0; --i) {
      const auto* kid = static_cast<const GumboNode*>(kids.data[i - 1]);
      if (IsElement(kid)) stack.push_back(kid);
    }
  }
}

// Resolves `ref` against the absolute URL `base` per RFC 3986 section 5.2 (with dot-segment
// removal). Returns `ref` trimmed when it is already absolute, and an empty string for
// "javascript:", "mailto:"-less fragments-only or unusable references when `base` is empty.
std::string ResolveUrl(std::string_view base, std::string_view ref);

inline char LowerAscii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

// Where the lower-cased ASCII of `haystack` holds `needle` (already lower-case ASCII) at or after
// `from`, or npos. An empty needle is found at `from`.
size_t FindIgnoreCase(std::string_view haystack, std::string_view needle, size_t from = 0);

// True when the lower-cased ASCII of `haystack` contains `needle` (already lower-case ASCII).
bool ContainsIgnoreCase(std::string_view haystack, std::string_view needle);

}  // namespace tincrawl

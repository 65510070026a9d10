#pragma once

#include <string>
#include <string_view>
#include <unordered_set>

#include "extractors/dom.h"

namespace tincrawl {

using NodeSet = std::unordered_set<const GumboNode*>;

// Appends the allow-listed HTML of `root`'s content (p, lists, tables, headings, b/i/u, a with
// absolute href, img with absolute src, figure/figcaption) to *out; other elements are
// unwrapped, and every node in `skip` and every invisible element is left out with its subtree.
// Elements in `captions` are written as <figcaption>, marking them as captions in place. Text is
// escaped and whitespace collapsed. Iterative: safe on arbitrarily deep trees.
void WriteBodyHtml(const GumboNode* root, const NodeSet& skip, const NodeSet& captions,
                   std::string_view base, std::string* out);

// The absolute URL of an <img> (src, data-src, data-original), or "" for none or a data: URL.
std::string ImageSource(const GumboNode* img, std::string_view base);

// True when the <img> declares a width or height under 40 pixels (icons, spacers).
bool IsTinyImage(const GumboNode* img);

}  // namespace tincrawl

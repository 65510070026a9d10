#pragma once

#include <cstddef>
#include <string>

namespace tincrawl {

// Some templates ship the post itself inside <script type="text/template"> (or "text/html") and
// let JavaScript insert it, so a parser sees the article as one opaque script text. Rewrites, in
// place and without changing the length, every such script whose text is finished HTML prose
// (paragraph or line-break markup, at least kMinDeferredBytes, and no template placeholders such
// as "{{", "<%", "${" or data-bind) into a <div>, so that its markup is parsed as the page's.
// Only a script that opens an element marked as the post's text is unwrapped (see OpensContent);
// scripts of any other type, and templates still to be filled in, are left alone. Returns how
// many scripts were unwrapped.
inline constexpr size_t kMinDeferredBytes = 400;
size_t UnwrapDeferredHtml(std::string* html);

}  // namespace tincrawl

#pragma once

#include <string>
#include <string_view>

// Internal to the extractors library: the declaration half of DecodeHtml (charset.h).

namespace tincrawl {

// The canonical encoding name ("utf-8", "windows-1258", ...) of a WHATWG label, or "" when the
// label is unknown (then the declaration is ignored).
std::string_view CanonicalCharset(std::string_view label);

// The charset in a "text/html; charset=..." value, or in a meta content attribute (HTML5
// "extracting a character encoding from a meta element"). Empty when there is none.
std::string ExtractCharsetParam(std::string_view s);

// The canonical encoding declared by <meta charset> / <meta http-equiv> in the first 1024 bytes
// (HTML5 prescan; a meta claiming UTF-16 means UTF-8), or "".
std::string_view PrescanMeta(std::string_view bytes);

// True for "utf-16le" and "utf-16be".
bool IsUtf16Charset(std::string_view name);

}  // namespace tincrawl

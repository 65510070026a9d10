#pragma once

#include <string_view>

#include "extractors/charset.h"

namespace tincrawl {

// DecodeHtml without its whole-document copies and NFC pass, for the common page: UTF-8 by BOM,
// by declaration, by default, or detected over a declared 8-bit charset, and well-formed. The
// charset decision is DecodeHtml's own, made on the 1024-byte prescan window: when the whole
// document is well-formed UTF-8, DecodeHtml picks UTF-8 for it exactly when it picks UTF-8 for
// that window. Only the short runs around code points that may change under NFC (a stray
// combining tone mark, CJK, ...) go through ICU.
// Returns true with out->utf8 and out->charset equal to what DecodeHtml(bytes, content_type)
// yields (out->replaced_invalid is false); false, with *out unspecified, when the page needs
// the full decoder (UTF-16, 8-bit charsets, ill-formed bytes).
bool DecodeHtmlFast(std::string_view bytes, std::string_view content_type, DecodedHtml* out);

}  // namespace tincrawl

#pragma once

#include <string>
#include <string_view>

#include "extractors/legacy_font.h"  // DecodeHtml callers convert legacy-font text with it.

namespace tincrawl {

struct DecodedHtml {
  std::string utf8;               // NFC UTF-8 text of the whole document.
  std::string charset;            // Canonical name used ("utf-8", "windows-1258", ...).
  std::string source;             // Why: "bom", "http", "meta", "detected", "default".
  bool replaced_invalid = false;  // Some bytes were invalid and became U+FFFD.
};

// Decodes an HTML document following the HTML5 encoding sniffing order (BOM, HTTP
// Content-Type charset, <meta charset>/<meta http-equiv> prescan of the first 1024 bytes), with
// ICU detection when no declaration exists or the declared one is contradicted by the bytes
// (e.g. "utf-8" declared but the bytes are not valid UTF-8). windows-1258 output (base letters
// plus combining marks) is normalized to NFC. Never throws; invalid bytes become U+FFFD.
// Undeclared 8-bit pages written in a legacy font (TCVN3/VNI) decode as windows-1252, like
// browsers show them; DecodeHtml does not convert them: run DetectLegacyFont/ConvertLegacyFont
// on the extracted text fields. Linear time in the input size.
DecodedHtml DecodeHtml(std::string_view bytes, std::string_view content_type);

}  // namespace tincrawl

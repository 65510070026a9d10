#pragma once

#include <string>
#include <string_view>

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

// Legacy Vietnamese 8-bit font encodings, as seen on pages using .VnTime (TCVN3/ABC) or
// VNI-Times fonts: the bytes were decoded as windows-1252/latin-1, so the text shows mojibake
// like "Th«ng b¸o" (TCVN3) or "Thoâng baùo" (VNI).
enum class LegacyFont { kNone, kTcvn3, kVni };

// Guesses whether `utf8` (already decoded text) is written in a legacy font encoding: the text
// must contain no (or almost no) Unicode Vietnamese letters, and converting it must produce
// common Vietnamese syllables ("của", "và", "thông", ...) in at least a quarter of its accented
// words. Plain Unicode Vietnamese, English, French or German text yields kNone.
LegacyFont DetectLegacyFont(std::string_view utf8);

// Converts legacy-font text to NFC Unicode. kNone returns the input unchanged.
std::string ConvertLegacyFont(std::string_view utf8, LegacyFont font);

}  // namespace tincrawl

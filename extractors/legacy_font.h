#pragma once

#include <string>
#include <string_view>

namespace tincrawl {

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

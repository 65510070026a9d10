#pragma once

#include <string>
#include <string_view>

namespace tincrawl {

// Unicode NFC of valid UTF-8 `utf8`; invalid sequences become U+FFFD (never dropped wholesale).
std::string NormalizeNfc(std::string_view utf8);

// Collapses every run of Unicode whitespace (incl. NBSP U+00A0, U+2000..U+200B, U+3000,
// U+FEFF) into one ASCII space and trims both ends. Input and output are UTF-8.
std::string CollapseWhitespace(std::string_view utf8);

// NFC + whitespace collapse: the canonical form of any extracted text field.
std::string CleanText(std::string_view utf8);

// Lower-cased (Unicode-aware, Vietnamese letters included) NFC text for phrase matching.
std::string FoldCase(std::string_view utf8);

// Lower-cased text with Vietnamese diacritics removed and "đ" mapped to "d", for matching
// class names, slugs and phrases regardless of accents ("Tin liên quan" -> "tin lien quan").
std::string FoldAscii(std::string_view utf8);

// True when `bytes` is well-formed UTF-8.
bool IsValidUtf8(std::string_view bytes);

// Low-level UTF-8 helpers shared by the decoding layer (charset.cpp, dates.cpp) and extractors.

// Decodes the code point of `bytes` starting at `*pos` and advances `*pos` past it. An ill-formed
// sequence yields U+FFFD and advances by its maximal subpart (the Unicode/WHATWG practice), so
// decoding always progresses and never swallows the valid bytes that follow.
// Precondition: *pos < bytes.size().
char32_t NextCodePoint(std::string_view bytes, size_t* pos);

// Appends the UTF-8 form of `cp` to `out`; surrogates and values above U+10FFFF become U+FFFD.
void AppendUtf8(char32_t cp, std::string* out);

// `bytes` with every ill-formed UTF-8 sequence replaced by U+FFFD. When `replaced` is non-null it
// is set to whether any replacement happened. Linear time; valid input is copied unchanged.
std::string SanitizeUtf8(std::string_view bytes, bool* replaced = nullptr);

// True for the letters only Vietnamese uses: ă â đ ĩ ũ ơ ư (both cases) and U+1EA0..U+1EF9
// (the precomposed tone forms).
bool IsVietnameseLetter(char32_t c);

}  // namespace tincrawl

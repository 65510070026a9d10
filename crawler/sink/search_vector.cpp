#include "crawler/sink/search_vector.h"

#include <unicode/normalizer2.h>
#include <unicode/translit.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>

#include <algorithm>
#include <memory>
#include <unordered_map>
#include <vector>

#include "extractors/text.h"

namespace tincrawl {
namespace {

constexpr size_t kMaxChars = 1000000;   // left(text, 1000000) of the server-side definition.
constexpr int kMaxPosition = 16383;     // PostgreSQL's MAXENTRYPOS - 1.
constexpr size_t kMaxPositions = 255;   // MAXNUMPOS - 1 positions per lexeme.
constexpr size_t kMaxWordBytes = 2047;  // Longer words are not indexed (MAXSTRLEN).

struct Range {
  char32_t lo;
  char32_t hi;
};
// Non-ASCII separators: Latin-1 punctuation and symbols, general punctuation through the
// miscellaneous symbols and arrows, supplemental punctuation, CJK symbols, small and fullwidth
// punctuation, the BOM, the specials (U+FFFD), and the emoji blocks. Kept in step with
// SearchSeparatorClass().
constexpr Range kSeparatorRanges[] = {
    {0x0080, 0x00BF}, {0x00D7, 0x00D7}, {0x00F7, 0x00F7}, {0x2000, 0x2BFF}, {0x2E00, 0x2E7F},
    {0x3000, 0x303F}, {0xFE10, 0xFE1F}, {0xFE30, 0xFE6F}, {0xFEFF, 0xFEFF}, {0xFF00, 0xFF0F},
    {0xFF1A, 0xFF20}, {0xFF3B, 0xFF40}, {0xFF5B, 0xFF65}, {0xFFF0, 0xFFFF}, {0x1F000, 0x1FAFF}};

bool IsSeparator(char32_t c) {
  if (c < 0x80) {
    return !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'));
  }
  return std::any_of(std::begin(kSeparatorRanges), std::end(kSeparatorRanges),
                     [c](const Range& r) { return c >= r.lo && c <= r.hi; });
}

bool IsCombiningMark(char32_t c) { return c >= 0x0300 && c <= 0x036F; }

// What unaccent makes of one character, cached per thread: Latin letters and symbols as CLDR's
// Latin-ASCII transliteration (the source of unaccent.rules), Greek letters and Cyrillic ё
// without their marks, everything else unchanged.
class Folder {
 public:
  Folder() {
    UErrorCode status = U_ZERO_ERROR;
    latin_.reset(icu::Transliterator::createInstance("Latin-ASCII", UTRANS_FORWARD, status));
    if (U_FAILURE(status)) latin_.reset();
    status = U_ZERO_ERROR;
    nfd_ = icu::Normalizer2::getNFDInstance(status);
    if (U_FAILURE(status)) nfd_ = nullptr;
  }

  const std::u32string& Fold(char32_t c) {
    auto it = memo_.find(c);
    if (it != memo_.end()) return it->second;
    return memo_.emplace(c, Compute(c)).first->second;
  }

 private:
  std::u32string Compute(char32_t c) const {
    if (IsCombiningMark(c)) return {};
    const auto cp = static_cast<UChar32>(c);
    const bool greek = (c >= 0x0370 && c <= 0x03FF) || (c >= 0x1F00 && c <= 0x1FFF);
    if (greek || c == 0x0401 || c == 0x0451) return StripMarks(c);
    const UBlockCode block = ublock_getCode(cp);
    static constexpr UBlockCode kLatinBlocks[] = {UBLOCK_LATIN_1_SUPPLEMENT,
                                                  UBLOCK_LATIN_EXTENDED_A,
                                                  UBLOCK_LATIN_EXTENDED_B,
                                                  UBLOCK_LATIN_EXTENDED_C,
                                                  UBLOCK_LATIN_EXTENDED_D,
                                                  UBLOCK_LATIN_EXTENDED_ADDITIONAL,
                                                  UBLOCK_IPA_EXTENSIONS,
                                                  UBLOCK_SPACING_MODIFIER_LETTERS,
                                                  UBLOCK_PHONETIC_EXTENSIONS,
                                                  UBLOCK_PHONETIC_EXTENSIONS_SUPPLEMENT,
                                                  UBLOCK_GENERAL_PUNCTUATION,
                                                  UBLOCK_LETTERLIKE_SYMBOLS,
                                                  UBLOCK_NUMBER_FORMS,
                                                  UBLOCK_ALPHABETIC_PRESENTATION_FORMS,
                                                  UBLOCK_HALFWIDTH_AND_FULLWIDTH_FORMS};
    const bool latin = std::find(std::begin(kLatinBlocks), std::end(kLatinBlocks), block) !=
                       std::end(kLatinBlocks);
    if (!latin || latin_ == nullptr) return {c};
    icu::UnicodeString s(cp);
    latin_->transliterate(s);
    return WithoutMarks(s);
  }

  std::u32string StripMarks(char32_t c) const {
    if (nfd_ == nullptr) return {c};
    icu::UnicodeString d;
    if (!nfd_->getDecomposition(static_cast<UChar32>(c), d)) return {c};
    return WithoutMarks(d);
  }

  static std::u32string WithoutMarks(const icu::UnicodeString& s) {
    std::u32string out;
    for (int32_t i = 0; i < s.length();) {
      const UChar32 x = s.char32At(i);
      i += U16_LENGTH(x);
      if (!IsCombiningMark(static_cast<char32_t>(x))) out.push_back(static_cast<char32_t>(x));
    }
    return out;
  }

  std::unique_ptr<icu::Transliterator> latin_;
  const icu::Normalizer2* nfd_ = nullptr;
  std::unordered_map<char32_t, std::u32string> memo_;
};

Folder& ThreadFolder() {
  thread_local Folder folder;
  return folder;
}

// Calls word(lexeme) for each word of `text`, folded and lower-cased, in order.
template <typename Word>
void ForEachWord(std::string_view text, Word&& word) {
  Folder& folder = ThreadFolder();
  std::string current;
  size_t chars = 0;
  for (size_t pos = 0; pos < text.size() && chars < kMaxChars; ++chars) {
    const char32_t c = NextCodePoint(text, &pos);
    if (c < 0x80) {  // The common case, without a lookup.
      if (IsSeparator(c)) {
        if (!current.empty()) word(&current);
      } else {
        current.push_back(static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c));
      }
      continue;
    }
    for (char32_t f : folder.Fold(c)) {
      if (IsSeparator(f)) {
        if (!current.empty()) word(&current);
      } else {
        AppendUtf8(static_cast<char32_t>(u_tolower(static_cast<UChar32>(f))), &current);
      }
    }
  }
  if (!current.empty()) word(&current);
}

}  // namespace

std::string SearchVectorLiteral(std::string_view title, std::string_view body) {
  std::unordered_map<std::string, std::vector<int>> positions;
  positions.reserve(512);
  int position = 0;
  const auto add = [&](std::string* w) {
    if (w->size() <= kMaxWordBytes) {
      position = std::min(position + 1, kMaxPosition);
      std::vector<int>& p = positions[*w];
      if (p.size() < kMaxPositions && (p.empty() || p.back() != position)) p.push_back(position);
    }
    w->clear();
  };
  std::string text;
  text.reserve(title.size() + 1 + body.size());
  text.append(title).append(" ").append(body);
  ForEachWord(text, add);
  std::vector<const std::pair<const std::string, std::vector<int>>*> sorted;
  sorted.reserve(positions.size());
  for (const auto& entry : positions) sorted.push_back(&entry);
  std::sort(sorted.begin(), sorted.end(), [](auto* a, auto* b) { return a->first < b->first; });
  std::string out;
  for (const auto* entry : sorted) {
    if (!out.empty()) out.push_back(' ');
    out.push_back('\'');
    out.append(entry->first);  // Word characters only: no quote or backslash to escape.
    out.push_back('\'');
    char sep = ':';
    for (int p : entry->second) {
      out.push_back(sep);
      out.append(std::to_string(p));
      sep = ',';
    }
  }
  return out;
}

// The non-ASCII separators of kSeparatorRanges as a bracket expression.
constexpr char kNonAsciiSeparators[] =
    "[\\u0080-\\u00BF\\u00D7\\u00F7\\u2000-\\u2BFF\\u2E00-\\u2E7F\\u3000-\\u303F\\uFE10-\\uFE1F"
    "\\uFE30-\\uFE6F\\uFEFF\\uFF00-\\uFF0F\\uFF1A-\\uFF20\\uFF3B-\\uFF40\\uFF5B-\\uFF65\\uFFF0-"
    "\\uFFFF"
    "\\U0001F000-\\U0001FAFF]";

std::string SearchSeparatorClass() {
  return std::string("[^0-9A-Za-z\\u0080-\\U0010FFFF]|") + kNonAsciiSeparators;
}

std::string SearchQuerySeparatorClass() {
  return std::string("[^0-9A-Za-z\\u0080-\\U0010FFFF\" \\t\\n\\r-]|") + kNonAsciiSeparators;
}

}  // namespace tincrawl

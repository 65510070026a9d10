#include "extractors/text.h"

#include <unicode/bytestream.h>
#include <unicode/locid.h>
#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>

namespace tincrawl {
namespace {

constexpr char32_t kReplacement = 0xFFFD;
constexpr std::string_view kReplacementUtf8 = "\xEF\xBF\xBD";

// Decodes one code point at `*pos`; `*valid` tells whether the bytes were well-formed. Ill-formed
// input consumes its maximal subpart only (at least one byte), as Unicode 3.9 recommends.
char32_t DecodeOne(std::string_view s, size_t* pos, bool* valid) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  size_t i = *pos;
  const unsigned char b0 = p[i++];
  *valid = true;
  if (b0 < 0x80) {
    *pos = i;
    return b0;
  }
  int len = 0;
  char32_t cp = 0;
  unsigned char lo = 0x80;
  unsigned char hi = 0xBF;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2;
    cp = b0 & 0x1F;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3;
    cp = b0 & 0x0F;
    if (b0 == 0xE0) lo = 0xA0;
    if (b0 == 0xED) hi = 0x9F;  // No UTF-16 surrogates.
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4;
    cp = b0 & 0x07;
    if (b0 == 0xF0) lo = 0x90;
    if (b0 == 0xF4) hi = 0x8F;  // Nothing above U+10FFFF.
  } else {
    *valid = false;
    *pos = i;
    return kReplacement;
  }
  for (int k = 1; k < len; ++k) {
    if (i >= s.size() || p[i] < lo || p[i] > hi) {
      *valid = false;
      *pos = i;
      return kReplacement;
    }
    cp = (cp << 6) | (p[i++] & 0x3F);
    lo = 0x80;
    hi = 0xBF;
  }
  *pos = i;
  return cp;
}

bool IsAscii(std::string_view s) {
  for (unsigned char c : s) {
    if (c >= 0x80) return false;
  }
  return true;
}

bool IsCollapsibleSpace(char32_t c) {
  if (c < 0x80) return c == ' ' || (c >= '\t' && c <= '\r');
  switch (c) {
    case 0x85:
    case 0xA0:
    case 0x1680:
    case 0x180E:
    case 0x2028:
    case 0x2029:
    case 0x202F:
    case 0x205F:
    case 0x2060:
    case 0x3000:
    case 0xFEFF:
      return true;
    default:
      return c >= 0x2000 && c <= 0x200B;
  }
}

icu::UnicodeString ToUnicode(std::string_view utf8) {
  // fromUTF8 substitutes U+FFFD for ill-formed input itself, so no sanitizing pass is needed.
  return icu::UnicodeString::fromUTF8(
      icu::StringPiece(utf8.data(), static_cast<int32_t>(utf8.size())));
}

std::string ToUtf8(const icu::UnicodeString& text) {
  std::string out;
  text.toUTF8String(out);
  return out;
}

}  // namespace

char32_t NextCodePoint(std::string_view bytes, size_t* pos) {
  bool valid = true;
  return DecodeOne(bytes, pos, &valid);
}

void AppendUtf8(char32_t cp, std::string* out) {
  if ((cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) cp = kReplacement;
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

std::string SanitizeUtf8(std::string_view bytes, bool* replaced) {
  std::string out;
  out.reserve(bytes.size());
  bool any = false;
  size_t run_start = 0;
  size_t i = 0;
  while (i < bytes.size()) {
    if (static_cast<unsigned char>(bytes[i]) < 0x80) {
      ++i;
      continue;
    }
    const size_t start = i;
    bool valid = true;
    DecodeOne(bytes, &i, &valid);
    if (!valid) {
      out.append(bytes.substr(run_start, start - run_start));
      out.append(kReplacementUtf8);
      run_start = i;
      any = true;
    }
  }
  out.append(bytes.substr(run_start));
  if (replaced != nullptr) *replaced = any;
  return out;
}

bool IsValidUtf8(std::string_view bytes) {
  size_t i = 0;
  while (i < bytes.size()) {
    if (static_cast<unsigned char>(bytes[i]) < 0x80) {
      ++i;
      continue;
    }
    bool valid = true;
    DecodeOne(bytes, &i, &valid);
    if (!valid) return false;
  }
  return true;
}

std::string NormalizeNfc(std::string_view utf8) {
  std::string clean = SanitizeUtf8(utf8);
  if (IsAscii(clean)) return clean;
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* nfc = icu::Normalizer2::getNFCInstance(status);
  if (U_FAILURE(status)) return clean;
  const icu::StringPiece piece(clean.data(), static_cast<int32_t>(clean.size()));
  if (nfc->isNormalizedUTF8(piece, status) && U_SUCCESS(status)) return clean;
  status = U_ZERO_ERROR;
  std::string out;
  out.reserve(clean.size());
  icu::StringByteSink<std::string> sink(&out);
  nfc->normalizeUTF8(0, piece, sink, nullptr, status);
  return U_SUCCESS(status) ? out : clean;
}

std::string CollapseWhitespace(std::string_view utf8) {
  std::string out;
  out.reserve(utf8.size());
  bool pending_space = false;
  size_t i = 0;
  while (i < utf8.size()) {
    const size_t start = i;
    bool valid = true;
    const char32_t c = DecodeOne(utf8, &i, &valid);
    if (valid && IsCollapsibleSpace(c)) {
      pending_space = true;
      continue;
    }
    if (pending_space && !out.empty()) out.push_back(' ');
    pending_space = false;
    out.append(valid ? utf8.substr(start, i - start) : kReplacementUtf8);
  }
  return out;
}

std::string CleanText(std::string_view utf8) { return CollapseWhitespace(NormalizeNfc(utf8)); }

std::string FoldCase(std::string_view utf8) {
  if (IsAscii(utf8)) {
    std::string out(utf8);
    for (char& c : out) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
  }
  icu::UnicodeString text = ToUnicode(utf8);
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* nfc = icu::Normalizer2::getNFCInstance(status);
  if (U_SUCCESS(status)) {
    icu::UnicodeString normalized = nfc->normalize(text, status);
    if (U_SUCCESS(status)) text = std::move(normalized);
  }
  text.toLower(icu::Locale::getRoot());
  return ToUtf8(text);
}

std::string FoldAscii(std::string_view utf8) {
  if (IsAscii(utf8)) return FoldCase(utf8);
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* nfd = icu::Normalizer2::getNFDInstance(status);
  if (U_FAILURE(status)) return FoldCase(utf8);
  const icu::UnicodeString decomposed = nfd->normalize(ToUnicode(utf8), status);
  if (U_FAILURE(status)) return FoldCase(utf8);
  std::string out;
  out.reserve(utf8.size());
  for (int32_t i = 0; i < decomposed.length();) {
    const UChar32 c = decomposed.char32At(i);
    i += U16_LENGTH(c);
    if (u_charType(c) == U_NON_SPACING_MARK) continue;
    if (c == 0x0110 || c == 0x0111) {  // Đ đ have no decomposition: the stroke is not a mark.
      out.push_back('d');
      continue;
    }
    AppendUtf8(static_cast<char32_t>(u_tolower(c)), &out);
  }
  return out;
}

bool IsVietnameseLetter(char32_t c) {
  return (c >= 0x1EA0 && c <= 0x1EF9) || c == 0x102 || c == 0x103 || c == 0x110 || c == 0x111 ||
         c == 0x128 || c == 0x129 || c == 0x168 || c == 0x169 || c == 0x1A0 || c == 0x1A1 ||
         c == 0x1AF || c == 0x1B0;
}

}  // namespace tincrawl

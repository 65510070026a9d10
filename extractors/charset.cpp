#include "extractors/charset.h"

#include <unicode/uchar.h>
#include <unicode/ucnv.h>
#include <unicode/ucnv_cb.h>
#include <unicode/ucsdet.h>

#include <algorithm>
#include <array>
#include <iterator>
#include <memory>

#include "extractors/charset_sniff.h"
#include "extractors/text.h"

// DecodeHtml: bytes -> NFC UTF-8 following the HTML5 sniffing order, with checks that a
// declaration matches the bytes (charset_sniff.cpp reads the declarations).

namespace tincrawl {
namespace {

constexpr size_t kDetectSampleBytes = 256 * 1024;  // Enough for a statistical guess.
constexpr char16_t kReplacementChar = 0xFFFD;

// ------------------------------------------------------------------------------------------
// Byte statistics used to check declarations against the bytes.

struct Utf8Stats {
  size_t valid_multibyte = 0;
  size_t invalid = 0;
  size_t vietnamese = 0;

  // Mostly not UTF-8: more than a fifth of the non-ASCII sequences are ill-formed.
  bool MostlyInvalid() const { return invalid > 0 && invalid * 4 > valid_multibyte; }
};

Utf8Stats ScanUtf8(std::string_view bytes) {
  Utf8Stats stats;
  size_t i = 0;
  while (i < bytes.size()) {
    if (static_cast<unsigned char>(bytes[i]) < 0x80) {
      ++i;
      continue;
    }
    const size_t start = i;
    const char32_t c = NextCodePoint(bytes, &i);
    if (c == 0xFFFD && bytes.substr(start, i - start) != "\xEF\xBF\xBD") {
      ++stats.invalid;
    } else {
      ++stats.valid_multibyte;
      if (IsVietnameseLetter(c)) ++stats.vietnamese;
    }
  }
  return stats;
}

// windows-1258 writes tones as separate combining-mark bytes after the vowel; count how often
// those bytes sit after a vowel (as they must) versus elsewhere.
bool LooksLikeWindows1258(std::string_view bytes) {
  static constexpr std::string_view kVowels =
      "aeiouyAEIOUY\xE2\xC2\xEA\xCA\xF4\xD4\xE3\xC3\xF5\xD5\xFD\xDD";
  size_t placed = 0;
  size_t misplaced = 0;
  for (size_t i = 0; i < bytes.size(); ++i) {
    const unsigned char b = static_cast<unsigned char>(bytes[i]);
    if (b != 0xCC && b != 0xEC && b != 0xD2 && b != 0xDE && b != 0xF2) continue;
    if (i > 0 && kVowels.find(bytes[i - 1]) != std::string_view::npos) {
      ++placed;
    } else {
      ++misplaced;
    }
  }
  return placed > 0 && placed >= 4 * misplaced;
}

// ------------------------------------------------------------------------------------------
// Conversions to UTF-8.

constexpr std::array<char16_t, 32> kWindows1252High = {
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0x008D, 0x017D, 0x008F, 0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178};

// WHATWG windows-1252 (which also serves latin1 and us-ascii labels); total, never invalid.
std::string DecodeWindows1252(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() + bytes.size() / 4);
  for (char ch : bytes) {
    const unsigned char b = static_cast<unsigned char>(ch);
    if (b < 0x80) {
      out.push_back(ch);
    } else {
      AppendUtf8(b < 0xA0 ? kWindows1252High[b - 0x80] : b, &out);
    }
  }
  return out;
}

struct ConverterCloser {
  void operator()(UConverter* cnv) const { ucnv_close(cnv); }
};
using ConverterPtr = std::unique_ptr<UConverter, ConverterCloser>;

// Writes U+FFFD for every unmappable or ill-formed sequence and lets conversion continue
// (ICU's stock SUBSTITUTE callback may write U+001A instead for some converters).
void SubstituteReplacement(const void* context, UConverterToUnicodeArgs* args, const char*, int32_t,
                           UConverterCallbackReason reason, UErrorCode* err) {
  if (reason > UCNV_IRREGULAR) return;
  *static_cast<bool*>(const_cast<void*>(context)) = true;
  *err = U_ZERO_ERROR;
  ucnv_cbToUWriteUChars(args, &kReplacementChar, 1, 0, err);
}

// Appends UTF-16 units as UTF-8; a high surrogate at the end of a chunk waits in `pending`.
void AppendUtf16(const UChar* begin, const UChar* end, char16_t* pending, std::string* out) {
  for (const UChar* p = begin; p < end; ++p) {
    const char16_t u = *p;
    if (*pending != 0) {
      const char16_t high = *pending;
      *pending = 0;
      if (u >= 0xDC00 && u <= 0xDFFF) {
        AppendUtf8(0x10000 + ((static_cast<char32_t>(high) - 0xD800) << 10) + (u - 0xDC00), out);
        continue;
      }
      AppendUtf8(0xFFFD, out);
    }
    if (u >= 0xD800 && u <= 0xDBFF) {
      *pending = u;
    } else {
      AppendUtf8(u, out);  // Lone low surrogates become U+FFFD inside AppendUtf8.
    }
  }
}

// Streams `bytes` through an ICU converter in fixed-size chunks (linear time, bounded extra
// memory). False when ICU has no converter of that name.
bool DecodeWithIcu(std::string_view bytes, const char* name, std::string* out, bool* replaced) {
  UErrorCode status = U_ZERO_ERROR;
  ConverterPtr cnv(ucnv_open(name, &status));
  if (U_FAILURE(status) || cnv == nullptr) return false;
  ucnv_setToUCallBack(cnv.get(), SubstituteReplacement, replaced, nullptr, nullptr, &status);
  if (U_FAILURE(status)) return false;
  out->reserve(bytes.size() + bytes.size() / 2);
  std::array<UChar, 8192> buffer;
  const char* source = bytes.data();
  const char* const limit = bytes.data() + bytes.size();
  char16_t pending = 0;
  do {
    status = U_ZERO_ERROR;
    UChar* target = buffer.data();
    ucnv_toUnicode(cnv.get(), &target, buffer.data() + buffer.size(), &source, limit, nullptr, true,
                   &status);
    AppendUtf16(buffer.data(), target, &pending, out);
  } while (status == U_BUFFER_OVERFLOW_ERROR);
  if (pending != 0) AppendUtf8(0xFFFD, out);
  return U_SUCCESS(status);
}

// Decodes with a known canonical charset; falls back to windows-1252 if ICU lacks it.
void DecodeAs(std::string_view bytes, std::string_view charset, DecodedHtml* out) {
  out->charset = std::string(charset);
  if (charset == "utf-8") {
    out->utf8 = NormalizeNfc(SanitizeUtf8(bytes, &out->replaced_invalid));
    return;
  }
  if (charset == "windows-1252") {
    out->utf8 = NormalizeNfc(DecodeWindows1252(bytes));
    return;
  }
  std::string decoded;
  if (!DecodeWithIcu(bytes, out->charset.c_str(), &decoded, &out->replaced_invalid)) {
    out->charset = "windows-1252";
    decoded = DecodeWindows1252(bytes);
  }
  out->utf8 = NormalizeNfc(decoded);  // windows-1258 tones arrive as combining marks.
}

struct DetectorCloser {
  void operator()(UCharsetDetector* d) const { ucsdet_close(d); }
};

// ICU's statistical guess among the single- and multi-byte charsets we can name, or "".
std::string_view IcuGuess(std::string_view sample) {
  UErrorCode status = U_ZERO_ERROR;
  std::unique_ptr<UCharsetDetector, DetectorCloser> det(ucsdet_open(&status));
  if (U_FAILURE(status)) return {};
  ucsdet_enableInputFilter(det.get(), true);  // Ignore markup.
  ucsdet_setText(det.get(), sample.data(), static_cast<int32_t>(sample.size()), &status);
  const UCharsetMatch* match = ucsdet_detect(det.get(), &status);
  if (U_FAILURE(status) || match == nullptr) return {};
  const char* name = ucsdet_getName(match, &status);
  const int32_t confidence = ucsdet_getConfidence(match, &status);
  if (U_FAILURE(status) || name == nullptr || confidence < 20) return {};
  const std::string_view canonical = CanonicalCharset(name);
  if (canonical == "utf-8" || IsUtf16Charset(canonical)) return {};  // Needs valid bytes / a BOM.
  return canonical;
}

// Best guess for bytes that are not (mostly) UTF-8.
std::string_view DetectEightBit(std::string_view bytes) {
  const std::string_view sample = bytes.substr(0, kDetectSampleBytes);
  // Legacy-font pages are shown by browsers as windows-1252 text in a special font.
  if (DetectLegacyFont(DecodeWindows1252(sample)) != LegacyFont::kNone) return "windows-1252";
  if (LooksLikeWindows1258(sample)) return "windows-1258";
  const std::string_view guess = IcuGuess(sample);
  return guess.empty() ? "windows-1252" : guess;
}

struct Bom {
  std::string_view bytes;
  std::string_view charset;
};

}  // namespace

DecodedHtml DecodeHtml(std::string_view bytes, std::string_view content_type) {
  static constexpr Bom kBoms[] = {
      {"\xEF\xBB\xBF", "utf-8"}, {"\xFF\xFE", "utf-16le"}, {"\xFE\xFF", "utf-16be"}};
  DecodedHtml out;
  for (const Bom& bom : kBoms) {
    if (bytes.substr(0, bom.bytes.size()) == bom.bytes) {
      out.source = "bom";
      DecodeAs(bytes.substr(bom.bytes.size()), bom.charset, &out);
      return out;
    }
  }
  std::string_view declared = CanonicalCharset(ExtractCharsetParam(content_type));
  out.source = "http";
  if (declared.empty()) {
    declared = PrescanMeta(bytes);
    out.source = "meta";
  }
  if (IsUtf16Charset(declared)) {
    DecodeAs(bytes, declared, &out);
    return out;
  }
  const Utf8Stats stats = ScanUtf8(bytes);
  std::string_view charset = declared;
  if (declared.empty()) {
    out.source = "default";
    charset = "utf-8";
  }
  if (charset == "utf-8" && stats.MostlyInvalid()) {
    charset = DetectEightBit(bytes);
    out.source = "detected";
  } else if (charset != "utf-8" && stats.invalid == 0 && stats.vietnamese > 0) {
    charset = "utf-8";  // Declared 8-bit, but the bytes are UTF-8 Vietnamese.
    out.source = "detected";
  }
  DecodeAs(bytes, charset, &out);
  return out;
}

}  // namespace tincrawl
#include "extractors/charset.h"

#include <unicode/uchar.h>
#include <unicode/ucnv.h>
#include <unicode/ucnv_cb.h>
#include <unicode/ucsdet.h>

#include <algorithm>
#include <array>
#include <iterator>
#include <memory>
#include <unordered_set>

#include "extractors/text.h"

// Two halves: DecodeHtml (bytes -> NFC UTF-8 following the HTML5 sniffing order, with checks
// that a declaration matches the bytes) and the legacy 8-bit Vietnamese font converters (TCVN3
// and VNI), which work on text that was already decoded as windows-1252.

namespace tincrawl {
namespace {

constexpr size_t kPrescanBytes = 1024;             // HTML5: the meta prescan looks this far.
constexpr size_t kDetectSampleBytes = 256 * 1024;  // Enough for a statistical guess.
constexpr size_t kLegacySampleBytes = 64 * 1024;   // Thousands of words: plenty of evidence.
constexpr char16_t kReplacementChar = 0xFFFD;

// ------------------------------------------------------------------------------------------
// Labels (a subset of the WHATWG Encoding Standard table: what Vietnamese portals and the
// encodings ICU can decode actually use).

struct LabelEntry {
  std::string_view label;
  std::string_view name;
};

constexpr LabelEntry kLabels[] = {
    {"utf-8", "utf-8"},
    {"utf8", "utf-8"},
    {"unicode-1-1-utf-8", "utf-8"},
    {"unicode11utf8", "utf-8"},
    {"unicode20utf8", "utf-8"},
    {"x-unicode20utf8", "utf-8"},
    {"ansi_x3.4-1968", "windows-1252"},
    {"ascii", "windows-1252"},
    {"cp1252", "windows-1252"},
    {"cp819", "windows-1252"},
    {"csisolatin1", "windows-1252"},
    {"ibm819", "windows-1252"},
    {"iso-8859-1", "windows-1252"},
    {"iso-ir-100", "windows-1252"},
    {"iso8859-1", "windows-1252"},
    {"iso88591", "windows-1252"},
    {"iso_8859-1", "windows-1252"},
    {"iso_8859-1:1987", "windows-1252"},
    {"l1", "windows-1252"},
    {"latin1", "windows-1252"},
    {"us-ascii", "windows-1252"},
    {"windows-1252", "windows-1252"},
    {"x-cp1252", "windows-1252"},
    {"x-user-defined", "windows-1252"},
    {"cp1258", "windows-1258"},
    {"windows-1258", "windows-1258"},
    {"x-cp1258", "windows-1258"},
    {"csunicode", "utf-16le"},
    {"iso-10646-ucs-2", "utf-16le"},
    {"ucs-2", "utf-16le"},
    {"unicode", "utf-16le"},
    {"unicodefeff", "utf-16le"},
    {"utf-16", "utf-16le"},
    {"utf-16le", "utf-16le"},
    {"unicodefffe", "utf-16be"},
    {"utf-16be", "utf-16be"},
    {"cp1250", "windows-1250"},
    {"windows-1250", "windows-1250"},
    {"x-cp1250", "windows-1250"},
    {"cp1251", "windows-1251"},
    {"windows-1251", "windows-1251"},
    {"x-cp1251", "windows-1251"},
    {"iso-8859-2", "iso-8859-2"},
    {"latin2", "iso-8859-2"},
    {"iso-8859-5", "iso-8859-5"},
    {"iso-8859-7", "iso-8859-7"},
    {"iso-8859-15", "iso-8859-15"},
    {"latin9", "iso-8859-15"},
    {"koi8-r", "koi8-r"},
    {"gb2312", "gbk"},
    {"gbk", "gbk"},
    {"gb18030", "gb18030"},
    {"big5", "big5"},
    {"shift_jis", "shift_jis"},
    {"sjis", "shift_jis"},
    {"euc-jp", "euc-jp"},
    {"euc-kr", "euc-kr"},
    {"windows-874", "windows-874"},
    {"tis-620", "windows-874"},
};

bool IsAsciiSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string LowerTrimmed(std::string_view s) {
  while (!s.empty() && IsAsciiSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsAsciiSpace(s.back())) s.remove_suffix(1);
  std::string out(s);
  for (char& c : out) c = Lower(c);
  return out;
}

// The canonical encoding name of a label, or "" when the label is unknown (then ignored).
std::string_view CanonicalCharset(std::string_view label) {
  const std::string key = LowerTrimmed(label);
  for (const LabelEntry& e : kLabels) {
    if (e.label == key) return e.name;
  }
  return {};
}

bool IsUtf16(std::string_view name) { return name == "utf-16le" || name == "utf-16be"; }

bool StartsWithCi(std::string_view s, size_t pos, std::string_view prefix) {
  if (pos > s.size() || s.size() - pos < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (Lower(s[pos + i]) != prefix[i]) return false;
  }
  return true;
}

// ------------------------------------------------------------------------------------------
// Content-Type and <meta> prescan.

// The charset in a "text/html; charset=..." value, or in a meta content attribute (HTML5
// "extracting a character encoding from a meta element"). Empty when there is none.
std::string ExtractCharsetParam(std::string_view s) {
  size_t pos = 0;
  while (true) {
    size_t found = std::string_view::npos;
    for (size_t i = pos; i + 7 <= s.size(); ++i) {
      if (StartsWithCi(s, i, "charset")) {
        found = i;
        break;
      }
    }
    if (found == std::string_view::npos) return {};
    size_t i = found + 7;
    while (i < s.size() && IsAsciiSpace(s[i])) ++i;
    if (i >= s.size() || s[i] != '=') {
      pos = i;
      continue;
    }
    ++i;
    while (i < s.size() && IsAsciiSpace(s[i])) ++i;
    if (i >= s.size()) return {};
    if (s[i] == '"' || s[i] == '\'') {
      const size_t close = s.find(s[i], i + 1);
      if (close == std::string_view::npos) return {};
      return std::string(s.substr(i + 1, close - i - 1));
    }
    size_t end = i;
    while (end < s.size() && !IsAsciiSpace(s[end]) && s[end] != ';') ++end;
    return std::string(s.substr(i, end - i));
  }
}

struct Attribute {
  std::string name;
  std::string value;
};

// HTML5 "get an attribute" over the prescan window; false when the tag ended.
bool GetAttribute(std::string_view s, size_t* pos, Attribute* attr) {
  size_t i = *pos;
  while (i < s.size() && (IsAsciiSpace(s[i]) || s[i] == '/')) ++i;
  if (i >= s.size() || s[i] == '>') {
    *pos = i;
    return false;
  }
  attr->name.clear();
  attr->value.clear();
  while (i < s.size()) {
    const char c = s[i];
    if (c == '=' && !attr->name.empty()) break;
    if (IsAsciiSpace(c)) {
      while (i < s.size() && IsAsciiSpace(s[i])) ++i;
      if (i >= s.size() || s[i] != '=') {
        *pos = i;
        return true;
      }
      break;
    }
    if (c == '/' || c == '>') {
      *pos = i;
      return true;
    }
    attr->name.push_back(Lower(c));
    ++i;
  }
  ++i;  // The '='.
  while (i < s.size() && IsAsciiSpace(s[i])) ++i;
  if (i < s.size() && (s[i] == '"' || s[i] == '\'')) {
    const char quote = s[i++];
    while (i < s.size() && s[i] != quote) attr->value.push_back(Lower(s[i++]));
    *pos = i < s.size() ? i + 1 : i;
    return true;
  }
  while (i < s.size() && !IsAsciiSpace(s[i]) && s[i] != '>') attr->value.push_back(Lower(s[i++]));
  *pos = i;
  return true;
}

// The encoding declared by the <meta> tag whose attributes start at `*pos`, or "".
std::string_view CharsetFromMeta(std::string_view s, size_t* pos) {
  std::unordered_set<std::string> seen;
  bool got_pragma = false;
  int need_pragma = -1;  // -1 unknown, 0 no, 1 yes.
  std::string charset;
  Attribute attr;
  while (GetAttribute(s, pos, &attr)) {
    if (!seen.insert(attr.name).second) continue;
    if (attr.name == "http-equiv") {
      got_pragma = got_pragma || attr.value == "content-type";
    } else if (attr.name == "content" && charset.empty()) {
      charset = ExtractCharsetParam(attr.value);
      if (!charset.empty()) need_pragma = 1;
    } else if (attr.name == "charset") {
      charset = attr.value;
      need_pragma = 0;
    }
  }
  if (need_pragma == -1 || (need_pragma == 1 && !got_pragma) || charset.empty()) return {};
  const std::string_view name = CanonicalCharset(charset);
  return IsUtf16(name) ? "utf-8" : name;  // HTML5: a meta claiming UTF-16 means UTF-8.
}

// Skips a tag name and its attributes (so that "<div title='<meta charset=x>'>" is not read).
void SkipTag(std::string_view s, size_t* pos) {
  while (*pos < s.size() && !IsAsciiSpace(s[*pos]) && s[*pos] != '>') ++*pos;
  Attribute attr;
  while (GetAttribute(s, pos, &attr)) {
  }
}

bool IsAsciiAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

std::string_view PrescanMeta(std::string_view bytes) {
  const std::string_view s = bytes.substr(0, kPrescanBytes);
  size_t i = 0;
  while (i < s.size()) {
    if (s.compare(i, 4, "<!--") == 0) {
      const size_t end = s.find("-->", i + 2);
      if (end == std::string_view::npos) return {};
      i = end + 3;
      continue;
    }
    if (StartsWithCi(s, i, "<meta") && i + 5 < s.size() &&
        (IsAsciiSpace(s[i + 5]) || s[i + 5] == '/')) {
      size_t pos = i + 5;
      const std::string_view name = CharsetFromMeta(s, &pos);
      if (!name.empty()) return name;
      i = pos + 1;
      continue;
    }
    if (s[i] == '<' && i + 1 < s.size() &&
        (IsAsciiAlpha(s[i + 1]) ||
         (s[i + 1] == '/' && i + 2 < s.size() && IsAsciiAlpha(s[i + 2])))) {
      size_t pos = i + 1;
      SkipTag(s, &pos);
      i = pos + 1;
      continue;
    }
    if (s[i] == '<' && i + 1 < s.size() &&
        (s[i + 1] == '!' || s[i + 1] == '/' || s[i + 1] == '?')) {
      const size_t end = s.find('>', i + 2);
      if (end == std::string_view::npos) return {};
      i = end + 1;
      continue;
    }
    ++i;
  }
  return {};
}

// ------------------------------------------------------------------------------------------
// Byte statistics used to check declarations against the bytes.

bool IsVietnameseLetter(char32_t c) {
  return (c >= 0x1EA0 && c <= 0x1EF9) || c == 0x102 || c == 0x103 || c == 0x110 || c == 0x111 ||
         c == 0x128 || c == 0x129 || c == 0x168 || c == 0x169 || c == 0x1A0 || c == 0x1A1 ||
         c == 0x1AF || c == 0x1B0;
}

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
  if (canonical == "utf-8" || IsUtf16(canonical)) return {};  // Needs valid bytes / a BOM.
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

// ------------------------------------------------------------------------------------------
// Legacy fonts.

// TCVN 5712:1993 (VN3, the ".Vn" fonts typed with ABC) bytes 0xA0..0xFF, as seen after a
// windows-1252 decoding (code point == byte). 0xB0..0xB4 are the combining tone marks.
constexpr std::array<char16_t, 96> kTcvn3High = {
    0x00A0, 0x0102, 0x00C2, 0x00CA, 0x00D4, 0x01A0, 0x01AF, 0x0110,  // A0
    0x0103, 0x00E2, 0x00EA, 0x00F4, 0x01A1, 0x01B0, 0x0111, 0x1EB0,  // A8
    0x0300, 0x0309, 0x0303, 0x0301, 0x0323, 0x00E0, 0x1EA3, 0x00E3,  // B0
    0x00E1, 0x1EA1, 0x1EB2, 0x1EB1, 0x1EB3, 0x1EB5, 0x1EAF, 0x1EB4,  // B8
    0x1EAE, 0x1EA6, 0x1EA8, 0x1EAA, 0x1EA4, 0x1EC0, 0x1EB7, 0x1EA7,  // C0
    0x1EA9, 0x1EAB, 0x1EA5, 0x1EAD, 0x00E8, 0x1EC2, 0x1EBB, 0x1EBD,  // C8
    0x00E9, 0x1EB9, 0x1EC1, 0x1EC3, 0x1EC5, 0x1EBF, 0x1EC7, 0x00EC,  // D0
    0x1EC9, 0x1EC4, 0x1EBE, 0x1ED2, 0x0129, 0x00ED, 0x1ECB, 0x00F2,  // D8
    0x1ED4, 0x1ECF, 0x00F5, 0x00F3, 0x1ECD, 0x1ED3, 0x1ED5, 0x1ED7,  // E0
    0x1ED1, 0x1ED9, 0x1EDD, 0x1EDF, 0x1EE1, 0x1EDB, 0x1EE3, 0x00F9,  // E8
    0x1ED6, 0x1EE7, 0x0169, 0x00FA, 0x1EE5, 0x1EEB, 0x1EED, 0x1EEF,  // F0
    0x1EE9, 0x1EF1, 0x1EF3, 0x1EF7, 0x1EF9, 0x00FD, 0x1EF5, 0x1ED0,  // F8
};

// The "few lower slots" of TCVN 5712: upper-case letters placed among the C0 controls.
struct CodeMap {
  char32_t from;
  char32_t to;
};
constexpr CodeMap kTcvn3Low[] = {{0x01, 0x00DA}, {0x02, 0x1EE4}, {0x04, 0x1EEA}, {0x05, 0x1EEC},
                                 {0x06, 0x1EEE}, {0x11, 0x1EE8}, {0x12, 0x1EF0}, {0x13, 0x1EF2},
                                 {0x14, 0x1EF6}, {0x15, 0x1EF8}, {0x16, 0x00DD}, {0x17, 0x1EF4}};

char32_t Lookup(const CodeMap* begin, const CodeMap* end, char32_t c, char32_t fallback) {
  for (const CodeMap* m = begin; m != end; ++m) {
    if (m->from == c) return m->to;
  }
  return fallback;
}

char32_t Tcvn3Low(char32_t c) { return Lookup(std::begin(kTcvn3Low), std::end(kTcvn3Low), c, c); }

char32_t Tcvn3ToUnicode(char32_t c) {
  if (c >= 0xA0 && c <= 0xFF) return kTcvn3High[c - 0xA0];
  return c < 0x20 ? Tcvn3Low(c) : c;
}

// VNI-Windows: a base letter followed by a modifier byte carrying the diacritics.
enum Mark : unsigned {
  kGrave = 1,
  kAcute = 2,
  kHook = 4,
  kTilde = 8,
  kDot = 16,
  kCircumflex = 32,
  kBreve = 64,
};

// Modifier code points (windows-1252 view, lower- and upper-case forms) and their marks.
constexpr CodeMap kVniModifiers[] = {
    {0xF8, kGrave},
    {0xD8, kGrave},
    {0xF9, kAcute},
    {0xD9, kAcute},
    {0xFB, kHook},
    {0xDB, kHook},
    {0xF5, kTilde},
    {0xD5, kTilde},
    {0xEF, kDot},
    {0xCF, kDot},
    {0xE2, kCircumflex},
    {0xC2, kCircumflex},
    {0xEA, kBreve},
    {0xCA, kBreve},
    {0xE0, kCircumflex | kGrave},
    {0xC0, kCircumflex | kGrave},
    {0xE1, kCircumflex | kAcute},
    {0xC1, kCircumflex | kAcute},
    {0xE5, kCircumflex | kHook},
    {0xC5, kCircumflex | kHook},
    {0xE3, kCircumflex | kTilde},
    {0xC3, kCircumflex | kTilde},
    {0xE4, kCircumflex | kDot},
    {0xC4, kCircumflex | kDot},
    {0xE8, kBreve | kGrave},
    {0xC8, kBreve | kGrave},
    {0xE9, kBreve | kAcute},
    {0xC9, kBreve | kAcute},
    {0xFA, kBreve | kHook},
    {0xDA, kBreve | kHook},
    {0xFC, kBreve | kTilde},
    {0xDC, kBreve | kTilde},
    {0xEB, kBreve | kDot},
    {0xCB, kBreve | kDot},
};

// Single VNI code points that are whole letters: đ Đ ơ Ơ ư Ư ỉ Ỉ ĩ Ĩ ị Ị ỵ Ỵ.
constexpr CodeMap kVniStandalone[] = {
    {0xF1, 0x0111}, {0xD1, 0x0110}, {0xF4, 0x01A1}, {0xD4, 0x01A0}, {0xF6, 0x01B0},
    {0xD6, 0x01AF}, {0xE6, 0x1EC9}, {0xC6, 0x1EC8}, {0xF3, 0x0129}, {0xD3, 0x0128},
    {0xF2, 0x1ECB}, {0xD2, 0x1ECA}, {0xEE, 0x1EF5}, {0xCE, 0x1EF4},
};

unsigned VniModifierMarks(char32_t c) {
  if (c < 0xC0 || c > 0xFF) return 0;
  return static_cast<unsigned>(Lookup(std::begin(kVniModifiers), std::end(kVniModifiers), c, 0));
}

char32_t VniStandalone(char32_t c) {
  if (c < 0xC0 || c > 0xFF) return 0;
  return Lookup(std::begin(kVniStandalone), std::end(kVniStandalone), c, 0);
}

// Whether `marks` can sit on `base` in Vietnamese (circumflex on a/e/o, breve on a only, tones
// on any vowel, including ơ/ư produced by VniStandalone).
bool VniAccepts(char32_t base, unsigned marks) {
  const char32_t lower = base < 0x80 ? (base | 0x20) : base;
  const bool vowel = lower == 'a' || lower == 'e' || lower == 'o' || lower == 'u' || lower == 'y' ||
                     base == 0x01A1 || base == 0x01A0 || base == 0x01B0 || base == 0x01AF;
  if (!vowel) return false;
  if ((marks & kCircumflex) && lower != 'a' && lower != 'e' && lower != 'o') return false;
  if ((marks & kBreve) && lower != 'a') return false;
  return true;
}

void AppendMarks(unsigned marks, std::string* out) {
  if (marks & kCircumflex) AppendUtf8(0x0302, out);
  if (marks & kBreve) AppendUtf8(0x0306, out);
  if (marks & kGrave) AppendUtf8(0x0300, out);
  if (marks & kAcute) AppendUtf8(0x0301, out);
  if (marks & kHook) AppendUtf8(0x0309, out);
  if (marks & kTilde) AppendUtf8(0x0303, out);
  if (marks & kDot) AppendUtf8(0x0323, out);
}

std::string ConvertVni(std::string_view utf8) {
  std::string out;
  out.reserve(utf8.size() + utf8.size() / 4);
  char32_t base = 0;  // The last letter written, if a modifier may still attach to it.
  size_t i = 0;
  while (i < utf8.size()) {
    const char32_t c = NextCodePoint(utf8, &i);
    const unsigned marks = VniModifierMarks(c);
    if (marks != 0 && base != 0 && VniAccepts(base, marks)) {
      AppendMarks(marks, &out);
      base = 0;
      continue;
    }
    const char32_t whole = VniStandalone(c);
    const char32_t letter = whole != 0 ? whole : c;
    AppendUtf8(letter, &out);
    base = letter;
  }
  return NormalizeNfc(out);
}

std::string ConvertTcvn3(std::string_view utf8) {
  std::string out;
  out.reserve(utf8.size() + utf8.size() / 4);
  size_t i = 0;
  while (i < utf8.size()) AppendUtf8(Tcvn3ToUnicode(NextCodePoint(utf8, &i)), &out);
  return NormalizeNfc(out);
}

// Common Vietnamese syllables (with diacritics, lower case, NFC): the check that a conversion
// produced Vietnamese and not a scramble of French or English.
const std::unordered_set<std::string_view>& CommonSyllables() {
  static const std::unordered_set<std::string_view> kWords = {
      "của",    "và",    "các",   "ngày",   "thông",  "việt",  "năm",    "người", "được",  "trong",
      "những",  "là",    "có",    "cho",    "với",    "này",   "đã",     "để",    "không", "một",
      "tại",    "về",    "đến",   "từ",     "đồng",   "nhân",  "dân",    "tỉnh",  "huyện", "xã",
      "thành",  "phố",   "quốc",  "hội",    "chính",  "phủ",   "công",   "tác",   "báo",   "học",
      "tế",     "triển", "phát",  "nhà",    "nước",   "bộ",    "cơ",     "ủy",    "đảng",  "văn",
      "bản",    "quyết", "định",  "số",     "hành",   "việc",  "thực",   "hiện",  "đơn",   "vị",
      "tổ",     "chức",  "lãnh",  "đạo",    "cán",    "dự",    "án",     "xây",   "dựng",  "quản",
      "lý",     "đầu",   "tư",    "sở",     "phòng",  "ngành", "hoạt",   "động",  "kế",    "hoạch",
      "chỉ",    "hướng", "dẫn",   "kết",    "quả",    "tháng", "trên",   "địa",   "bàn",   "tiếp",
      "tục",    "đề",    "nghị",  "hà",     "nội",    "mới",   "sẽ",     "còn",   "nhiều", "đó",
      "như",    "cũng",  "sự",    "lại",    "vào",    "trước", "phải",   "đình",  "điều",  "thể",
      "lực",    "đô",    "thị",   "giáo",   "dục",    "tuyên", "truyền", "toàn",  "thủ",   "tướng",
      "ương",   "đại",   "biểu",  "viên",   "thường", "vụ",    "bí",     "thư",   "chủ",   "tịch",
      "tổng",   "cục",   "luật",  "điện",   "tử",     "đất",   "sản",    "xuất",  "nông",  "nghiệp",
      "nẵng",   "đà",    "hồ",    "chí",    "minh",   "tin",   "tức",    "sáng",  "chiều", "tuần",
      "giữa",   "bảo",   "đảm",   "triệu",  "đồng",   "tỷ",    "lớn",    "nhỏ",   "cao",   "mạnh",
      "phương", "pháp",  "đổi",   "mở",     "rộng",   "vùng",  "miền",   "dịch",  "giải",  "quyết",
      "ý",      "kiến",  "trình", "trường", "cấp",    "ngoài", "hợp",    "tích",  "cực",   "sách",
      "nhiệm",  "kỳ",    "khóa",  "mặt",    "trận",   "đoàn",  "thanh",  "niên",  "phụ",   "nữ",
      "thôn",   "bản",   "làng",  "bà",     "ông",    "anh",   "chị",    "em",    "hiệu",  "lệnh",
      "kiểm",   "tra",   "giám",  "sát",    "thanh",  "đăng",  "ký",     "hồ",    "sơ",    "cải",
      "cách",   "thủ",   "tục",   "hỗ",     "trợ",    "nghèo", "khó",    "khăn",  "ở",     "đây",
      "đi",     "làm",   "đang",  "cùng",   "bị",     "nếu",   "khác",   "sau",   "khi",   "nhất",
      "thì",    "rất",   "vì",    "hơn",    "đều",
  };
  return kWords;
}

struct SyllableScore {
  size_t words = 0;       // Words containing a non-ASCII letter.
  size_t common = 0;      // Words found in the common-syllable list.
  size_t vietnamese = 0;  // Vietnamese-specific letters.
};

bool IsWordPart(char32_t c) {
  return u_isalpha(static_cast<UChar32>(c)) ||
         u_charType(static_cast<UChar32>(c)) == U_NON_SPACING_MARK;
}

void ScoreWord(const std::string& word, bool non_ascii, SyllableScore* score) {
  if (word.empty()) return;
  if (non_ascii) ++score->words;
  if (CommonSyllables().count(word) != 0) ++score->common;
}

SyllableScore ScoreSyllables(std::string_view utf8) {
  SyllableScore score;
  std::string word;
  bool non_ascii = false;
  size_t i = 0;
  while (i < utf8.size()) {
    const char32_t c = NextCodePoint(utf8, &i);
    if (IsWordPart(c)) {
      AppendUtf8(static_cast<char32_t>(u_tolower(static_cast<UChar32>(c))), &word);
      non_ascii = non_ascii || c >= 0x80;
      if (IsVietnameseLetter(c)) ++score.vietnamese;
      continue;
    }
    ScoreWord(word, non_ascii, &score);
    word.clear();
    non_ascii = false;
  }
  ScoreWord(word, non_ascii, &score);
  return score;
}

// How convincingly `font` turns `utf8` into Vietnamese: the number of common syllables gained,
// or 0 when the result does not read as Vietnamese.
size_t LegacyEvidence(std::string_view utf8, LegacyFont font, size_t original_common) {
  const SyllableScore converted = ScoreSyllables(ConvertLegacyFont(utf8, font));
  if (converted.common <= original_common || converted.words == 0) return 0;
  const size_t gained = converted.common - original_common;
  // At least a quarter of the accented words must be common syllables.
  return gained * 4 >= converted.words ? gained : 0;
}

bool HasLegacyCandidates(std::string_view utf8) {
  size_t i = 0;
  while (i < utf8.size()) {
    const char32_t c = NextCodePoint(utf8, &i);
    if (c >= 0xA0 && c <= 0xFF) return true;
  }
  return false;
}

}  // namespace

LegacyFont DetectLegacyFont(std::string_view text) {
  // Judge a prefix (cut on a code point boundary) so huge documents cost the same as small ones.
  size_t cut = std::min(text.size(), kLegacySampleBytes);
  while (cut > 0 && cut < text.size() && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) {
    --cut;
  }
  const std::string_view utf8 = text.substr(0, cut);
  if (!HasLegacyCandidates(utf8)) return LegacyFont::kNone;
  const SyllableScore original = ScoreSyllables(utf8);
  // Real Unicode Vietnamese: legacy text has no precomposed Vietnamese-only letters.
  if (original.vietnamese > 2) return LegacyFont::kNone;
  const size_t tcvn3 = LegacyEvidence(utf8, LegacyFont::kTcvn3, original.common);
  const size_t vni = LegacyEvidence(utf8, LegacyFont::kVni, original.common);
  if (tcvn3 == 0 && vni == 0) return LegacyFont::kNone;
  return tcvn3 >= vni ? LegacyFont::kTcvn3 : LegacyFont::kVni;
}

std::string ConvertLegacyFont(std::string_view utf8, LegacyFont font) {
  switch (font) {
    case LegacyFont::kTcvn3:
      return ConvertTcvn3(utf8);
    case LegacyFont::kVni:
      return ConvertVni(utf8);
    case LegacyFont::kNone:
      break;
  }
  return std::string(utf8);
}

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
  if (IsUtf16(declared)) {
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

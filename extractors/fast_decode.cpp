#include "extractors/fast_decode.h"

#include <unicode/bytestream.h>
#include <unicode/normalizer2.h>

#include <algorithm>
#include <cstdint>
#include <cstring>

namespace tincrawl {
namespace {

// Code points that are NFC_QC=Yes and never compose with a preceding character, so text made
// only of them is already NFC: everything below U+0300 (no combining marks there), the
// precomposed Vietnamese letters, and the general punctuation and currency blocks minus the
// U+2000/U+2001 singletons.
bool IsStableNfc(char32_t cp) {
  return cp < 0x300 || (cp >= 0x1EA0 && cp <= 0x1EF9) || (cp >= 0x2010 && cp <= 0x2027) ||
         (cp >= 0x2030 && cp <= 0x205E) || (cp >= 0x20A0 && cp <= 0x20C0);
}

// Length of the well-formed UTF-8 sequence at `p` (Unicode table 3-7) with its code point in
// *cp, or 0 when ill-formed.
size_t Utf8Sequence(const unsigned char* p, const unsigned char* end, char32_t* cp) {
  const unsigned char b = p[0];
  size_t n = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : 2;
  if (b < 0xC2 || b > 0xF4 || static_cast<size_t>(end - p) < n) return 0;
  unsigned char lo = 0x80, hi = 0xBF;
  if (b == 0xE0) lo = 0xA0;
  if (b == 0xED) hi = 0x9F;
  if (b == 0xF0) lo = 0x90;
  if (b == 0xF4) hi = 0x8F;
  if (p[1] < lo || p[1] > hi) return 0;
  char32_t c = b & (n == 2 ? 0x1F : n == 3 ? 0x0F : 0x07);
  for (size_t k = 1; k < n; ++k) {
    if (k > 1 && (p[k] < 0x80 || p[k] > 0xBF)) return 0;
    c = (c << 6) | (p[k] & 0x3F);
  }
  *cp = c;
  return n;
}

// Appends the NFC form of `piece` (well-formed UTF-8) to *out with ICU.
bool AppendNfc(const icu::Normalizer2* nfc, std::string_view piece, std::string* out) {
  UErrorCode status = U_ZERO_ERROR;
  icu::StringByteSink<std::string> sink(out);
  nfc->normalizeUTF8(0, icu::StringPiece(piece.data(), static_cast<int32_t>(piece.size())), sink,
                     nullptr, status);
  return U_SUCCESS(status);
}

// NFC of `bytes` into *out when `bytes` is well-formed UTF-8, else false. IsStableNfc code
// points (ASCII included) start a new normalization segment and are copied as they are; ICU
// only sees the short segments around other code points (a stray combining tone mark, CJK),
// each with the stable character before it that a mark may compose with. ASCII goes 8 bytes at
// a time.
bool NfcUtf8(std::string_view bytes, std::string* out) {
  static const icu::Normalizer2* nfc = [] {
    UErrorCode status = U_ZERO_ERROR;
    const icu::Normalizer2* n = icu::Normalizer2::getNFCInstance(status);
    return U_SUCCESS(status) ? n : nullptr;
  }();
  if (nfc == nullptr) return false;
  const auto* base = reinterpret_cast<const unsigned char*>(bytes.data());
  const auto* end = base + bytes.size();
  const unsigned char* p = base;
  size_t copied = 0, segment = 0;  // Offsets: bytes before `copied` are in *out.
  out->reserve(bytes.size());
  while (p < end) {
    uint64_t word;
    if (end - p >= 8 && (std::memcpy(&word, p, 8), (word & 0x8080808080808080ull) == 0)) {
      p += 8;
      segment = static_cast<size_t>(p - base) - 1;
      continue;
    }
    char32_t cp = *p;
    size_t n = cp < 0x80 ? 1 : Utf8Sequence(p, end, &cp);
    if (n == 0) return false;
    if (IsStableNfc(cp)) {
      segment = static_cast<size_t>(p - base);
      p += n;
      continue;
    }
    for (p += n; p < end && *p >= 0x80; p += n) {  // The run of other code points.
      n = Utf8Sequence(p, end, &cp);
      if (n == 0) return false;
      if (IsStableNfc(cp)) break;
    }
    out->append(bytes.substr(copied, segment - copied));
    copied = static_cast<size_t>(p - base);
    if (!AppendNfc(nfc, bytes.substr(segment, copied - segment), out)) return false;
    segment = copied;
  }
  out->append(bytes.substr(copied));
  return true;
}

}  // namespace

bool DecodeHtmlFast(std::string_view bytes, std::string_view content_type, DecodedHtml* out) {
  constexpr size_t kWindow = 1024;  // HTML5 meta prescan length.
  constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";
  if (bytes.substr(0, 3) == kUtf8Bom) {
    out->charset = "utf-8";
    out->source = "bom";
    return NfcUtf8(bytes.substr(3), &out->utf8);
  }
  if (bytes.size() >= 2 && (static_cast<unsigned char>(bytes[0]) >= 0xFE)) {
    return false;  // Possibly a UTF-16 BOM.
  }
  size_t cut = std::min(bytes.size(), kWindow);
  while (cut < bytes.size() && (static_cast<unsigned char>(bytes[cut]) & 0xC0) == 0x80) ++cut;
  DecodedHtml window = DecodeHtml(bytes.substr(0, cut), content_type);
  if (window.charset != "utf-8") return false;
  out->charset = std::move(window.charset);
  out->source = std::move(window.source);
  return NfcUtf8(bytes, &out->utf8);
}

}  // namespace tincrawl

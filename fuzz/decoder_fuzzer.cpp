// libFuzzer target for the decoding layer: DecodeHtml on arbitrary bytes with a Content-Type
// derived from the input, then the legacy-font detector/converters and the text normalizers on
// its output. Aborts when an invariant of the contracts in charset.h / text.h breaks.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "extractors/charset.h"
#include "extractors/text.h"

namespace {

constexpr std::string_view kContentTypes[] = {
    "",
    "text/html",
    "text/html; charset=utf-8",
    "text/html; charset=windows-1258",
    "text/html; charset=ISO-8859-1",
    "text/html; charset=utf-16",
    "text/html; charset=utf-16be",
    "text/html; charset=shift_jis",
    "text/html; charset=\"gbk\"",
    "text/html; charset=bogus",
};
constexpr size_t kTypeCount = sizeof(kContentTypes) / sizeof(kContentTypes[0]);
constexpr size_t kMaxLegacyInput = 64 * 1024;  // Keeps each run fast; the code is linear.

void Check(bool ok) {
  if (!ok) std::abort();
}

// The first byte selects a fixed Content-Type, or (past the table) takes the bytes up to the
// first newline as a free-form header value.
std::string_view SplitContentType(std::string_view* input) {
  if (input->empty()) return {};
  const size_t selector = static_cast<unsigned char>(input->front()) % (kTypeCount + 1);
  input->remove_prefix(1);
  if (selector < kTypeCount) return kContentTypes[selector];
  const size_t newline = input->find('\n');
  const size_t len = newline == std::string_view::npos ? 0 : newline;
  const std::string_view header = input->substr(0, len);
  input->remove_prefix(newline == std::string_view::npos ? 0 : newline + 1);
  return header;
}

void CheckDecoded(const tincrawl::DecodedHtml& d) {
  Check(tincrawl::IsValidUtf8(d.utf8));
  Check(tincrawl::NormalizeNfc(d.utf8) == d.utf8);
  Check(!d.charset.empty());
  Check(d.source == "bom" || d.source == "http" || d.source == "meta" || d.source == "detected" ||
        d.source == "default");
}

void CheckLegacy(std::string_view text) {
  using tincrawl::LegacyFont;
  const LegacyFont font = tincrawl::DetectLegacyFont(text);
  const std::string converted = tincrawl::ConvertLegacyFont(text, font);
  Check(tincrawl::IsValidUtf8(converted));
  if (font == LegacyFont::kNone) Check(converted == text);
  for (LegacyFont f : {LegacyFont::kTcvn3, LegacyFont::kVni}) {
    const std::string out = tincrawl::ConvertLegacyFont(text, f);
    Check(tincrawl::IsValidUtf8(out));
    Check(tincrawl::NormalizeNfc(out) == out);
  }
}

void CheckText(std::string_view raw) {
  const std::string clean = tincrawl::CleanText(raw);
  Check(tincrawl::IsValidUtf8(clean));
  Check(tincrawl::CleanText(clean) == clean);
  Check(clean.empty() || (clean.front() != ' ' && clean.back() != ' '));
  Check(clean.find("  ") == std::string::npos);
  Check(tincrawl::IsValidUtf8(tincrawl::FoldCase(raw)));
  const std::string folded = tincrawl::FoldAscii(raw);
  Check(tincrawl::IsValidUtf8(folded));
  Check(tincrawl::FoldAscii(folded) == folded);
  Check(tincrawl::IsValidUtf8(tincrawl::SanitizeUtf8(raw)));
  Check(tincrawl::IsValidUtf8(raw) == (tincrawl::SanitizeUtf8(raw) == raw));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::string_view content_type = SplitContentType(&input);
  const tincrawl::DecodedHtml decoded = tincrawl::DecodeHtml(input, content_type);
  CheckDecoded(decoded);
  const std::string_view sample = std::string_view(decoded.utf8).substr(0, kMaxLegacyInput);
  CheckLegacy(tincrawl::SanitizeUtf8(sample));  // The cut may split a code point.
  CheckText(input.substr(0, kMaxLegacyInput));
  return 0;
}

// Extract() on arbitrary bytes, generic and with each CMS preset: must never crash, hang or
// leak, and must always produce valid JSON-serializable output. Also checks that the UTF-8 fast
// path of the decoder agrees with the full DecodeHtml whenever it accepts a page.
#include <cstddef>
#include <cstdint>
#include <string>

#include "extractors/charset.h"
#include "extractors/extract.h"
#include "extractors/fast_decode.h"

namespace {

void CheckFastDecode(std::string_view bytes, std::string_view content_type) {
  tincrawl::DecodedHtml fast;
  if (!tincrawl::DecodeHtmlFast(bytes, content_type, &fast)) return;
  tincrawl::DecodedHtml full = tincrawl::DecodeHtml(bytes, content_type);
  if (fast.utf8 != full.utf8 || fast.charset != full.charset) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::vector<std::string> kPresets = tincrawl::PresetNames();
  static constexpr std::string_view kContentTypes[] = {
      "", "text/html; charset=utf-8", "text/html; charset=windows-1258", "text/html;charset=tcvn"};
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  std::string_view content_type = kContentTypes[size % std::size(kContentTypes)];
  CheckFastDecode(bytes, content_type);
  tincrawl::ExtractInput in;
  in.bytes = bytes;
  in.url = "https://fuzz.gov.vn/a/b/c.aspx?nid=1";
  in.content_type = std::string(content_type);
  tincrawl::Article a = tincrawl::Extract(in);
  (void)tincrawl::ArticleToJson(a, "fuzz");
  if (size > 0) {
    in.rules = tincrawl::FindPreset(kPresets[data[0] % kPresets.size()]);
    a = tincrawl::Extract(in);
    (void)tincrawl::ArticleToJson(a);
  }
  return 0;
}

// Extract() on arbitrary bytes, generic and with each CMS preset: must never crash, hang or
// leak, and must always produce valid JSON-serializable output.
#include <cstddef>
#include <cstdint>
#include <string>

#include "extractors/extract.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::vector<std::string> kPresets = tincrawl::PresetNames();
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  tincrawl::ExtractInput in;
  in.bytes = bytes;
  in.url = "https://fuzz.gov.vn/a/b/c.aspx?nid=1";
  tincrawl::Article a = tincrawl::Extract(in);
  (void)tincrawl::ArticleToJson(a, "fuzz");
  if (size > 0) {
    in.rules = tincrawl::FindPreset(kPresets[data[0] % kPresets.size()]);
    a = tincrawl::Extract(in);
    (void)tincrawl::ArticleToJson(a);
  }
  return 0;
}

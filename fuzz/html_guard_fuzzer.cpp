// GuardHtml on arbitrary bytes. Checks the properties Extract() relies on:
//  - with no limits the depth bound is never below the depth of the tree gumbo builds (the guard
//    cannot be walked around by hiding or misnesting markup), and DefuseCdata changes neither
//    the length nor the guard's figures;
//  - with tight limits the cut lies inside the input, on a '<' or a UTF-8 character boundary,
//    and the kept prefix passes the same limits whole (truncating really bounds gumbo's work).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "extractors/dom.h"
#include "extractors/html_guard.h"

namespace {

int GumboDepth(const std::string& html) {
  tincrawl::GumboOutputPtr out = tincrawl::ParseHtml(html);
  int best = 0;
  std::vector<std::pair<const GumboNode*, int>> stack{{out->document, 0}};
  while (!stack.empty()) {
    auto [node, depth] = stack.back();
    stack.pop_back();
    if (depth > best) best = depth;
    const GumboVector* kids = node->type == GUMBO_NODE_DOCUMENT ? &node->v.document.children
                              : tincrawl::IsElement(node)       ? &node->v.element.children
                                                                : nullptr;
    for (unsigned i = 0; kids != nullptr && i < kids->length; ++i) {
      stack.push_back({static_cast<const GumboNode*>(kids->data[i]), depth + 1});
    }
  }
  return best;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view html(reinterpret_cast<const char*>(data), size);
  tincrawl::GuardLimits unlimited;
  unlimited.max_depth = 1 << 30;
  unlimited.max_elements = size_t{1} << 40;
  unlimited.max_work = uint64_t{1} << 62;
  tincrawl::GuardResult whole = tincrawl::GuardHtml(html, unlimited);
  if (whole.cut != std::string_view::npos) __builtin_trap();
  // Parsed as Extract() parses it: gumbo aborts on some CDATA sections otherwise.
  std::string defused(html);
  tincrawl::DefuseCdata(&defused);
  if (defused.size() != size) __builtin_trap();
  if (tincrawl::GuardHtml(defused, unlimited).work != whole.work) __builtin_trap();
  if (whole.max_depth < GumboDepth(defused)) __builtin_trap();

  tincrawl::GuardLimits tight;
  tight.max_depth = 12 + static_cast<int>(size % 7);
  tight.max_elements = 8 + size % 13;
  tight.max_work = 20000 + 1000 * (size % 17);
  tincrawl::GuardResult g = tincrawl::GuardHtml(html, tight);
  if (g.cut == std::string_view::npos) return 0;
  if (g.cut > size || g.reason == tincrawl::GuardReason::kNone) __builtin_trap();
  if (g.cut < size && (static_cast<unsigned char>(html[g.cut]) & 0xC0) == 0x80) __builtin_trap();
  tincrawl::GuardResult again = tincrawl::GuardHtml(html.substr(0, g.cut), tight);
  if (again.cut != std::string_view::npos) __builtin_trap();
  return 0;
}

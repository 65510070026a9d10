// Selector::Parse on arbitrary text, then matching on a small fixed document.
#include <cstddef>
#include <cstdint>
#include <string>

#include "extractors/dom.h"
#include "extractors/selector.h"

namespace {

constexpr char kDoc[] =
    "<html><body><div id=main class='a b' data-x='one two'><p class=lead>p1</p>"
    "<div class=inner><p id=p2 class='lead x'>p2</p><span title='Hello World'>s</span></div>"
    "<ul class=menu><li><a href='/a.pdf'>doc</a></li></ul></div><o:p>x</o:p></body></html>";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string html = kDoc;
  static const tincrawl::GumboOutputPtr output = tincrawl::ParseHtml(html);
  std::string error;
  auto sel = tincrawl::Selector::Parse(std::string_view(reinterpret_cast<const char*>(data), size),
                                       &error);
  if (sel == nullptr) {
    if (error.empty()) __builtin_trap();  // A failed parse must explain itself.
    return 0;
  }
  auto all = sel->SelectAll(output->root);
  const GumboNode* first = sel->SelectFirst(output->root);
  if ((first == nullptr) != all.empty()) __builtin_trap();
  if (first != nullptr && first != all.front()) __builtin_trap();
  return 0;
}

// libFuzzer target for dates.h: FindDate (with and without hints), ParseMachineDate and
// Rfc3339ToUnix must agree with each other on everything they produce.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "extractors/dates.h"

namespace {

void Check(bool ok) {
  if (!ok) std::abort();
}

// Everything this module emits must convert to epoch seconds and parse back to itself.
void CheckRoundTrip(const std::string& rfc3339) {
  Check(rfc3339.size() == 25);
  const std::optional<long long> seconds = tincrawl::Rfc3339ToUnix(rfc3339);
  Check(seconds.has_value());
  Check(*seconds > 567993600LL - 86400 && *seconds < 4133980800LL + 86400);  // 1990..2100.
  const std::optional<std::string> again = tincrawl::ParseMachineDate(rfc3339);
  Check(again.has_value() && *again == rfc3339);
}

void CheckFind(std::string_view text, const std::vector<std::string>& hints) {
  const std::optional<tincrawl::DateMatch> match = tincrawl::FindDate(text, hints);
  if (!match) return;
  Check(match->begin < match->end && match->end <= text.size());
  CheckRoundTrip(match->rfc3339);
  Check(match->has_time || match->rfc3339.compare(10, 9, "T00:00:00") == 0);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  // "hint\0text" feeds a site hint; otherwise the whole input is the text.
  const size_t nul = input.find('\0');
  std::vector<std::string> hints;
  std::string_view text = input;
  if (nul != std::string_view::npos && nul < 64) {
    hints.emplace_back(input.substr(0, nul));
    text = input.substr(nul + 1);
  }
  CheckFind(text, {});
  if (!hints.empty()) CheckFind(text, hints);
  if (const auto parsed = tincrawl::ParseMachineDate(text)) CheckRoundTrip(*parsed);
  tincrawl::Rfc3339ToUnix(text);
  return 0;
}

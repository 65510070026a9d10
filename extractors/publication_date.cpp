#include "extractors/publication_date.h"

#include <string_view>

#include "extractors/dates.h"

namespace tincrawl {
namespace {

// Date matches without a time are written at midnight (dates.h).
bool DateOnly(std::string_view rfc3339) {
  return rfc3339.size() >= 19 && rfc3339.substr(10, 9) == "T00:00:00";
}

// True when the instant `rfc3339` falls on the day that starts at `midnight` (both RFC 3339).
bool SameDay(std::string_view midnight, std::string_view rfc3339) {
  auto day = Rfc3339ToUnix(midnight);
  auto t = Rfc3339ToUnix(rfc3339);
  return day && t && *t >= *day && *t < *day + 86400;
}

}  // namespace

std::string PickPublished(const std::string& printed, const std::string& meta,
                          const std::string& script) {
  if (printed.empty()) return !meta.empty() ? meta : script;
  if (!DateOnly(printed)) return printed;
  // A printed day without a time: a machine value of the same day adds the time.
  for (const std::string* machine : {&meta, &script}) {
    if (!machine->empty() && !DateOnly(*machine) && SameDay(printed, *machine)) {
      return *machine;
    }
  }
  return printed;
}

}  // namespace tincrawl

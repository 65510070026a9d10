#include "crawler/common/outcome.h"

#include <array>
#include <cerrno>

namespace tincrawl {

std::string_view OutcomeName(Outcome outcome) {
  static constexpr std::array<std::string_view, kOutcomeCount> kNames = {"ok",
                                                                         "not_modified",
                                                                         "redirect",
                                                                         "http_4xx",
                                                                         "http_5xx",
                                                                         "timeout",
                                                                         "dns",
                                                                         "connect",
                                                                         "tls",
                                                                         "too_large",
                                                                         "robots_denied",
                                                                         "reset",
                                                                         "private_address",
                                                                         "cancelled",
                                                                         "error"};
  const auto index = static_cast<size_t>(outcome);
  return index < kNames.size() ? kNames[index] : std::string_view("error");
}

Outcome OutcomeFromHttpStatus(long status) {
  if (status == 304) return Outcome::kNotModified;
  if (status >= 200 && status < 300) return Outcome::kOk;
  if (status >= 300 && status < 400) return Outcome::kRedirect;
  if (status >= 400 && status < 500) return Outcome::kHttp4xx;
  if (status >= 500 && status < 600) return Outcome::kHttp5xx;
  return Outcome::kError;
}

bool IsHostFailure(Outcome outcome) {
  switch (outcome) {
    case Outcome::kHttp5xx:
    case Outcome::kTimeout:
    case Outcome::kConnect:
    case Outcome::kReset:
    case Outcome::kDns:
    case Outcome::kTls:
      return true;
    default:
      return false;
  }
}

}  // namespace tincrawl

#include "crawler/common/fetch_result.h"

namespace tincrawl {

std::vector<std::string_view> TlsRelaxationNames(unsigned mask) {
  std::vector<std::string_view> names;
  if (mask & kTlsExtraCa) names.push_back("ca_file");
  if (mask & kTlsLegacyServerConnect) names.push_back("legacy_server_connect");
  if (mask & kTlsSecurityLevel) names.push_back("security_level");
  if (mask & kTlsNoVerify) names.push_back("verify_off");
  return names;
}

}  // namespace tincrawl

// `tincrawl new-site` and `tincrawl test-site` (being written; see issue 10).
#include <cstdio>

#include "crawler/commands.h"

namespace tincrawl {

int CmdNewSite(const CliOptions&) {
  std::fprintf(stderr, "tincrawl: new-site is not available in this build yet\n");
  return kExitFailure;
}

int CmdTestSite(const CliOptions&) {
  std::fprintf(stderr, "tincrawl: test-site is not available in this build yet\n");
  return kExitFailure;
}

}  // namespace tincrawl

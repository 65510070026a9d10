// `tincrawl run`, `crawl`, `export` and `sites`: wired to the crawl pipeline (crawler.h).
#include <cstdio>

#include "crawler/commands.h"

namespace tincrawl {

namespace {
int Unavailable(const char* what) {
  std::fprintf(stderr, "tincrawl: '%s' is not available in this build yet\n", what);
  return kExitFailure;
}
}  // namespace

int CmdRun(const CliOptions&) { return Unavailable("run"); }
int CmdCrawl(const CliOptions&) { return Unavailable("crawl"); }
int CmdExport(const CliOptions&) { return Unavailable("export"); }
int CmdSites(const CliOptions&) { return Unavailable("sites"); }

}  // namespace tincrawl

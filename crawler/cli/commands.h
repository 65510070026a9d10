#pragma once

#include "crawler/cli/cli.h"

namespace tincrawl {

// One function per CLI command; each returns the process exit code (see cli.h).
int CmdRun(const CliOptions& opts);
int CmdCrawl(const CliOptions& opts);
int CmdCheckConfig(const CliOptions& opts);
int CmdExtract(const CliOptions& opts);
int CmdExport(const CliOptions& opts);
int CmdSites(const CliOptions& opts);
int CmdNewSite(const CliOptions& opts);
int CmdTestSite(const CliOptions& opts);

}  // namespace tincrawl

#pragma once

#include <memory>

#include "crawler/cli/cli.h"
#include "crawler/common/status.h"
#include "crawler/config/config.h"

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
int CmdUrl(const CliOptions& opts);

class Store;

// Loads the config named by the options; prints every error (file:line) and returns false when
// there is any.
bool LoadOrReport(const CliOptions& opts, Config* config);
// Opens the store for reading: as a secondary of a running daemon when one holds the lock,
// otherwise read-only.
Status OpenForReading(const Config& config, std::unique_ptr<Store>* store);

}  // namespace tincrawl

// `tincrawl check-config` and `tincrawl extract`.
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include "crawler/cli/commands.h"
#include "crawler/config/config.h"
#include "crawler/net/simple_fetch.h"
#include "crawler/sink/sink.h"
#include "extractors/extract.h"

namespace tincrawl {

namespace {

void PrintErrors(const std::vector<ConfigError>& errors) {
  for (const auto& e : errors) std::fprintf(stderr, "%s\n", e.ToString().c_str());
}

bool ReadInput(const std::string& input, std::string* bytes, std::string* error) {
  if (input == "-") {
    std::ostringstream ss;
    ss << std::cin.rdbuf();
    *bytes = ss.str();
    return true;
  }
  std::ifstream f(input, std::ios::binary);
  if (!f) {
    *error = "cannot read " + input;
    return false;
  }
  bytes->assign(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
  return true;
}

// The configured site whose hosts include the host of `url`, or nullptr.
const SiteConfig* SiteForUrl(const Config& config, const std::string& url) {
  std::string host = UrlHost(url);
  for (const auto& s : config.sites) {
    for (const auto& h : s.hosts) {
      if (h == host) return &s;
    }
  }
  return nullptr;
}

// Connects to the sink's database: bad credentials, a missing database or schema trouble are
// errors (located at output.postgres); a server that cannot be reached now is only a warning,
// since the daemon keeps crawling and loads the backlog once it is back.
bool CheckSink(const PostgresConfig& pg) {
  if (!pg.enabled) return true;
  std::string report;
  Status s = CheckPostgres(pg, &report);
  const std::string where = ConfigError{pg.file, pg.line, pg.column, ""}.ToString();
  if (s.ok()) {
    std::printf("%soutput.postgres: %s\n", where.c_str(), report.c_str());
    return true;
  }
  const bool down = s.code() == Status::Code::kUnavailable;
  std::fprintf(stderr, "%s%soutput.postgres (%s): %s\n", where.c_str(), down ? "warning: " : "",
               pg.dsn_from.c_str(), s.message().c_str());
  return down;
}

}  // namespace

int CmdCheckConfig(const CliOptions& opts) {
  std::vector<ConfigError> errors;
  Config config = LoadConfig(opts.config_path, &errors);
  if (!errors.empty()) {
    PrintErrors(errors);
    std::fprintf(stderr, "%s: %zu error%s\n", opts.config_path.c_str(), errors.size(),
                 errors.size() == 1 ? "" : "s");
    return kExitUsage;
  }
  if (!CheckSink(config.daemon.output.postgres)) return kExitUsage;
  size_t enabled = 0;
  for (const auto& s : config.sites) enabled += s.enabled ? 1 : 0;
  std::printf("%s: OK, %zu sites (%zu enabled), state in %s\n", opts.config_path.c_str(),
              config.sites.size(), enabled, config.daemon.state_dir.c_str());
  return kExitOk;
}

int CmdExtract(const CliOptions& opts) {
  Config config;
  bool need_config = !opts.site_ids.empty();
  if (need_config || access(opts.config_path.c_str(), R_OK) == 0) {
    std::vector<ConfigError> errors;
    config = LoadConfig(opts.config_path, &errors);
    if (!errors.empty()) {
      PrintErrors(errors);
      if (need_config) return kExitUsage;
      config = Config();  // Unusable config: fall back to generic extraction.
    }
  }
  const SiteConfig* forced = nullptr;
  if (!opts.site_ids.empty()) {
    forced = config.FindSite(opts.site_ids[0]);
    if (forced == nullptr) {
      std::fprintf(stderr, "tincrawl: no site \"%s\" in %s\n", opts.site_ids[0].c_str(),
                   opts.config_path.c_str());
      return kExitUsage;
    }
  }
  int rc = kExitOk;
  for (const auto& input : opts.inputs) {
    std::string bytes, error, content_type;
    std::string url = !opts.url.empty() ? opts.url : (IsHttpUrl(input) ? input : "");
    bool ok = IsHttpUrl(input)
                  ? SimpleFetch(input, config.daemon.network, &bytes, &content_type, &url, &error)
                  : ReadInput(input, &bytes, &error);
    if (!ok) {
      std::fprintf(stderr, "tincrawl: %s\n", error.c_str());
      Article failed;
      failed.url = url;
      failed.error = "input_error";
      std::printf("%s\n", ArticleToJson(failed, input).c_str());
      rc = kExitFailure;
      continue;
    }
    const SiteConfig* site = forced ? forced : SiteForUrl(config, url);
    ExtractInput in;
    in.bytes = bytes;
    in.url = url;
    in.content_type = content_type;
    in.rules = (site != nullptr && !site->extract.Empty()) ? &site->extract : nullptr;
    in.generic_only = opts.generic;
    std::printf("%s\n", ArticleToJson(Extract(in), input).c_str());
  }
  return rc;
}

}  // namespace tincrawl

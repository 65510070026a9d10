// `tincrawl run`, `crawl`, `export` and `sites`.
#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>

#include "crawler/cli/commands.h"
#include "crawler/config/config.h"
#include "crawler/daemon/daemon.h"
#include "crawler/net/robots_store.h"
#include "crawler/output/spool.h"
#include "crawler/sink/sql_export.h"
#include "crawler/store/article_record.h"
#include "crawler/store/store.h"
#include "extractors/dates.h"

namespace tincrawl {

bool LoadOrReport(const CliOptions& opts, Config* config) {
  std::vector<ConfigError> errors;
  *config = LoadConfig(opts.config_path, &errors);
  for (const auto& e : errors) std::fprintf(stderr, "%s\n", e.ToString().c_str());
  return errors.empty();
}

namespace {

int RunCrawler(const CliOptions& opts, CrawlOptions crawl) {
  Config config;
  if (!LoadOrReport(opts, &config)) return kExitUsage;
  Crawler crawler(std::move(config), std::move(crawl));
  if (Status s = crawler.Open(); !s.ok()) {
    std::fprintf(stderr, "tincrawl: %s\n", s.message().c_str());
    return s.code() == Status::Code::kInvalidArgument ? kExitUsage : kExitFailure;
  }
  if (Status s = crawler.Run(); !s.ok()) {
    std::fprintf(stderr, "tincrawl: %s\n", s.message().c_str());
    return kExitFailure;
  }
  return kExitOk;
}

}  // namespace

Status OpenForReading(const Config& config, std::unique_ptr<Store>* store) {
  std::string db = config.daemon.state_dir + "/db";
  if (!std::filesystem::exists(db)) {
    return Status::NotFound("no store at " + db + " (has the crawler run yet?)");
  }
  std::string secondary = config.daemon.state_dir + "/export-secondary-" + std::to_string(getpid());
  Status s = Store::OpenSecondary(db, secondary, config.daemon.store, store);
  if (s.ok()) s = (*store)->CatchUp();
  if (!s.ok()) s = Store::OpenReadOnly(db, config.daemon.store, store);
  std::error_code ec;
  std::filesystem::remove_all(secondary, ec);
  return s;
}

namespace {

std::string Age(int64_t then, int64_t now) {
  if (then <= 0) return "never";
  int64_t d = now - then;
  char buf[32];
  if (d < 120) {
    std::snprintf(buf, sizeof buf, "%llds ago", static_cast<long long>(d));
  } else if (d < 7200) {
    std::snprintf(buf, sizeof buf, "%lldm ago", static_cast<long long>(d / 60));
  } else if (d < 172800) {
    std::snprintf(buf, sizeof buf, "%lldh ago", static_cast<long long>(d / 3600));
  } else {
    std::snprintf(buf, sizeof buf, "%lldd ago", static_cast<long long>(d / 86400));
  }
  return buf;
}

// Site id -> "robots.txt: dns: ... (origin, since 5m ago)" for each site whose robots.txt is
// failing right now: its URLs wait for it, so this, not a page error, is what the user needs.
std::map<std::string, std::string> RobotsFailures(const Store& store, int64_t now) {
  std::map<std::string, std::string> failures;
  (void)store.ForEachRobots([&](std::string_view origin, std::string_view value) {
    RobotsRecord record;
    if (DecodeRobotsRecord(value, &record) && record.failing_since_unix > 0) {
      failures[record.site_id] = record.last_error + " (" + std::string(origin) +
                                 ", failing since " + Age(record.failing_since_unix, now) + ")";
    }
    return true;
  });
  return failures;
}

}  // namespace

int CmdRun(const CliOptions& opts) { return RunCrawler(opts, CrawlOptions{}); }

int CmdCrawl(const CliOptions& opts) {
  CrawlOptions crawl;
  crawl.one_shot = true;
  crawl.only_sites = opts.site_ids;
  crawl.max_pages = opts.max_pages;
  crawl.progress = isatty(STDERR_FILENO) == 1;
  return RunCrawler(opts, std::move(crawl));
}

int CmdExport(const CliOptions& opts) {
  Config config;
  if (!LoadOrReport(opts, &config)) return kExitUsage;
  int64_t since = 0;
  if (!opts.since.empty()) {
    std::optional<long long> t = Rfc3339ToUnix(opts.since);
    if (!t) {
      std::fprintf(stderr, "tincrawl: --since needs an RFC 3339 time, got '%s'\n",
                   opts.since.c_str());
      return kExitUsage;
    }
    since = *t;
  }
  std::unique_ptr<Store> store;
  if (Status s = OpenForReading(config, &store); !s.ok()) {
    std::fprintf(stderr, "tincrawl: %s\n", s.message().c_str());
    return kExitFailure;
  }
  const auto keep = [&](const ArticleRecord& r) {
    bool site_ok = opts.site_ids.empty() || std::find(opts.site_ids.begin(), opts.site_ids.end(),
                                                      r.site) != opts.site_ids.end();
    return site_ok && r.fetched_at >= since;
  };
  if (opts.format == "sql") {
    const std::string& schema = config.daemon.output.postgres.schema;
    if (Status s = WriteSqlExport(*store, schema, keep, stdout); !s.ok()) {
      std::fprintf(stderr, "tincrawl: export failed: %s\n", s.message().c_str());
      return kExitFailure;
    }
    return kExitOk;
  }
  Status s = ForEachArticle(*store, [&](const ArticleRecord& r) {
    if (!keep(r)) return true;
    std::string line = ArticleRecordToJson(r);
    line.push_back('\n');
    return std::fwrite(line.data(), 1, line.size(), stdout) == line.size();
  });
  if (!s.ok()) {
    std::fprintf(stderr, "tincrawl: export failed: %s\n", s.message().c_str());
    return kExitFailure;
  }
  return std::fflush(stdout) == 0 ? kExitOk : kExitFailure;
}

int CmdSites(const CliOptions& opts) {
  Config config;
  if (!LoadOrReport(opts, &config)) return kExitUsage;
  std::unique_ptr<Store> store;
  Status open = OpenForReading(config, &store);
  int64_t now = std::time(nullptr);
  std::printf("%-24s %-8s %-14s %-14s %9s %9s %7s  %s\n", "SITE", "STATE", "LAST SUCCESS",
              "LAST NEW", "ARTICLES", "PAGES", "ERRORS", "LAST ERROR");
  const auto robots =
      open.ok() ? RobotsFailures(*store, now) : std::map<std::string, std::string>();
  for (const auto& site : config.sites) {
    SiteState st;
    if (open.ok()) (void)store->GetSiteState(site.id, &st);
    auto robots_failure = robots.find(site.id);
    if (robots_failure != robots.end()) st.last_error = robots_failure->second;
    const char* state = !site.enabled                                             ? "disabled"
                        : st.pages_fetched == 0                                   ? "new"
                        : st.last_success > 0 && now - st.last_success < 6 * 3600 ? "ok"
                                                                                  : "dark";
    std::printf("%-24s %-8s %-14s %-14s %9lld %9lld %7lld  %s\n", site.id.c_str(), state,
                Age(st.last_success, now).c_str(), Age(st.last_new_article, now).c_str(),
                static_cast<long long>(st.articles_new), static_cast<long long>(st.pages_fetched),
                static_cast<long long>(st.errors), st.last_error.c_str());
  }
  if (!open.ok()) std::fprintf(stderr, "tincrawl: %s\n", open.message().c_str());
  return kExitOk;
}

}  // namespace tincrawl

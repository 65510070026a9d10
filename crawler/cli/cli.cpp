#include "crawler/cli/cli.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <map>

#include "crawler/cli/commands.h"
#include "crawler/config/config.h"

namespace tincrawl {

namespace {

struct CommandInfo {
  const char* name;
  const char* synopsis;
  const char* summary;
  int (*run)(const CliOptions&);
};

const CommandInfo kCommands[] = {
    {"run", "run [-c FILE]", "run the daemon in the foreground until SIGTERM (systemd style)",
     CmdRun},
    {"crawl", "crawl [-c FILE] [--site ID]... [--max-pages N]",
     "one-shot crawl until the frontier is idle, then exit", CmdCrawl},
    {"check-config", "check-config [-c FILE]",
     "validate the daemon config and every site config; print every error", CmdCheckConfig},
    {"extract", "extract [-c FILE] [--site ID | --generic] [--url URL] INPUT...",
     "extract articles from files, '-' or http(s) URLs; JSON Lines on stdout", CmdExtract},
    {"export", "export [-c FILE] [--site ID] [--since RFC3339] [--format jsonl|sql]",
     "print stored articles as JSON Lines, or as a psql script that loads them into PostgreSQL "
     "(works while the daemon runs)",
     CmdExport},
    {"sites", "sites [-c FILE]", "one line per site: state, last success, articles, errors",
     CmdSites},
    {"url", "url [-c FILE] URL...",
     "what the crawler knows of each URL: state, last outcome, next visit, sources", CmdUrl},
    {"new-site", "new-site [-c FILE] [--id ID] [-o FILE] URL|FILE...",
     "propose a commented site file from a home page and a few pages (live or saved)", CmdNewSite},
    {"test-site", "test-site [-c FILE] ID [--pages N]",
     "fetch a site's seeds and N articles, report problems, exit 0 only when it passes",
     CmdTestSite},
};

std::string Usage() {
  std::string s = "tincrawl " TINCRAWL_VERSION
                  " - news crawler for Vietnamese government portals\n\n"
                  "Usage: tincrawl <command> [options]\n\nCommands:\n";
  for (const auto& c : kCommands) {
    char line[256];
    std::snprintf(line, sizeof line, "  %-64s\n      %s\n", c.synopsis, c.summary);
    s += line;
  }
  s += "\nOptions:\n"
       "  -c, --config FILE   daemon config (default: $TINCRAWL_CONFIG, then\n"
       "                      /etc/tincrawl/tincrawl.yaml, then ./config/tincrawl.yaml)\n"
       "  -h, --help          show help (also: tincrawl <command> --help)\n"
       "  -V, --version       show the version\n\n"
       "Exit codes: 0 success, 1 runtime failure, 2 usage or configuration error.\n";
  return s;
}

const CommandInfo* FindCommand(const std::string& name) {
  for (const auto& c : kCommands) {
    if (name == c.name) return &c;
  }
  return nullptr;
}

std::string CommandHelp(const CommandInfo& c) {
  return std::string("Usage: tincrawl ") + c.synopsis + "\n\n" + c.summary +
         "\n\n  -c, --config FILE   daemon config (default: $TINCRAWL_CONFIG, then\n"
         "                      /etc/tincrawl/tincrawl.yaml, then ./config/tincrawl.yaml)\n";
}

// Options that take a value, and which commands accept them.
const std::map<std::string, std::vector<std::string>> kValueOptions = {
    {"--site", {"crawl", "extract", "export"}},
    {"--max-pages", {"crawl"}},
    {"--url", {"extract"}},
    {"--since", {"export"}},
    {"--format", {"export"}},
    {"--pages", {"test-site"}},
    {"-o", {"new-site"}},
    {"--output", {"new-site"}},
    {"--id", {"new-site"}},
};

bool Accepts(const std::string& option, const std::string& command) {
  auto it = kValueOptions.find(option);
  if (it == kValueOptions.end()) return false;
  for (const auto& c : it->second) {
    if (c == command) return true;
  }
  return false;
}

int UsageError(std::string* err, const std::string& msg) {
  *err += "tincrawl: " + msg + "\nTry 'tincrawl --help'.\n";
  return kExitUsage;
}

int ApplyValue(const std::string& opt, const std::string& value, CliOptions* o, std::string* err) {
  if (opt == "--site") {
    o->site_ids.push_back(value);
  } else if (opt == "--max-pages") {
    char* end = nullptr;
    o->max_pages = std::strtoll(value.c_str(), &end, 10);
    if (end == value.c_str() || *end != '\0' || o->max_pages < 0) {
      return UsageError(err, "--max-pages needs a non-negative integer, got '" + value + "'");
    }
  } else if (opt == "--url") {
    o->url = value;
  } else if (opt == "--since") {
    o->since = value;
  } else if (opt == "--pages") {
    char* end = nullptr;
    long pages = std::strtol(value.c_str(), &end, 10);
    if (end == value.c_str() || *end != '\0' || pages < 1 || pages > 1000) {
      return UsageError(err, "--pages needs an integer between 1 and 1000, got '" + value + "'");
    }
    o->pages = static_cast<int>(pages);
  } else if (opt == "-o" || opt == "--output") {
    o->output = value;
  } else if (opt == "--id") {
    o->site_ids.push_back(value);
  } else if (opt == "--format") {
    if (value != "jsonl" && value != "sql") {
      return UsageError(err, "unsupported --format '" + value + "' (jsonl or sql)");
    }
    o->format = value;
  }
  return kExitOk;
}

// The checks of a command's positional arguments and option combinations.
int CheckArguments(const CliOptions& o, std::string* err) {
  if (o.command == "extract") {
    if (o.inputs.empty()) return UsageError(err, "extract needs at least one INPUT");
    if (o.generic && !o.site_ids.empty()) {
      return UsageError(err, "--site and --generic are mutually exclusive");
    }
    if (o.site_ids.size() > 1) return UsageError(err, "extract takes one --site");
  }
  if (o.command == "new-site" && o.inputs.empty()) {
    return UsageError(err, "new-site needs at least one URL or FILE");
  }
  if (o.command == "url" && o.inputs.empty()) {
    return UsageError(err, "url needs at least one URL");
  }
  if (o.command == "test-site" && o.inputs.size() != 1) {
    return UsageError(err, "test-site needs exactly one site ID");
  }
  return kExitOk;
}

}  // namespace

int ParseCli(int argc, char** argv, CliOptions* o, std::string* out, std::string* err) {
  const CommandInfo* cmd = nullptr;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "-h" || a == "--help") {
      *out += cmd ? CommandHelp(*cmd) : Usage();
      return -1;
    }
    if (a == "-V" || a == "--version") {
      *out += "tincrawl " TINCRAWL_VERSION "\n";
      return -1;
    }
    if (a == "-c" || a == "--config") {
      if (++i >= argc) return UsageError(err, a + " needs a FILE");
      o->config_path = argv[i];
      continue;
    }
    if (cmd == nullptr && a[0] != '-') {
      cmd = FindCommand(a);
      if (cmd == nullptr) return UsageError(err, "unknown command '" + a + "'");
      o->command = a;
      continue;
    }
    if (cmd != nullptr && a == "--generic" && o->command == "extract") {
      o->generic = true;
      continue;
    }
    if (cmd != nullptr && Accepts(a, o->command)) {
      if (++i >= argc) return UsageError(err, a + " needs a value");
      if (int rc = ApplyValue(a, argv[i], o, err); rc != kExitOk) return rc;
      continue;
    }
    bool takes_inputs = o->command == "extract" || o->command == "new-site" ||
                        o->command == "test-site" || o->command == "url";
    if (cmd != nullptr && (a == "-" || a[0] != '-') && takes_inputs) {
      o->inputs.push_back(a);
      continue;
    }
    return UsageError(err, cmd ? "unexpected argument '" + a + "' for '" + o->command + "'"
                               : "unknown option '" + a + "'");
  }
  if (cmd == nullptr) return UsageError(err, "no command given");
  if (int rc = CheckArguments(*o, err); rc != kExitOk) return rc;
  if (o->config_path.empty()) o->config_path = DefaultConfigPath();
  return kExitOk;
}

int RunCli(int argc, char** argv) {
  CliOptions opts;
  std::string out, err;
  int rc = ParseCli(argc, argv, &opts, &out, &err);
  std::fputs(out.c_str(), stdout);
  std::fputs(err.c_str(), stderr);
  if (rc == -1) return kExitOk;
  if (rc != kExitOk) return rc;
  return FindCommand(opts.command)->run(opts);
}

}  // namespace tincrawl

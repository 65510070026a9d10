#pragma once

#include <string>
#include <vector>

namespace tincrawl {

// Exit codes of every tincrawl command.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;  // Runtime failure.
inline constexpr int kExitUsage = 2;    // Usage or configuration error.

struct CliOptions {
  std::string command;  // run, crawl, check-config, extract, export, sites, test-site, new-site.
  std::string config_path;            // -c; defaults per DefaultConfigPath().
  std::vector<std::string> site_ids;  // --site (repeatable).
  long long max_pages = 0;            // --max-pages; 0 = unlimited.
  bool generic = false;               // --generic
  std::string url;                    // --url
  std::string since;                  // --since RFC 3339
  std::string format = "jsonl";       // --format
  std::string output;                 // -o
  int pages = 5;                      // --pages (test-site)
  std::vector<std::string> inputs;    // Positional arguments.
};

// Parses argv. Returns kExitOk with *opts filled; -1 after writing help or the version to *out
// (the process then exits 0); kExitUsage after writing a usage error to *err.
int ParseCli(int argc, char** argv, CliOptions* opts, std::string* out, std::string* err);

// Parses and runs one command; returns the process exit code.
int RunCli(int argc, char** argv);

}  // namespace tincrawl

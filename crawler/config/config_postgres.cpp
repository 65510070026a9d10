// output.postgres: where the PostgreSQL sink writes. The connection string is resolved here
// (from the config, a file or an environment variable) so every later step sees one value, and
// no error message ever quotes it.
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <regex>

#include "crawler/config/yaml_reader.h"

namespace tincrawl {
namespace {

namespace fs = std::filesystem;

std::string Trimmed(std::string s) {
  const auto space = [](char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; };
  while (!s.empty() && space(s.back())) s.pop_back();
  size_t start = 0;
  while (start < s.size() && space(s[start])) ++start;
  return s.substr(start);
}

// The DSN from exactly one of dsn, dsn_file (relative to the config file's folder) and dsn_env.
void ReadDsn(YamlReader& r, const YAML::Node& n, PostgresConfig* pg) {
  const int given = (n["dsn"] ? 1 : 0) + (n["dsn_file"] ? 1 : 0) + (n["dsn_env"] ? 1 : 0);
  if (given != 1) {
    r.Error(n, given == 0 ? "postgres needs one of dsn, dsn_file or dsn_env"
                          : "postgres takes only one of dsn, dsn_file and dsn_env");
    return;
  }
  std::string value;
  if (r.Get(n, "dsn", &value)) {
    pg->dsn_from = "dsn";
  } else if (r.Get(n, "dsn_file", &value)) {
    fs::path path(value);
    if (path.is_relative()) path = fs::absolute(fs::path(r.file())).parent_path() / path;
    pg->dsn_from = "dsn_file " + path.lexically_normal().string();
    std::ifstream f(path);
    if (!f) {
      r.Error(n["dsn_file"], "cannot read dsn_file \"" + path.lexically_normal().string() +
                                 "\": " + std::strerror(errno));
      return;
    }
    value.assign(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
  } else if (r.Get(n, "dsn_env", &value)) {
    pg->dsn_from = "dsn_env " + value;
    const char* env = std::getenv(value.c_str());
    if (env == nullptr) {
      r.Error(n["dsn_env"], "environment variable " + value + " (dsn_env) is not set");
      return;
    }
    value = env;
  } else {
    return;  // A type error, already recorded.
  }
  pg->dsn = Trimmed(std::move(value));
  if (pg->dsn.empty()) r.Error(n, "the postgres connection string (" + pg->dsn_from + ") is empty");
}

}  // namespace

void ReadPostgres(YamlReader& r, const YAML::Node& n, PostgresConfig* pg) {
  if (!r.ExpectMap(n, "postgres")) return;
  r.CheckKeys(n,
              {"enabled", "dsn", "dsn_file", "dsn_env", "schema", "batch", "max_backoff_seconds"},
              "postgres");
  pg->enabled = true;
  pg->file = r.file();
  pg->line = n.Mark().line + 1;
  pg->column = n.Mark().column + 1;
  r.Get(n, "enabled", &pg->enabled);
  ReadDsn(r, n, pg);
  if (r.Get(n, "schema", &pg->schema)) {
    static const std::regex kIdentifier("^[a-z_][a-z0-9_]{0,62}$");
    if (!std::regex_match(pg->schema, kIdentifier)) {
      r.Error(n["schema"], "schema must be a lower-case SQL identifier ([a-z_][a-z0-9_]*)");
    }
  }
  r.Get(n, "batch", &pg->batch, 1, 100000);
  r.Get(n, "max_backoff_seconds", &pg->max_backoff_seconds, 0.1, 3600);
}

}  // namespace tincrawl

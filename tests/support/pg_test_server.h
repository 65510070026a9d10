#pragma once

// A private PostgreSQL server for one test (tests/support/pg_server.py: initdb + pg_ctl in a
// temporary directory, 127.0.0.1 on a free port, run as `postgres` when the test runs as root).
#include <filesystem>
#include <string>
#include <vector>

#include "crawler/sink/json_value.h"
#include "support/subprocess.h"

namespace tincrawl::testing {

class PgTestServer {
 public:
  PgTestServer() = default;
  ~PgTestServer() {
    if (!dir_.empty()) Script({"destroy", "--dir", dir_});
  }
  PgTestServer(const PgTestServer&) = delete;
  PgTestServer& operator=(const PgTestServer&) = delete;

  // Creates and starts the server; false (with error()) when that fails.
  bool Start() {
    ProcessResult r = Script(dir_.empty() ? std::vector<std::string>{"start"}
                                          : std::vector<std::string>{"start", "--dir", dir_});
    JsonValue info;
    std::string parse_error;
    if (r.exit_code != 0 || !ParseJson(r.out, &info, &parse_error)) {
      error_ = r.err + r.out;
      return false;
    }
    dir_ = info.Find("dir")->text;
    port_ = std::stoi(info.Find("port")->text);
    password_ = info.Find("password")->text;
    socket_dir_ = info.Find("socket_dir")->text;
    return true;
  }
  // Stops it: "fast" (clean) or "immediate" (a crash: recovery at the next start).
  bool Stop(const std::string& mode = "fast") {
    return Script({"stop", "--dir", dir_, "--mode", mode}).exit_code == 0;
  }

  std::string Dsn(const std::string& dbname = "postgres", const std::string& password = "") const {
    return "host=127.0.0.1 port=" + std::to_string(port_) +
           " user=tincrawl password=" + (password.empty() ? password_ : password) +
           " dbname=" + dbname + " connect_timeout=5";
  }
  int port() const { return port_; }
  const std::string& error() const { return error_; }

  // Runs `sql` with psql over the unix socket; the rows, one string per row with fields joined
  // by '|'. Fails the calling test (via *ok) on errors.
  std::vector<std::string> Query(const std::string& sql, bool* ok = nullptr,
                                 const std::string& dbname = "postgres") const {
    ProcessResult r =
        RunProcess({Bin("psql"), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", socket_dir_,
                    "-p", std::to_string(port_), "-U", "tincrawl", "-d", dbname, "-c", sql},
                   {}, "", 120);
    if (ok != nullptr) *ok = r.exit_code == 0;
    if (r.exit_code != 0) last_psql_error_ = r.err;
    std::vector<std::string> rows;
    size_t start = 0;
    for (size_t nl = r.out.find('\n'); nl != std::string::npos; nl = r.out.find('\n', start)) {
      if (nl > start) rows.push_back(r.out.substr(start, nl - start));
      start = nl + 1;
    }
    return rows;
  }
  // The single value of a one-row, one-column query ("" when there is none).
  std::string Value(const std::string& sql) const {
    std::vector<std::string> rows = Query(sql);
    return rows.empty() ? "" : rows[0];
  }
  const std::string& last_psql_error() const { return last_psql_error_; }
  // A PostgreSQL client binary (psql) from the server's bin directory or PATH.
  static std::string Bin(const std::string& name) {
    for (const char* dir : {"/usr/lib/postgresql/17/bin", "/usr/lib/postgresql/16/bin",
                            "/usr/lib/postgresql/15/bin", "/usr/bin", "/usr/local/bin"}) {
      const std::string path = std::string(dir) + "/" + name;
      if (std::filesystem::exists(path)) return path;
    }
    return name;
  }

 private:
  static ProcessResult Script(std::vector<std::string> args) {
    args.insert(args.begin(),
                {"/usr/bin/python3", TINCRAWL_SOURCE_DIR "/tests/support/pg_server.py"});
    return RunProcess(args, {}, "", 180);
  }

  std::string dir_;
  int port_ = 0;
  std::string password_;
  std::string socket_dir_;
  std::string error_;
  mutable std::string last_psql_error_;
};

}  // namespace tincrawl::testing

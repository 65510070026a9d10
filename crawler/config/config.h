#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "extractors/article.h"

namespace tincrawl {

// A problem found while loading configuration, located in its file (1-based line and column;
// 0 when the problem concerns the whole file).
struct ConfigError {
  std::string file;
  int line = 0;
  int column = 0;
  std::string message;

  // "file:line:column: message" (the format editors and compilers use).
  std::string ToString() const;
};

struct Politeness {
  int max_connections_per_host = 1;
  int max_connections_per_ip = 4;         // Many portals share a provincial data centre's address.
  double min_delay_seconds = 1.0;         // Minimum gap between request starts on one host.
  double crawl_delay_cap_seconds = 30.0;  // robots.txt Crawl-delay is honoured up to this.
  bool respect_robots = true;
  int circuit_failures = 5;             // Consecutive failures that open the circuit.
  double circuit_open_seconds = 600.0;  // How long an open circuit waits before probing.
  double backoff_max_seconds = 3600.0;
};

struct TlsPolicy {
  std::string ca_file;                 // Extra CA / intermediate bundle (PEM).
  bool legacy_server_connect = false;  // OpenSSL SSL_OP_LEGACY_SERVER_CONNECT for old servers.
  int security_level = -1;             // OpenSSL @SECLEVEL override; -1 keeps the default.
  bool verify = true;                  // Last resort: false disables peer verification.
};

struct Recrawl {
  double listing_min_seconds = 600.0;
  double listing_max_seconds = 86400.0;
  double article_seconds = 30.0 * 86400.0;       // The first revisit of an article ...
  double article_max_seconds = 365.0 * 86400.0;  // ... doubling each time up to this.
  int backfill_pages = 20;  // Pagination depth walked on the first crawl of a site.
  int max_depth = 10;
  int pages_per_day = 20000;
  // Revisit intervals are lengthened by up to this fraction (per URL and visit), so URLs found
  // together are not due together forever (Jittered in crawler/frontier/recrawl.h).
  double jitter = 0.1;
};

struct UrlRules {
  std::vector<std::string> article;  // ECMAScript regexes matched against the full URL.
  std::vector<std::string> listing;
  std::vector<std::string> ignore;
  std::vector<std::string> keep_params;  // Query parameters that identify a page.
  std::vector<std::string> drop_params;  // Query parameters to strip (session ids, utm_*).
  // What is requested: the link as the page published it (only what no server can tell apart
  // is changed), or the normalized key (`fetch: canonical`). The key names the URL either way.
  bool fetch_canonical = false;
};

struct Locality {
  std::string level;  // "province", "district", "commune" or "ministry".
  std::string province;
  std::string district;
  std::string commune;
  std::string merged_into;  // Site id or name this locality was merged into (2025 reform).
};

struct SiteConfig {
  std::string file;  // Where it was loaded from.
  int id_line = 0;   // Line of the `id` key, for duplicate-id errors.
  std::string id;
  std::string name;
  Locality locality;
  std::string base_url;
  std::vector<std::string> hosts;  // base_url's host plus the extra hostnames.
  std::vector<std::string> seeds;
  std::vector<std::string> feeds;
  std::vector<std::string> sitemaps;
  std::string cms;  // Preset family name, may be empty.
  UrlRules urls;
  ExtractRules extract;   // Site rules with the CMS preset already overlaid underneath.
  Politeness politeness;  // Daemon defaults with the site's overrides applied.
  TlsPolicy tls;
  Recrawl recrawl;
  bool enabled = true;
  bool verified = false;  // Someone ran `tincrawl test-site` against the live site.
  std::string notes;      // Free text: what is known or unsure about this site.
};

struct NetworkConfig {
  std::string user_agent = "tincrawl/" TINCRAWL_VERSION " (+https://github.com/tincrawl/tincrawl)";
  int max_connections = 512;
  double connect_timeout_seconds = 10.0;
  double timeout_seconds = 60.0;
  int low_speed_limit_bytes = 100;       // Abort when slower than this ...
  double low_speed_time_seconds = 30.0;  // ... for this long.
  int64_t max_body_bytes = 10 * 1024 * 1024;
  // New fetches wait while response bodies held in memory (arriving or awaiting processing)
  // add up to this much.
  int64_t max_buffered_body_bytes = 256 * 1024 * 1024;
  int64_t max_header_bytes = 64 * 1024;
  int max_redirects = 5;
  std::string proxy;  // http://, https://, socks5:// or socks5h:// URL; empty = none.
  // Through a proxy tincrawl cannot see the address a request reaches, so the private-address
  // guard cannot apply: a proxy is refused unless this says the user accepts that.
  bool proxy_unguarded = false;
  std::vector<std::string> resolve;  // curl --resolve entries "HOST:PORT:ADDR[,ADDR]".
  std::vector<std::string> allow_private_networks;  // CIDRs exempt from the private-address ban.
};

struct MetricsConfig {
  std::string listen = "127.0.0.1:9464";
  bool enabled = true;
};

// output.postgres: the PostgreSQL sink (crawler/sink/). Exactly one of dsn, dsn_file and dsn_env
// names the connection string; `dsn` holds it resolved and must never be printed or logged.
struct PostgresConfig {
  bool enabled = false;  // The section is present and not `enabled: false`.
  std::string dsn;       // libpq conninfo or URI (the password may be in it).
  std::string dsn_from;  // Where it came from, for messages: "dsn", "dsn_file PATH", "dsn_env VAR".
  std::string schema = "tincrawl";
  int batch = 500;                  // Spool lines per transaction.
  double max_backoff_seconds = 30;  // Retry delay cap while the server is down or failing.
  std::string file;                 // The config file and the position of the section, for
  int line = 0;                     // errors found later (check-config connects).
  int column = 0;
};

struct OutputConfig {
  std::string spool_dir;  // Relative to state_dir when not absolute; default "<state>/spool".
  int64_t rotate_bytes = 256 * 1024 * 1024;
  double rotate_seconds = 3600.0;
  std::string fsync = "batch";  // "always", "batch" or "never".
  bool warc = false;
  std::string warc_dir;
  int keep_raw_html_days = 0;  // 0 = do not keep raw HTML; -1 = keep forever.
  PostgresConfig postgres;
};

struct StoreConfig {
  int64_t block_cache_bytes = 64 * 1024 * 1024;
  std::string compression = "zstd";  // "none", "lz4", "zstd", "snappy".
  bool sync_wal = false;
  // A store or spool I/O error (not a full disk) that lasts this long stops the daemon with a
  // non-zero exit, so systemd restarts it; shorter ones pause fetching and are retried.
  double io_error_exit_seconds = 60.0;
};

struct LogConfig {
  std::string level = "info";     // "debug", "info", "warn", "error".
  std::string format = "logfmt";  // "logfmt" or "json".
};

struct DaemonConfig {
  std::string file;       // The config file path as given.
  std::string state_dir;  // Absolute.
  std::string sites;      // Directory or glob of site files, absolute.
  int workers = 0;        // Worker threads; 0 = number of cores.
  double drain_seconds = 30.0;
  MetricsConfig metrics;
  NetworkConfig network;
  Politeness politeness;
  Recrawl recrawl;
  OutputConfig output;
  StoreConfig store;
  LogConfig log;
};

struct Config {
  DaemonConfig daemon;
  std::vector<SiteConfig> sites;

  const SiteConfig* FindSite(const std::string& id) const;
};

// Loads the daemon config at `path` and every site file it names. Never throws; every problem
// found (not just the first) is appended to *errors. On any error the returned Config must not
// be used. Relative paths in the daemon config are resolved against the config file's folder.
Config LoadConfig(const std::string& path, std::vector<ConfigError>* errors);

// Loads one site file with `defaults` as the daemon's politeness and recrawl defaults.
std::optional<SiteConfig> LoadSiteFile(const std::string& path, const DaemonConfig& defaults,
                                       std::vector<ConfigError>* errors);

// Lower-case host of an absolute http(s) URL (without port), or "" when `url` is not one.
std::string UrlHost(const std::string& url);

// Resolves the -c default: $TINCRAWL_CONFIG, then /etc/tincrawl/tincrawl.yaml, then
// ./config/tincrawl.yaml. Returns the first that exists (or the last candidate).
std::string DefaultConfigPath();

}  // namespace tincrawl

#include "crawler/config/config.h"

#include <glob.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <regex>
#include <tuple>

#include "crawler/common/host.h"
#include "crawler/common/netguard.h"
#include "crawler/config/yaml_reader.h"
#include "extractors/extract.h"
#include "extractors/selector.h"

namespace tincrawl {

namespace fs = std::filesystem;

namespace {

constexpr double kDay = 86400.0;

// Orders the errors appended since `from` by line and column (they are found section by
// section, but people read a file top to bottom).
void SortByPosition(std::vector<ConfigError>* errors, size_t from) {
  std::stable_sort(errors->begin() + static_cast<std::ptrdiff_t>(from), errors->end(),
                   [](const ConfigError& a, const ConfigError& b) {
                     return std::tie(a.line, a.column) < std::tie(b.line, b.column);
                   });
}

// Loads a YAML document, converting yaml-cpp's exceptions into located errors.
bool LoadYaml(const std::string& path, YAML::Node* out, std::vector<ConfigError>* errors) {
  try {
    *out = YAML::LoadFile(path);
    return true;
  } catch (const YAML::BadFile&) {
    errors->push_back({path, 0, 0, "cannot read file: " + std::string(std::strerror(errno))});
  } catch (const YAML::ParserException& e) {
    errors->push_back({path, e.mark.line + 1, e.mark.column + 1, "YAML syntax error: " + e.msg});
  } catch (const YAML::Exception& e) {
    errors->push_back({path, e.mark.line + 1, e.mark.column + 1, e.msg});
  }
  return false;
}

std::string AbsoluteFrom(const fs::path& base_dir, const std::string& p) {
  if (p.empty()) return p;
  fs::path path(p);
  if (path.is_relative()) path = base_dir / path;
  return path.lexically_normal().string();
}

void ReadPoliteness(YamlReader& r, const YAML::Node& n, Politeness* p) {
  if (!r.ExpectMap(n, "politeness")) return;
  r.CheckKeys(n,
              {"max_connections_per_host", "max_connections_per_ip", "min_delay_seconds",
               "crawl_delay_cap_seconds", "respect_robots", "circuit_failures",
               "circuit_open_seconds", "backoff_max_seconds"},
              "politeness");
  r.Get(n, "max_connections_per_host", &p->max_connections_per_host, 1, 64);
  r.Get(n, "max_connections_per_ip", &p->max_connections_per_ip, 1, 1024);
  r.Get(n, "min_delay_seconds", &p->min_delay_seconds, 0, 3600);
  r.Get(n, "crawl_delay_cap_seconds", &p->crawl_delay_cap_seconds, 0, 3600);
  r.Get(n, "respect_robots", &p->respect_robots);
  r.Get(n, "circuit_failures", &p->circuit_failures, 1, 1000);
  r.Get(n, "circuit_open_seconds", &p->circuit_open_seconds, 1, 7 * kDay);
  r.Get(n, "backoff_max_seconds", &p->backoff_max_seconds, 1, 7 * kDay);
}

void ReadRecrawl(YamlReader& r, const YAML::Node& n, Recrawl* c) {
  if (!r.ExpectMap(n, "recrawl")) return;
  r.CheckKeys(n,
              {"listing_min_seconds", "listing_max_seconds", "article_seconds",
               "article_max_seconds", "backfill_pages", "max_depth", "pages_per_day", "jitter"},
              "recrawl");
  r.Get(n, "listing_min_seconds", &c->listing_min_seconds, 1, 30 * kDay);
  r.Get(n, "listing_max_seconds", &c->listing_max_seconds, 1, 365 * kDay);
  r.Get(n, "article_seconds", &c->article_seconds, 60, 3650 * kDay);
  r.Get(n, "article_max_seconds", &c->article_max_seconds, 60, 3650 * kDay);
  r.Get(n, "backfill_pages", &c->backfill_pages, 0, 100000);
  r.Get(n, "max_depth", &c->max_depth, 0, 1000);
  r.Get(n, "pages_per_day", &c->pages_per_day, 1, 100000000);
  r.Get(n, "jitter", &c->jitter, 0.0, 1.0);
  if (c->listing_min_seconds > c->listing_max_seconds) {
    r.Error(n, "listing_min_seconds must not exceed listing_max_seconds");
  }
  if (c->article_seconds > c->article_max_seconds) {
    r.Error(n, "article_seconds must not exceed article_max_seconds");
  }
}

void ReadTls(YamlReader& r, const YAML::Node& n, const fs::path& dir, TlsPolicy* t) {
  if (!r.ExpectMap(n, "tls")) return;
  r.CheckKeys(n, {"ca_file", "legacy_server_connect", "security_level", "verify"}, "tls");
  if (r.Get(n, "ca_file", &t->ca_file) && !t->ca_file.empty()) {
    t->ca_file = AbsoluteFrom(dir, t->ca_file);
    if (access(t->ca_file.c_str(), R_OK) != 0) {
      r.Error(n["ca_file"], "ca_file \"" + t->ca_file + "\" is not readable");
    }
  }
  r.Get(n, "legacy_server_connect", &t->legacy_server_connect);
  r.Get(n, "security_level", &t->security_level, -1, 5);
  r.Get(n, "verify", &t->verify);
}

void ReadNetwork(YamlReader& r, const YAML::Node& n, NetworkConfig* net) {
  if (!r.ExpectMap(n, "network")) return;
  r.CheckKeys(n,
              {"user_agent", "max_connections", "connect_timeout_seconds", "timeout_seconds",
               "low_speed_limit_bytes", "low_speed_time_seconds", "max_body_bytes",
               "max_buffered_body_bytes", "max_header_bytes", "max_redirects", "proxy",
               "proxy_unguarded", "resolve", "allow_private_networks"},
              "network");
  if (r.Get(n, "user_agent", &net->user_agent) &&
      net->user_agent.find("http") == std::string::npos) {
    r.Error(n["user_agent"], "user_agent must include a contact URL (e.g. \"+https://...\")");
  }
  r.Get(n, "max_connections", &net->max_connections, 1, 100000);
  r.Get(n, "connect_timeout_seconds", &net->connect_timeout_seconds, 0.1, 600);
  r.Get(n, "timeout_seconds", &net->timeout_seconds, 0.1, 3600);
  r.Get(n, "low_speed_limit_bytes", &net->low_speed_limit_bytes, 0, 1 << 30);
  r.Get(n, "low_speed_time_seconds", &net->low_speed_time_seconds, 0, 3600);
  r.Get(n, "max_body_bytes", &net->max_body_bytes, 1024, int64_t{1} << 34);
  r.Get(n, "max_buffered_body_bytes", &net->max_buffered_body_bytes, 1 << 20, int64_t{1} << 40);
  r.Get(n, "max_header_bytes", &net->max_header_bytes, 1024, 1 << 24);
  r.Get(n, "max_redirects", &net->max_redirects, 0, 50);
  if (r.Get(n, "proxy", &net->proxy) && !net->proxy.empty()) {
    static const std::regex kProxy(R"(^(https?|socks5h?|socks4a?)://[^\s/]+/?$)");
    if (!std::regex_match(net->proxy, kProxy)) {
      r.Error(n["proxy"], "proxy must be an http://, https://, socks5:// or socks5h:// URL");
    }
  }
  r.Get(n, "proxy_unguarded", &net->proxy_unguarded);
  if (!net->proxy.empty() && !net->proxy_unguarded) {
    r.Error(n["proxy"],
            "through a proxy tincrawl cannot check the address each request reaches, so "
            "loopback and private addresses are no longer refused; set "
            "network.proxy_unguarded: true to accept that (and guard at the proxy)");
  }
  if (r.Get(n, "resolve", &net->resolve)) {
    for (size_t i = 0; i < net->resolve.size(); ++i) {
      if (!ParseResolveEntry(net->resolve[i])) {
        r.Error(n["resolve"][i],
                "resolve entry \"" + net->resolve[i] + "\" must have the form HOST:PORT:ADDRESS");
      }
    }
  }
  if (r.Get(n, "allow_private_networks", &net->allow_private_networks)) {
    for (size_t i = 0; i < net->allow_private_networks.size(); ++i) {
      if (!ParseCidr(net->allow_private_networks[i])) {
        r.Error(n["allow_private_networks"][i],
                "\"" + net->allow_private_networks[i] + "\" is not an IP address or CIDR range");
      }
    }
  }
}

}  // namespace

// output.postgres lives in config_postgres.cpp.
void ReadPostgres(YamlReader& r, const YAML::Node& n, PostgresConfig* pg);

namespace {

void ReadOutput(YamlReader& r, const YAML::Node& n, OutputConfig* o) {
  if (!r.ExpectMap(n, "output")) return;
  r.CheckKeys(n,
              {"spool_dir", "rotate_bytes", "rotate_seconds", "fsync", "warc", "warc_dir",
               "keep_raw_html_days", "postgres"},
              "output");
  r.Get(n, "spool_dir", &o->spool_dir);
  r.Get(n, "rotate_bytes", &o->rotate_bytes, 4096, int64_t{1} << 40);
  r.Get(n, "rotate_seconds", &o->rotate_seconds, 1, 365 * kDay);
  if (r.Get(n, "fsync", &o->fsync) && o->fsync != "always" && o->fsync != "batch" &&
      o->fsync != "never") {
    r.Error(n["fsync"], "fsync must be one of always, batch, never");
  }
  r.Get(n, "warc", &o->warc);
  r.Get(n, "warc_dir", &o->warc_dir);
  r.Get(n, "keep_raw_html_days", &o->keep_raw_html_days, -1, 100000);
  if (n["postgres"]) ReadPostgres(r, n["postgres"], &o->postgres);
}

void ReadStore(YamlReader& r, const YAML::Node& n, StoreConfig* s) {
  if (!r.ExpectMap(n, "store")) return;
  r.CheckKeys(n, {"block_cache_bytes", "compression", "sync_wal", "io_error_exit_seconds"},
              "store");
  r.Get(n, "block_cache_bytes", &s->block_cache_bytes, 1 << 20, int64_t{1} << 40);
  if (r.Get(n, "compression", &s->compression)) {
    static const std::vector<std::string_view> kKinds = {"none", "lz4", "zstd", "snappy"};
    if (std::find(kKinds.begin(), kKinds.end(), s->compression) == kKinds.end()) {
      r.Error(n["compression"], "compression must be one of none, lz4, zstd, snappy");
    }
  }
  r.Get(n, "sync_wal", &s->sync_wal);
  r.Get(n, "io_error_exit_seconds", &s->io_error_exit_seconds, 1, 86400);
}

void ReadLog(YamlReader& r, const YAML::Node& n, LogConfig* l) {
  if (!r.ExpectMap(n, "log")) return;
  r.CheckKeys(n, {"level", "format"}, "log");
  if (r.Get(n, "level", &l->level) && l->level != "debug" && l->level != "info" &&
      l->level != "warn" && l->level != "error") {
    r.Error(n["level"], "level must be one of debug, info, warn, error");
  }
  if (r.Get(n, "format", &l->format) && l->format != "logfmt" && l->format != "json") {
    r.Error(n["format"], "format must be logfmt or json");
  }
}

void ReadMetrics(YamlReader& r, const YAML::Node& n, MetricsConfig* m) {
  if (!r.ExpectMap(n, "metrics")) return;
  r.CheckKeys(n, {"listen", "enabled"}, "metrics");
  r.Get(n, "enabled", &m->enabled);
  if (r.Get(n, "listen", &m->listen)) {
    static const std::regex kListen(R"(^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$)");
    if (!std::regex_match(m->listen, kListen)) {
      r.Error(n["listen"], "listen must be HOST:PORT, e.g. 127.0.0.1:9464");
    }
  }
}

}  // namespace

std::string ConfigError::ToString() const {
  std::string s = file;
  if (line > 0) s += ":" + std::to_string(line) + ":" + std::to_string(column);
  return s + ": " + message;
}

const SiteConfig* Config::FindSite(const std::string& id) const {
  for (const auto& s : sites) {
    if (s.id == id) return &s;
  }
  return nullptr;
}

std::string UrlHost(const std::string& url) {
  const std::optional<UrlAuthority> a = SplitUrlAuthority(url);
  const std::string scheme = LowerHost(url.substr(0, url.find(':')));
  if (!a || (scheme != "http" && scheme != "https")) return "";
  const auto bad = [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; };
  if (std::any_of(a->host.begin(), a->host.end(), bad) ||
      a->port.find_first_not_of("0123456789") != std::string_view::npos || a->port.size() > 5) {
    return "";
  }
  return LowerHost(a->host);
}

std::string DefaultConfigPath() {
  if (const char* env = std::getenv("TINCRAWL_CONFIG"); env != nullptr && *env != '\0') {
    return env;
  }
  const char* kCandidates[] = {"/etc/tincrawl/tincrawl.yaml", "config/tincrawl.yaml"};
  for (const char* c : kCandidates) {
    if (access(c, R_OK) == 0) return c;
  }
  return kCandidates[1];
}

// Site-file parsing lives in config_site.cpp.
bool ReadSiteNode(YamlReader& r, const YAML::Node& root, const DaemonConfig& defaults,
                  SiteConfig* site);

std::optional<SiteConfig> LoadSiteFile(const std::string& path, const DaemonConfig& defaults,
                                       std::vector<ConfigError>* errors) {
  YAML::Node root;
  if (!LoadYaml(path, &root, errors)) return std::nullopt;
  YamlReader r(path, errors);
  size_t before = errors->size();
  SiteConfig site;
  site.file = path;
  bool ok = ReadSiteNode(r, root, defaults, &site);
  SortByPosition(errors, before);
  if (!ok || errors->size() != before) return std::nullopt;
  return site;
}

namespace {

// Every site file named by `spec` (a directory searched recursively, a glob, or one file).
std::vector<std::string> SiteFiles(const std::string& spec, std::vector<ConfigError>* errors,
                                   const std::string& config_file) {
  std::vector<std::string> files;
  std::error_code ec;
  if (fs::is_directory(spec, ec)) {
    for (auto it = fs::recursive_directory_iterator(spec, ec); !ec && it != fs::end(it);
         it.increment(ec)) {
      auto ext = it->path().extension();
      if (it->is_regular_file() && (ext == ".yaml" || ext == ".yml")) {
        files.push_back(it->path().string());
      }
    }
  } else {
    glob_t g{};
    if (glob(spec.c_str(), 0, nullptr, &g) == 0) {
      for (size_t i = 0; i < g.gl_pathc; ++i) files.emplace_back(g.gl_pathv[i]);
    }
    globfree(&g);
  }
  if (ec)
    errors->push_back({config_file, 0, 0, "cannot list sites \"" + spec + "\": " + ec.message()});
  std::sort(files.begin(), files.end());
  return files;
}

void ReadDaemon(YamlReader& r, const YAML::Node& root, DaemonConfig* d) {
  r.CheckKeys(root,
              {"state_dir", "sites", "workers", "drain_seconds", "metrics", "network", "politeness",
               "recrawl", "output", "store", "log"},
              "");
  fs::path dir = fs::absolute(fs::path(d->file)).parent_path();
  if (r.Require(root, "state_dir", "")) r.Get(root, "state_dir", &d->state_dir);
  if (r.Require(root, "sites", "")) r.Get(root, "sites", &d->sites);
  d->state_dir = AbsoluteFrom(dir, d->state_dir);
  // systemd's StateDirectory= is passed as $STATE_DIRECTORY; TINCRAWL_STATE_DIR overrides
  // both, so one config file serves a checkout and an installed service.
  for (const char* var : {"TINCRAWL_STATE_DIR", "STATE_DIRECTORY"}) {
    const char* env = std::getenv(var);
    if (env != nullptr && *env != '\0') {
      d->state_dir = std::string(env).substr(0, std::string(env).find(':'));
      break;
    }
  }
  d->sites = AbsoluteFrom(dir, d->sites);
  r.Get(root, "workers", &d->workers, 0, 256);
  r.Get(root, "drain_seconds", &d->drain_seconds, 0, 3600);
  if (root["metrics"]) ReadMetrics(r, root["metrics"], &d->metrics);
  if (root["network"]) ReadNetwork(r, root["network"], &d->network);
  if (root["politeness"]) ReadPoliteness(r, root["politeness"], &d->politeness);
  if (root["recrawl"]) ReadRecrawl(r, root["recrawl"], &d->recrawl);
  if (root["output"]) ReadOutput(r, root["output"], &d->output);
  if (root["store"]) ReadStore(r, root["store"], &d->store);
  if (root["log"]) ReadLog(r, root["log"], &d->log);
  if (d->output.spool_dir.empty()) d->output.spool_dir = "spool";
  if (d->output.warc_dir.empty()) d->output.warc_dir = "warc";
  d->output.spool_dir = AbsoluteFrom(d->state_dir, d->output.spool_dir);
  d->output.warc_dir = AbsoluteFrom(d->state_dir, d->output.warc_dir);
}

// A host belongs to one site: links are routed by host, so two owners would be ambiguous.
void CheckHostsUnique(const std::vector<SiteConfig>& sites, std::vector<ConfigError>* errors) {
  std::map<std::string, const SiteConfig*> owner;
  for (const auto& s : sites) {
    for (const auto& h : s.hosts) {
      auto [it, inserted] = owner.emplace(h, &s);
      if (!inserted && it->second != &s) {
        errors->push_back({s.file, s.id_line, 1,
                           "host \"" + h + "\" is already claimed by site \"" + it->second->id +
                               "\" (" + it->second->file + ")"});
      }
    }
  }
}

}  // namespace

// Exposed for config_site.cpp.
void ReadSitePoliteness(YamlReader& r, const YAML::Node& n, Politeness* p) {
  ReadPoliteness(r, n, p);
}
void ReadSiteRecrawl(YamlReader& r, const YAML::Node& n, Recrawl* c) { ReadRecrawl(r, n, c); }
void ReadSiteTls(YamlReader& r, const YAML::Node& n, const std::string& file, TlsPolicy* t) {
  ReadTls(r, n, fs::absolute(fs::path(file)).parent_path(), t);
}

Config LoadConfig(const std::string& path, std::vector<ConfigError>* errors) {
  Config config;
  config.daemon.file = path;
  YAML::Node root;
  if (!LoadYaml(path, &root, errors)) return config;
  YamlReader r(path, errors);
  if (!r.ExpectMap(root, "the daemon config")) return config;
  size_t before = errors->size();
  ReadDaemon(r, root, &config.daemon);
  SortByPosition(errors, before);
  if (config.daemon.sites.empty()) return config;

  std::vector<std::string> files = SiteFiles(config.daemon.sites, errors, path);
  if (files.empty()) {
    r.Error(root["sites"], "no site files (*.yaml) found at \"" + config.daemon.sites + "\"");
  }
  std::map<std::string, std::string> id_to_file;
  for (const auto& f : files) {
    std::optional<SiteConfig> site = LoadSiteFile(f, config.daemon, errors);
    if (!site) continue;
    auto [it, inserted] = id_to_file.emplace(site->id, f);
    if (!inserted) {
      errors->push_back(
          {f, site->id_line, 1,
           "duplicate site id \"" + site->id + "\" (also defined in " + it->second + ")"});
      continue;
    }
    config.sites.push_back(std::move(*site));
  }
  CheckHostsUnique(config.sites, errors);
  return config;
}

}  // namespace tincrawl

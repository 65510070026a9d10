#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "crawler/common/outcome.h"

namespace tincrawl {

// Only this much of a robots.txt body is parsed (RFC 9309 §2.5 requires at least 500 KiB).
inline constexpr size_t kRobotsMaxBytes = 500 * 1024;

// The rules of robots.txt that apply to one crawler (RFC 9309), already reduced to the matching
// group(s). Immutable after parsing; cheap to share.
class RobotsRules {
 public:
  struct Rule {
    std::string pattern;  // Canonical form (see RobotsCanonicalize).
    bool allow = false;
  };

  RobotsRules() = default;  // Allows everything.
  static RobotsRules AllowAll() { return RobotsRules(); }
  static RobotsRules DisallowAll();

  // Parses the first kRobotsMaxBytes of `body` for the crawler whose product token is
  // `product_token` (e.g. "tincrawl"): groups naming the token (case-insensitive) are merged;
  // without one the `*` groups apply. Never fails; unknown lines are ignored. Read as Google's
  // reference parser reads it: a UTF-8 byte-order mark at the start (whole or partial) is
  // skipped, lines are cut after 16663 bytes, "Disallow /x" without the colon is accepted (two
  // words only), and an Allow of ".../index.htm[l]" also allows ".../" itself.
  static RobotsRules Parse(std::string_view body, std::string_view product_token);

  // True when `path` (path plus optional ?query of a URL, percent-encoded or not) may be
  // fetched: the longest matching rule decides, Allow wins ties, /robots.txt is always allowed.
  bool IsAllowed(std::string_view path) const;

  // Crawl-delay of the applicable group, in seconds, when present and valid.
  std::optional<double> crawl_delay() const { return crawl_delay_; }
  // Every Sitemap: line in the file (they are not group members).
  const std::vector<std::string>& sitemaps() const { return sitemaps_; }
  const std::vector<Rule>& rules() const { return rules_; }

 private:
  std::vector<Rule> rules_;
  std::optional<double> crawl_delay_;
  std::vector<std::string> sitemaps_;
};

// Canonical form used on both sides of a comparison: %XX escapes of printable ASCII other than
// '%', '*' and '$' are decoded (RFC 9309 §2.2.2 examples: %2F matches '/'), remaining escapes get
// upper-case hex, and bytes outside printable ASCII are percent-encoded.
std::string RobotsCanonicalize(std::string_view text);

// True when the canonical `pattern` (with `*` and a trailing `$`) matches a prefix of canonical
// `path` (the whole path when anchored with `$`).
bool RobotsPatternMatches(std::string_view pattern, std::string_view path);

// The product token of a User-Agent string: "tincrawl/0.1 (+https://...)" -> "tincrawl".
std::string RobotsProductToken(std::string_view user_agent);

// The cache policy of RFC 9309 §2.3 / §2.4.
struct RobotsPolicy {
  double ttl_seconds = 24 * 3600.0;     // Successful (2xx or 4xx) answers.
  double error_retry_seconds = 3600.0;  // 5xx or unreachable: disallow all until then.
  // HttpClient: after a 5xx or unreachable robots.txt, fetch it again after retry_min_seconds,
  // doubling up to retry_max_seconds while it keeps failing. The host's requests wait meanwhile;
  // once the outage has lasted max_wait_seconds, each failed fetch hands them back to their
  // callers with the failure (see HttpClient::Submit).
  double retry_min_seconds = 10.0;
  double retry_max_seconds = 3600.0;
  double max_wait_seconds = 24 * 3600.0;
};

// What to do after fetching robots.txt: `rules` to apply for `ttl_seconds`.
struct RobotsDecision {
  std::shared_ptr<const RobotsRules> rules;
  double ttl_seconds = 0;
  bool available = false;  // False when the rules are the "unreachable" fallback.
};

// 2xx: parse the body; 4xx (and redirect chains that end nowhere): allow all; 5xx, timeouts
// and other network errors: keep `previous` rules when there are some, else disallow all, and
// retry after policy.error_retry_seconds.
RobotsDecision DecideRobots(Outcome outcome, long http_status, std::string_view body,
                            std::string_view product_token, const RobotsPolicy& policy,
                            std::shared_ptr<const RobotsRules> previous);

// Per-origin ("scheme://host:port") cache of rules with expiry times (in ms of the caller's
// clock, e.g. uv_now).
class RobotsCache {
 public:
  struct Entry {
    std::shared_ptr<const RobotsRules> rules;
    uint64_t expires_ms = 0;
  };
  // The entry for `origin`, or null when absent. Expired entries are returned too (callers use
  // them as `previous` while refetching); check `expires_ms`.
  const Entry* Find(const std::string& origin) const;
  void Store(const std::string& origin, std::shared_ptr<const RobotsRules> rules,
             uint64_t expires_ms);
  void Erase(const std::string& origin) { entries_.erase(origin); }
  size_t size() const { return entries_.size(); }

 private:
  std::unordered_map<std::string, Entry> entries_;
};

}  // namespace tincrawl

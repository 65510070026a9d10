#include "crawler/net/robots.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>

namespace tincrawl {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void AppendEscape(std::string* out, unsigned char byte) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  out->push_back('%');
  out->push_back(kHex[byte >> 4]);
  out->push_back(kHex[byte & 15]);
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

enum class Key { kUserAgent, kAllow, kDisallow, kCrawlDelay, kSitemap, kUnknown };

Key ParseKey(std::string_view key) {
  for (std::string_view k : {"user-agent", "useragent", "user agent"}) {
    if (EqualsIgnoreCase(key, k)) return Key::kUserAgent;
  }
  if (EqualsIgnoreCase(key, "allow")) return Key::kAllow;
  for (std::string_view k : {"disallow", "dissallow", "dissalow", "disalow", "diasllow"}) {
    if (EqualsIgnoreCase(key, k)) return Key::kDisallow;
  }
  if (EqualsIgnoreCase(key, "crawl-delay") || EqualsIgnoreCase(key, "crawldelay")) {
    return Key::kCrawlDelay;
  }
  if (EqualsIgnoreCase(key, "sitemap") || EqualsIgnoreCase(key, "site-map")) return Key::kSitemap;
  return Key::kUnknown;
}

// Parse state for one pass over the file.
struct GroupState {
  bool in_agent_lines = false;  // The previous meaningful line was a user-agent line.
  bool group_is_ours = false;
  bool group_is_star = false;
};

struct Collected {
  std::vector<RobotsRules::Rule> ours;
  std::vector<RobotsRules::Rule> star;
  bool saw_ours = false;
  std::optional<double> delay_ours;
  std::optional<double> delay_star;
};

// Lines longer than this are cut (Google's reference parser: 2083 * 8 - 1 bytes).
constexpr size_t kMaxLineBytes = 2083 * 8 - 1;

// Skips a UTF-8 byte-order mark at the start of the file, whole or only its first bytes
// (editors on Windows servers, IIS and SharePoint write one; without this the first line,
// usually "User-agent: *", would not be recognised).
std::string_view SkipByteOrderMark(std::string_view body) {
  static constexpr std::string_view kBom = "\xEF\xBB\xBF";
  size_t n = 0;
  while (n < kBom.size() && n < body.size() && body[n] == kBom[n]) ++n;
  return body.substr(n);
}

// The line starting at *pos without its CR, LF or CRLF, cut at kMaxLineBytes; advances *pos.
std::string_view NextLine(std::string_view body, size_t* pos) {
  size_t end = body.find_first_of("\r\n", *pos);
  if (end == std::string_view::npos) end = body.size();
  const std::string_view line = body.substr(*pos, end - *pos);
  *pos = end + (body.substr(end, 2) == "\r\n" ? 2 : 1);
  return line.substr(0, kMaxLineBytes);
}

struct KeyValue {
  std::string_view key;
  std::string_view value;
};

// Splits "key: value" (comment removed, both parts trimmed). Like Google's parser, a line
// without a colon is accepted when it is exactly two words ("Disallow /x"); nullopt otherwise.
std::optional<KeyValue> SplitLine(std::string_view line) {
  line = Trim(line.substr(0, line.find('#')));
  size_t sep = line.find(':');
  size_t value_start = sep + 1;
  if (sep == std::string_view::npos) {
    sep = line.find_first_of(" \t");
    if (sep == std::string_view::npos) return std::nullopt;
    value_start = line.find_first_not_of(" \t", sep);
    if (line.find_first_of(" \t", value_start) != std::string_view::npos) return std::nullopt;
  }
  return KeyValue{Trim(line.substr(0, sep)), Trim(line.substr(value_start))};
}

std::optional<double> ParseDelay(std::string_view value) {
  std::string text(value);
  char* end = nullptr;
  const double d = std::strtod(text.c_str(), &end);
  if (end == text.c_str() || d < 0 || !(d < 1e9)) return std::nullopt;
  return d;
}

}  // namespace

std::string RobotsCanonicalize(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '%' && i + 2 < text.size() && HexValue(text[i + 1]) >= 0 &&
        HexValue(text[i + 2]) >= 0) {
      const auto v = static_cast<unsigned char>(HexValue(text[i + 1]) * 16 + HexValue(text[i + 2]));
      if (v > 0x20 && v < 0x7f && v != '%' && v != '*' && v != '$') {
        out.push_back(static_cast<char>(v));
      } else {
        AppendEscape(&out, v);
      }
      i += 2;
    } else if (c <= 0x20 || c >= 0x7f) {
      AppendEscape(&out, c);
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  return out;
}

bool RobotsPatternMatches(std::string_view pattern, std::string_view path) {
  // Positions in `path` reachable after consuming a prefix of `pattern` (Google's algorithm).
  std::vector<size_t> pos(path.size() + 1);
  pos[0] = 0;
  size_t count = 1;
  for (size_t p = 0; p < pattern.size(); ++p) {
    const char c = pattern[p];
    if (c == '$' && p + 1 == pattern.size()) return pos[count - 1] == path.size();
    if (c == '*') {
      count = path.size() - pos[0] + 1;
      for (size_t i = 1; i < count; ++i) pos[i] = pos[i - 1] + 1;
      continue;
    }
    size_t next = 0;
    for (size_t i = 0; i < count; ++i) {
      if (pos[i] < path.size() && path[pos[i]] == c) pos[next++] = pos[i] + 1;
    }
    count = next;
    if (count == 0) return false;
  }
  return true;
}

std::string RobotsProductToken(std::string_view user_agent) {
  size_t n = 0;
  while (n < user_agent.size() && (std::isalpha(static_cast<unsigned char>(user_agent[n])) ||
                                   user_agent[n] == '-' || user_agent[n] == '_')) {
    ++n;
  }
  return std::string(user_agent.substr(0, n));
}

RobotsRules RobotsRules::DisallowAll() {
  RobotsRules rules;
  rules.rules_.push_back({"/", false});
  return rules;
}

namespace {

// Adds one Allow/Disallow rule to the groups it belongs to. As in Google's parser, an Allow of
// ".../index.htm" or ".../index.html" also allows the directory itself (".../" exactly), which
// serves that page.
void AddRule(const GroupState& state, RobotsRules::Rule rule, Collected* got) {
  std::vector<RobotsRules::Rule> extra;
  const size_t slash = rule.pattern.rfind('/');
  if (rule.allow && slash != std::string::npos &&
      rule.pattern.compare(slash, 10, "/index.htm") == 0) {
    extra.push_back({rule.pattern.substr(0, slash + 1) + "$", true});
  }
  extra.push_back(std::move(rule));
  for (RobotsRules::Rule& r : extra) {
    if (state.group_is_ours) got->ours.push_back(r);
    if (state.group_is_star) got->star.push_back(std::move(r));
  }
}

void HandleUserAgent(std::string_view value, std::string_view product_token, GroupState* state,
                     Collected* got) {
  if (!state->in_agent_lines) *state = GroupState{true, false, false};
  const std::string token = value == "*" ? "*" : RobotsProductToken(value);
  if (token == "*") {
    state->group_is_star = true;
  } else if (!token.empty() && EqualsIgnoreCase(token, product_token)) {
    state->group_is_ours = true;
    got->saw_ours = true;
  }
}

}  // namespace

RobotsRules RobotsRules::Parse(std::string_view body, std::string_view product_token) {
  body = SkipByteOrderMark(body.substr(0, std::min(body.size(), kRobotsMaxBytes)));
  GroupState state;
  Collected got;
  RobotsRules out;
  for (size_t pos = 0; pos <= body.size();) {
    const std::optional<KeyValue> line = SplitLine(NextLine(body, &pos));
    if (!line) continue;
    const Key key = ParseKey(line->key);
    const std::string_view value = line->value;
    if (key == Key::kUnknown) continue;
    if (key == Key::kSitemap) {
      if (!value.empty()) out.sitemaps_.emplace_back(value);
      continue;
    }
    if (key == Key::kUserAgent) {
      HandleUserAgent(value, product_token, &state, &got);
      continue;
    }
    state.in_agent_lines = false;
    if (!state.group_is_ours && !state.group_is_star) continue;
    if (key == Key::kCrawlDelay) {
      const auto delay = ParseDelay(value);
      if (state.group_is_ours) got.delay_ours = delay;
      if (state.group_is_star) got.delay_star = delay;
      continue;
    }
    if (value.empty()) continue;  // "Disallow:" with no path allows everything.
    AddRule(state, Rule{RobotsCanonicalize(value), key == Key::kAllow}, &got);
  }
  out.rules_ = got.saw_ours ? std::move(got.ours) : std::move(got.star);
  out.crawl_delay_ = got.saw_ours ? got.delay_ours : got.delay_star;
  return out;
}

bool RobotsRules::IsAllowed(std::string_view path) const {
  if (path.empty()) path = "/";
  const std::string canonical = RobotsCanonicalize(path);
  if (canonical == "/robots.txt") return true;
  size_t best_len = 0;
  bool best_allow = true;
  bool matched = false;
  for (const Rule& rule : rules_) {
    if (matched && rule.pattern.size() < best_len) continue;
    if (!RobotsPatternMatches(rule.pattern, canonical)) continue;
    if (!matched || rule.pattern.size() > best_len || (rule.allow && !best_allow)) {
      best_len = rule.pattern.size();
      best_allow = rule.allow;
      matched = true;
    }
  }
  return best_allow;
}

RobotsDecision DecideRobots(Outcome outcome, long http_status, std::string_view body,
                            std::string_view product_token, const RobotsPolicy& policy,
                            std::shared_ptr<const RobotsRules> previous) {
  RobotsDecision d;
  if (outcome == Outcome::kOk && http_status >= 200 && http_status < 300) {
    d.rules = std::make_shared<const RobotsRules>(RobotsRules::Parse(body, product_token));
    d.ttl_seconds = policy.ttl_seconds;
    d.available = true;
  } else if (outcome == Outcome::kHttp4xx || outcome == Outcome::kRedirect ||
             outcome == Outcome::kTooLarge) {
    // 4xx: "unavailable", crawl without restrictions. A redirect chain that ends nowhere counts
    // the same (RFC 9309 §2.3.1.2).
    d.rules = std::make_shared<const RobotsRules>(RobotsRules::AllowAll());
    d.ttl_seconds = policy.ttl_seconds;
    d.available = true;
  } else {
    d.rules = previous ? std::move(previous)
                       : std::make_shared<const RobotsRules>(RobotsRules::DisallowAll());
    d.ttl_seconds = policy.error_retry_seconds;
  }
  return d;
}

const RobotsCache::Entry* RobotsCache::Find(const std::string& origin) const {
  auto it = entries_.find(origin);
  return it == entries_.end() ? nullptr : &it->second;
}

void RobotsCache::Store(const std::string& origin, std::shared_ptr<const RobotsRules> rules,
                        uint64_t expires_ms) {
  entries_[origin] = Entry{std::move(rules), expires_ms};
}

}  // namespace tincrawl

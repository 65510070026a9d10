#include "crawler/frontier/trap_guard.h"

#include <functional>
#include <string>
#include <vector>

namespace tincrawl {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

std::vector<std::string_view> Segments(std::string_view path) {
  std::vector<std::string_view> out;
  size_t pos = 0;
  while (pos < path.size()) {
    const size_t end = std::min(path.find('/', pos), path.size());
    if (end > pos) out.push_back(path.substr(pos, end - pos));
    pos = end + 1;
  }
  return out;
}

// Counts the digit runs of a "d+ sep d+ sep d+" or "d{4} sep d+" date shape at `i`.
bool DateAt(std::string_view s, size_t i) {
  int runs = 0;
  size_t first_len = 0;
  size_t last_len = 0;
  while (i < s.size() && runs < 3) {
    const size_t start = i;
    while (i < s.size() && IsDigit(s[i])) ++i;
    if (i == start) break;
    last_len = i - start;
    if (runs == 0) first_len = last_len;
    ++runs;
    if (i >= s.size() || (s[i] != '-' && s[i] != '/' && s[i] != '.')) break;
    ++i;
  }
  if (runs == 3) return first_len == 4 || last_len == 4;
  return runs == 2 && first_len == 4 && last_len <= 2;
}

std::string DigitPattern(std::string_view url) {
  std::string out;
  for (size_t i = 0; i < url.size(); ++i) {
    if (IsDigit(url[i])) {
      out.push_back('#');
      while (i + 1 < url.size() && IsDigit(url[i + 1])) ++i;
    } else {
      out.push_back(url[i]);
    }
  }
  return out;
}

uint64_t Hash(std::string_view s) { return std::hash<std::string_view>()(s); }

}  // namespace

const char* TrapReasonName(TrapReason reason) {
  switch (reason) {
    case TrapReason::kTooLong:
      return "too_long";
    case TrapReason::kTooDeep:
      return "too_deep";
    case TrapReason::kRepeatingSegments:
      return "repeating_segments";
    case TrapReason::kCalendar:
      return "calendar";
    case TrapReason::kQueryExplosion:
      return "query_explosion";
    case TrapReason::kNone:
      break;
  }
  return "none";
}

bool HasRepeatingSegments(std::string_view path) {
  const std::vector<std::string_view> seg = Segments(path);
  std::unordered_map<std::string_view, int> seen;
  for (std::string_view s : seg) {
    if (++seen[s] >= 3) return true;
  }
  for (size_t len = 2; len * 2 <= seg.size(); ++len) {
    for (size_t i = 0; i + 2 * len <= seg.size(); ++i) {
      if (std::equal(seg.begin() + i, seg.begin() + i + len, seg.begin() + i + len)) return true;
    }
  }
  return false;
}

bool HasDateToken(std::string_view url) {
  const size_t start = url.find("://");
  const size_t path = url.find('/', start == std::string_view::npos ? 0 : start + 3);
  if (path == std::string_view::npos) return false;
  for (size_t i = path; i < url.size(); ++i) {
    if (IsDigit(url[i]) && (i == 0 || !IsDigit(url[i - 1])) && DateAt(url, i)) return true;
  }
  for (std::string_view name : {"year=", "month=", "day=", "ngay=", "thang=", "nam=", "date="}) {
    const size_t at = url.find(name, path);
    if (at != std::string_view::npos && (url[at - 1] == '?' || url[at - 1] == '&')) return true;
  }
  return false;
}

TrapReason TrapGuard::Admit(std::string_view url, UrlKind kind, int depth) {
  const TrapReason reason = Check(url, kind, depth);
  ++counts_[static_cast<int>(reason)];
  return reason;
}

TrapReason TrapGuard::Check(std::string_view url, UrlKind kind, int depth) {
  if (url.size() > limits_.max_url_bytes) return TrapReason::kTooLong;
  if (depth > limits_.max_depth) return TrapReason::kTooDeep;
  if (HasRepeatingSegments(PathOf(url))) return TrapReason::kRepeatingSegments;
  if (kind == UrlKind::kArticle) return TrapReason::kNone;
  if (HasDateToken(url)) {
    uint32_t& n = dates_per_pattern_[Hash(DigitPattern(url))];
    if (n >= static_cast<uint32_t>(limits_.max_dates_per_pattern)) return TrapReason::kCalendar;
    ++n;
  }
  if (!QueryOf(url).empty()) {
    const std::string_view without_query = url.substr(0, url.find('?'));
    uint32_t& n = queries_per_path_[Hash(without_query)];
    if (n >= static_cast<uint32_t>(limits_.max_queries_per_path)) {
      return TrapReason::kQueryExplosion;
    }
    ++n;
  }
  return TrapReason::kNone;
}

}  // namespace tincrawl

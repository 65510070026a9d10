#pragma once

#include <array>
#include <cstdint>
#include <string_view>
#include <unordered_map>

#include "crawler/url/url_classifier.h"

namespace tincrawl {

// Why a newly discovered URL was cut off instead of queued. A closed set, usable as the
// `reason` label of a metric.
enum class TrapReason : uint8_t {
  kNone = 0,
  kTooLong,            // Longer than TrapLimits::max_url_bytes.
  kTooDeep,            // Link depth beyond the site's max_depth.
  kRepeatingSegments,  // "/a/b/a/b/" or one segment three or more times.
  kCalendar,           // Too many distinct date values for one URL pattern.
  kQueryExplosion,     // Too many distinct query strings on one path.
};
inline constexpr int kTrapReasonCount = static_cast<int>(TrapReason::kQueryExplosion) + 1;
const char* TrapReasonName(TrapReason reason);

struct TrapLimits {
  size_t max_url_bytes = 2048;
  int max_depth = 10;
  int max_dates_per_pattern = 400;  // About a year of daily calendar/archive pages.
  int max_queries_per_path = 1000;
};

// Trap detection for the new URLs of one site. Memory is bounded by the number of distinct
// URL patterns and paths carrying queries (hashes and counts only). Not thread-safe: the
// Frontier calls it under its lock. Articles (classified by site rules or a CMS preset) are
// trusted and skip the calendar and query guards, whose shapes they often share.
class TrapGuard {
 public:
  explicit TrapGuard(const TrapLimits& limits) : limits_(limits) {}

  // Checks the normalized `url`, which the caller has established is new, and when it passes
  // records it in the pattern counts. Returns kNone or the reason it was cut off (counted).
  TrapReason Admit(std::string_view url, UrlKind kind, int depth);

  uint64_t count(TrapReason reason) const { return counts_[static_cast<int>(reason)]; }
  const TrapLimits& limits() const { return limits_; }

 private:
  TrapReason Check(std::string_view url, UrlKind kind, int depth);

  TrapLimits limits_;
  std::array<uint64_t, kTrapReasonCount> counts_{};
  std::unordered_map<uint64_t, uint32_t> dates_per_pattern_;
  std::unordered_map<uint64_t, uint32_t> queries_per_path_;
};

// True when the path repeats a run of two or more segments back to back ("/a/b/a/b/") or
// holds one segment three or more times.
bool HasRepeatingSegments(std::string_view path);

// True when the path or query carries a date-like value (2024-01-15, 2024/1/15, 15/01/2024,
// or year=/month=/day=/ngay=/thang=/nam= parameters).
bool HasDateToken(std::string_view url);

}  // namespace tincrawl

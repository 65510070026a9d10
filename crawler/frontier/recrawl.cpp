#include "crawler/frontier/recrawl.h"

#include <algorithm>
#include <cmath>

namespace tincrawl {

double UpdateListingModel(ListingModel* model, double elapsed_seconds, int new_links,
                          bool first_visit, const Recrawl& recrawl) {
  const double lo = recrawl.listing_min_seconds;
  const double hi = std::max(lo, recrawl.listing_max_seconds);
  if (first_visit || model->interval_seconds <= 0) {
    model->interval_seconds = lo;
    return lo;
  }
  elapsed_seconds = std::max(0.0, elapsed_seconds);
  const double decay =
      std::exp(-elapsed_seconds * std::log(2.0) / ListingModel::kRateHalfLifeSeconds);
  model->decayed_new = model->decayed_new * decay + std::max(0, new_links);
  model->decayed_seconds = model->decayed_seconds * decay + elapsed_seconds;
  double interval;
  if (new_links > 0 && model->Rate() > 0) {
    interval = 1.0 / model->Rate();
  } else {
    interval = model->interval_seconds * kListingBackoff;
  }
  model->interval_seconds = std::clamp(interval, lo, hi);
  return model->interval_seconds;
}

double FailureBackoffSeconds(int consecutive_failures, double cap_seconds) {
  const int n = std::clamp(consecutive_failures, 1, 30);
  return std::min(60.0 * std::pow(2.0, n - 1), std::max(60.0, cap_seconds));
}

double ArticleRevisitSeconds(int64_t revisit, const Recrawl& recrawl) {
  const int64_t n = std::clamp<int64_t>(revisit, 1, 40);
  return std::min(recrawl.article_seconds * std::pow(2.0, static_cast<double>(n - 1)),
                  std::max(recrawl.article_seconds, recrawl.article_max_seconds));
}

double Jittered(double seconds, double jitter, std::string_view url, uint32_t fetches) {
  if (jitter <= 0) return seconds;
  uint64_t h = 0xCBF29CE484222325ULL ^ fetches;  // FNV-1a, then a splitmix64 finalizer.
  for (unsigned char c : url) h = (h ^ c) * 0x100000001B3ULL;
  h ^= h >> 30;
  h *= 0xBF58476D1CE4E5B9ULL;
  h ^= h >> 27;
  h *= 0x94D049BB133111EBULL;
  h ^= h >> 31;
  const double u = static_cast<double>(h >> 11) * 0x1.0p-53;  // [0, 1)
  return seconds * (1 + jitter * u);
}

FailureAction FailureActionFor(Outcome outcome, int http_status, bool robots_unavailable) {
  if (robots_unavailable) return FailureAction::kRetry;
  switch (outcome) {
    case Outcome::kCancelled:
      return FailureAction::kCancelled;
    case Outcome::kRobotsDenied:
      return FailureAction::kRulesChange;
    case Outcome::kHttp4xx:
      if (http_status == 404 || http_status == 410) return FailureAction::kMaybeGone;
      // 429 is a rate limit; 408 a server-side timeout.
      return http_status == 429 || http_status == 408 ? FailureAction::kRetry
                                                      : FailureAction::kGiveUp;
    case Outcome::kRedirect:
    case Outcome::kError:
      return FailureAction::kGiveUp;
    default:  // 5xx, dns, connect, timeout, reset, tls, private address, too large.
      return FailureAction::kRetry;
  }
}

const char* CrawlModeName(CrawlMode mode) {
  return mode == CrawlMode::kBackfill ? "backfill" : "steady";
}

bool ShouldFollowPagination(CrawlMode mode, int current_page, int new_links_on_page,
                            int backfill_pages) {
  if (current_page >= backfill_pages) return false;
  return mode == CrawlMode::kBackfill || new_links_on_page > 0;
}

}  // namespace tincrawl

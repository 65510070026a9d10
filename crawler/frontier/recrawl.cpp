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

double FailureBackoffSeconds(int consecutive_failures) {
  const int n = std::clamp(consecutive_failures, 1, 20);
  return std::min(60.0 * std::pow(2.0, n - 1), 6 * 3600.0);
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

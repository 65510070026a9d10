#pragma once

#include <cstdint>
#include <string_view>

#include "crawler/common/outcome.h"
#include "crawler/config/config.h"

namespace tincrawl {

// The adaptive recrawl model of one listing or feed: a Poisson rate of new articles estimated
// with exponential decay, so recent behaviour dominates (half-life kRateHalfLifeSeconds).
struct ListingModel {
  static constexpr double kRateHalfLifeSeconds = 7 * 86400.0;

  double decayed_new = 0;       // New articles seen, each weighted by its age decay.
  double decayed_seconds = 0;   // Observation time, decayed the same way.
  double interval_seconds = 0;  // The interval chosen after the last fetch; 0 = never fetched.

  // The estimated rate of new articles per second (0 without observations).
  double Rate() const { return decayed_seconds > 0 ? decayed_new / decayed_seconds : 0; }
};

// Folds one fetch into `model` and returns the interval until the next fetch. `elapsed_seconds`
// is the time since the previous fetch; `first_visit` fetches only measure the backlog, not
// the rate, so they leave the estimate untouched and return listing_min_seconds. When the
// fetch found new articles the interval is 1/rate (one new article expected per visit); when it
// found none the previous interval is multiplied by kBackoff. Always within
// [listing_min_seconds, listing_max_seconds].
double UpdateListingModel(ListingModel* model, double elapsed_seconds, int new_links,
                          bool first_visit, const Recrawl& recrawl);
inline constexpr double kListingBackoff = 1.5;

// Retry delay after the n-th consecutive failure (1-based): 60 s doubling, capped at
// `cap_seconds` (a site's listing_max_seconds).
double FailureBackoffSeconds(int consecutive_failures, double cap_seconds);

// The interval before the n-th revisit (1-based) of an article: article_seconds doubling each
// time, up to article_max_seconds, so request volume does not grow with the archive.
double ArticleRevisitSeconds(int64_t revisit, const Recrawl& recrawl);

// `seconds` lengthened by up to `jitter` (a fraction, Recrawl::jitter) of itself, by a hash of the
// URL and its fetch count (never shortened: the minimum intervals stay minimums). Applied to the
// recurring schedule (listing and article revisits), not to failure delays. URLs found together (a
// site's listings at start-up, one listing's articles, a host's URLs after an outage) would
// otherwise stay due together on every later visit and arrive in bursts that idle the fetcher in
// between. Deterministic, so a restart or a test sees the same times.
double Jittered(double seconds, double jitter, std::string_view url, uint32_t fetches);

// What a fetch that did not succeed does to its URL. docs/outcomes.md is this table in prose.
enum class FailureAction : uint8_t {
  kRetry,        // Transient, or curable by a config change: retried forever with backoff.
  kMaybeGone,    // 404/410: gone once seen twice at least kGoneConfirmSeconds apart.
  kRulesChange,  // robots.txt disallows it: looked at again when the rules are re-read.
  kGiveUp,       // Other 4xx, redirect loops, unknown errors: given up after kGiveUpAfter.
  kCancelled,    // Shutdown or a cancelled lease: due again shortly, not a failure.
};
FailureAction FailureActionFor(Outcome outcome, int http_status, bool robots_unavailable);
inline constexpr double kGoneConfirmSeconds = 3600.0;
inline constexpr double kRulesRecheckSeconds = 86400.0;  // The robots.txt cache lifetime.
inline constexpr int kGiveUpAfter = 4;

// Pagination policy. kBackfill (the first walk of a listing) follows "next page" links up to
// backfill_pages regardless of yield; kSteady (recrawls) stops at the first page that yields
// nothing new.
enum class CrawlMode : uint8_t { kBackfill, kSteady };
const char* CrawlModeName(CrawlMode mode);

// True when the page after `current_page` should be fetched now.
bool ShouldFollowPagination(CrawlMode mode, int current_page, int new_links_on_page,
                            int backfill_pages);

}  // namespace tincrawl

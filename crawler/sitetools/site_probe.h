#pragma once

// The network half of `tincrawl new-site` / `test-site`: a bounded, sequential, polite page
// fetcher and link collection. Never used by the daemon.

#include <chrono>
#include <string>
#include <vector>

#include "crawler/config/config.h"
#include "crawler/sitetools/site_wizard.h"
#include "crawler/url/url.h"

namespace tincrawl {

// Fetches pages one at a time with SimpleFetch, waiting `delay_seconds` between request starts
// and refusing to fetch more than `max_fetches` pages in total.
class SiteProbe {
 public:
  SiteProbe(NetworkConfig net, double delay_seconds, int max_fetches);

  // Fetches `url` into *page (page->url becomes the final URL after redirects). Returns false
  // with *error set on a fetch error or when the budget is spent.
  bool Fetch(const std::string& url, SamplePage* page, std::string* error);

  int fetches() const { return fetches_; }
  bool budget_left() const { return fetches_ < max_fetches_; }

 private:
  NetworkConfig net_;
  std::chrono::duration<double> delay_;
  int max_fetches_;
  int fetches_ = 0;
  std::chrono::steady_clock::time_point last_{};
};

// Every <a>/<area> link of `page`, resolved against its <base href> or URL and normalized;
// links that cannot be normalized are dropped. Order kept, duplicates removed.
std::vector<std::string> PageLinks(const SamplePage& page, const UrlNormalizer& normalizer);

// Same-host RSS/Atom feeds the page advertises with <link rel=alternate>.
std::vector<std::string> PageFeeds(const SamplePage& page, const UrlNormalizer& normalizer);

}  // namespace tincrawl

// Polite sequential fetching and link collection for the site wizard.
#include "crawler/sitetools/site_probe.h"

#include <algorithm>
#include <thread>
#include <unordered_set>

#include "crawler/net/simple_fetch.h"
#include "crawler/pipeline/link_scan.h"

namespace tincrawl {

namespace {

std::string BaseOf(const SamplePage& page, const ScannedLinks& links,
                   const UrlNormalizer& normalizer) {
  if (links.base_href.empty()) return page.url;
  return normalizer.Resolve(page.url, links.base_href).value_or(page.url);
}

std::vector<std::string> ResolveAll(const std::vector<std::string>& refs, const std::string& base,
                                    const UrlNormalizer& normalizer) {
  std::vector<std::string> out;
  std::unordered_set<std::string> seen;
  for (const auto& ref : refs) {
    std::optional<std::string> url = normalizer.Resolve(base, ref);
    if (url && seen.insert(*url).second) out.push_back(std::move(*url));
  }
  return out;
}

}  // namespace

SiteProbe::SiteProbe(NetworkConfig net, double delay_seconds, int max_fetches)
    : net_(std::move(net)), delay_(std::max(0.0, delay_seconds)), max_fetches_(max_fetches) {}

bool SiteProbe::Fetch(const std::string& url, SamplePage* page, std::string* error) {
  if (!budget_left()) {
    *error = "fetch budget of " + std::to_string(max_fetches_) + " pages spent";
    return false;
  }
  if (fetches_ > 0) {
    auto wait = last_ + std::chrono::duration_cast<std::chrono::steady_clock::duration>(delay_);
    std::this_thread::sleep_until(wait);
  }
  last_ = std::chrono::steady_clock::now();
  ++fetches_;
  page->url = url;
  return SimpleFetch(url, net_, &page->bytes, &page->content_type, &page->url, error);
}

std::vector<std::string> PageLinks(const SamplePage& page, const UrlNormalizer& normalizer) {
  ScannedLinks links = ScanLinks(page.bytes);
  return ResolveAll(links.hrefs, BaseOf(page, links, normalizer), normalizer);
}

std::vector<std::string> PageFeeds(const SamplePage& page, const UrlNormalizer& normalizer) {
  ScannedLinks links = ScanLinks(page.bytes);
  std::vector<std::string> feeds =
      ResolveAll(links.feeds, BaseOf(page, links, normalizer), normalizer);
  std::string_view host = HostOf(page.url);
  feeds.erase(std::remove_if(feeds.begin(), feeds.end(),
                             [&](const std::string& f) { return HostOf(f) != host; }),
              feeds.end());
  return feeds;
}

}  // namespace tincrawl

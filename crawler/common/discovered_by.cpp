#include "crawler/common/discovered_by.h"

namespace tincrawl {

const char* DiscoveredByName(DiscoveredBy by) {
  switch (by) {
    case DiscoveredBy::kSeed:
      return "seed";
    case DiscoveredBy::kListing:
      return "listing";
    case DiscoveredBy::kFeed:
      return "feed";
    case DiscoveredBy::kSitemap:
      return "sitemap";
  }
  return "unknown";
}

}  // namespace tincrawl

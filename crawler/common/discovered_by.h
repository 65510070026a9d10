#pragma once

#include <cstdint>

namespace tincrawl {

// How the crawler first learned of a URL.
enum class DiscoveredBy : uint8_t { kSeed = 0, kListing = 1, kFeed = 2, kSitemap = 3 };
const char* DiscoveredByName(DiscoveredBy by);

}  // namespace tincrawl

#pragma once

#include <string>
#include <string_view>

#include "crawler/config/config.h"

namespace tincrawl {

// True when `s` starts with http:// or https:// (a CLI input to fetch rather than a file).
inline bool IsHttpUrl(std::string_view s) {
  return s.rfind("http://", 0) == 0 || s.rfind("https://", 0) == 0;
}

// One blocking GET for command-line tools (`extract URL`, `new-site URL`, `test-site`), never
// used by the daemon's event loop. It runs the daemon's own Fetcher on a private loop, so it
// follows exactly the crawl's network policy: user agent, timeouts, size caps, proxy (also from
// the environment), `resolve` entries, redirects and the private-address guard. On success fills
// the body, the Content-Type and the final URL after redirects; on failure sets *error and
// returns false.
bool SimpleFetch(const std::string& url, const NetworkConfig& net, std::string* body,
                 std::string* content_type, std::string* final_url, std::string* error);

}  // namespace tincrawl

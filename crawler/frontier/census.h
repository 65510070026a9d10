#pragma once

#include <cstdint>
#include <vector>

#include "crawler/common/status.h"
#include "crawler/store/store.h"
#include "crawler/url/url_classifier.h"

namespace tincrawl {

// URLs in the frontier of one site, split at "now".
struct SiteCensus {
  int64_t due = 0;        // Waiting to be fetched (due at or before now).
  int64_t scheduled = 0;  // Fetched or failed, queued for a later visit.
};

// Counts the frontier's queue entries per site by scanning the `frontier` column family (one
// sequential pass; run it on a worker, not the loop). Hosts no configured site owns are
// skipped. *out is resized to router.site_count().
Status CountFrontier(const Store& store, const SiteRouter& router, int64_t now_ms,
                     std::vector<SiteCensus>* out);

}  // namespace tincrawl

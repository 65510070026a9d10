#include "crawler/frontier/census.h"

#include <memory>
#include <string_view>

#include "crawler/frontier/frontier_internal.h"

namespace tincrawl {

Status CountFrontier(const Store& store, const SiteRouter& router, int64_t now_ms,
                     std::vector<SiteCensus>* out) {
  out->assign(static_cast<size_t>(router.site_count()), SiteCensus{});
  rocksdb::ReadOptions ro;
  ro.fill_cache = false;  // A full scan must not evict the working set.
  std::unique_ptr<rocksdb::Iterator> it(store.db()->NewIterator(ro, store.cf(Cf::kFrontier)));
  std::string last_host;
  int last_site = -1;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    frontier_internal::QueueKeyParts parts;
    const rocksdb::Slice k = it->key();
    if (!frontier_internal::ParseQueueKey(std::string_view(k.data(), k.size()), &parts)) continue;
    const std::string_view host = parts.host;
    const int64_t due = parts.due_ms;
    if (host != last_host) {
      last_host.assign(host);
      last_site = router.SiteForHost(host);
    }
    if (last_site < 0) continue;
    SiteCensus& c = (*out)[static_cast<size_t>(last_site)];
    (due <= now_ms ? c.due : c.scheduled)++;
  }
  if (!it->status().ok()) return Status::IoError("frontier scan: " + it->status().ToString());
  return Status::Ok();
}

}  // namespace tincrawl

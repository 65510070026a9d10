#include "crawler/frontier/census.h"

#include <memory>
#include <string_view>

namespace tincrawl {

namespace {

// Queue keys are host '\0' priority(1) due_ms(8, big-endian) url (see frontier.h); schedule
// and budget records start with '\x01' or '\0' and are not queue entries.
bool ParseQueueKey(std::string_view key, std::string_view* host, int64_t* due_ms) {
  if (key.empty() || key[0] == '\0' || key[0] == '\x01') return false;
  size_t nul = key.find('\0');
  if (nul == std::string_view::npos || key.size() < nul + 1 + 1 + 8) return false;
  *host = key.substr(0, nul);
  uint64_t due = 0;
  for (size_t i = 0; i < 8; ++i) {
    due = (due << 8) | static_cast<unsigned char>(key[nul + 2 + i]);
  }
  *due_ms = static_cast<int64_t>(due);
  return true;
}

}  // namespace

Status CountFrontier(const Store& store, const SiteRouter& router, int64_t now_ms,
                     std::vector<SiteCensus>* out) {
  out->assign(static_cast<size_t>(router.site_count()), SiteCensus{});
  rocksdb::ReadOptions ro;
  ro.fill_cache = false;  // A full scan must not evict the working set.
  std::unique_ptr<rocksdb::Iterator> it(store.db()->NewIterator(ro, store.cf(Cf::kFrontier)));
  std::string last_host;
  int last_site = -1;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    std::string_view host;
    int64_t due = 0;
    rocksdb::Slice k = it->key();
    if (!ParseQueueKey(std::string_view(k.data(), k.size()), &host, &due)) continue;
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

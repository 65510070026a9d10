// Store: the robots.txt cache records of the HTTP client (see Store::GetRobots).

#include <memory>
#include <string>

#include "crawler/store/store.h"

namespace tincrawl {

namespace {

constexpr std::string_view kRobotsPrefix = "robots:";

std::string RobotsKey(std::string_view origin) {
  std::string key(kRobotsPrefix);
  key.append(origin.data(), origin.size());
  return key;
}

}  // namespace

Status Store::GetRobots(std::string_view origin, std::string* value) const {
  return Get(Cf::kMeta, RobotsKey(origin), value);
}

Status Store::PutRobots(std::string_view origin, std::string_view value) {
  rocksdb::WriteOptions options;
  options.sync = false;
  const rocksdb::Status s = db_->Put(options, cf(Cf::kMeta), RobotsKey(origin),
                                     rocksdb::Slice(value.data(), value.size()));
  if (!s.ok()) write_errors_.fetch_add(1, std::memory_order_relaxed);
  return FromRocks(s, "robots.txt record");
}

Status Store::ForEachRobots(
    const std::function<bool(std::string_view, std::string_view)>& fn) const {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cf(Cf::kMeta)));
  const rocksdb::Slice prefix(kRobotsPrefix.data(), kRobotsPrefix.size());
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    const rocksdb::Slice key = it->key();
    const std::string_view origin(key.data() + prefix.size(), key.size() - prefix.size());
    if (!fn(origin, std::string_view(it->value().data(), it->value().size()))) break;
  }
  return FromRocks(it->status(), "robots.txt records");
}

}  // namespace tincrawl

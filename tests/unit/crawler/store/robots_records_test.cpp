// Store: robots.txt cache records (opaque bytes under a `meta` key prefix).

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>

#include "crawler/store/store.h"
#include "support/temp_dir.h"

namespace tincrawl {
namespace {

StoreConfig SmallConfig() {
  StoreConfig c;
  c.block_cache_bytes = 4 << 20;
  return c;
}

TEST(RobotsRecordsTest, PersistAcrossReopenAndListOnlyRobotsKeys) {
  test_support::TempDir tmp;
  {
    std::unique_ptr<Store> store;
    ASSERT_TRUE(Store::Open(tmp.Sub("db"), SmallConfig(), &store).ok());
    std::string value;
    EXPECT_EQ(store->GetRobots("http://a.vn:80", &value).code(), Status::Code::kNotFound);
    ASSERT_TRUE(store->PutRobots("http://a.vn:80", "first").ok());
    ASSERT_TRUE(store->PutRobots("http://a.vn:80", "second").ok());  // Replaces.
    ASSERT_TRUE(store->PutRobots("https://b.vn:443", std::string("x\0y", 3)).ok());
  }
  std::unique_ptr<Store> store;
  ASSERT_TRUE(Store::Open(tmp.Sub("db"), SmallConfig(), &store).ok());
  std::string value;
  ASSERT_TRUE(store->GetRobots("http://a.vn:80", &value).ok());
  EXPECT_EQ(value, "second");
  std::map<std::string, std::string> seen;
  ASSERT_TRUE(store
                  ->ForEachRobots([&](std::string_view origin, std::string_view v) {
                    seen.emplace(std::string(origin), std::string(v));
                    return true;
                  })
                  .ok());
  const std::map<std::string, std::string> expected = {
      {"http://a.vn:80", "second"}, {"https://b.vn:443", std::string("x\0y", 3)}};
  EXPECT_EQ(seen, expected);  // The store's own meta keys (magic, schema) are not listed.
}

}  // namespace
}  // namespace tincrawl

#pragma once

#include <cstdint>
#include <string>

namespace tincrawl {

// Keys of the dedup column families and the id numbers the in-memory indexes hold, shared by
// ingest (dedup.cpp) and the near-duplicate index (dedup_index.cpp).

// `simhash` column family keys: kEntryPrefix, then the article's id number (big-endian).
inline constexpr char kEntryPrefix = 0x10;
std::string EntryKey(uint64_t id);

// `content` column family key of an exact-content hash (big-endian).
std::string ContentKey(uint64_t hash);

// The number behind an article id (its 16 hex digits; any other id is hashed).
uint64_t IdNumber(const std::string& id);

}  // namespace tincrawl

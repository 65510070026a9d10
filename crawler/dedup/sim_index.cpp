#include "crawler/dedup/sim_index.h"

#include <algorithm>
#include <utility>

#include "crawler/dedup/fingerprint.h"

namespace tincrawl {

BandLayout::BandLayout(int max_distance)
    : bands_(std::clamp(max_distance, 0, 7) + 1),
      width_(64 / bands_),
      mask_(width_ >= 64 ? ~0ULL : (1ULL << width_) - 1) {}

SimIndex::SimIndex(int max_distance)
    : layout_(max_distance),
      buckets_(layout_.bands(), std::vector<std::vector<uint32_t>>(1u << kBucketBits)) {}

void SimIndex::Add(uint64_t simhash, uint64_t id) {
  const auto slot = static_cast<uint32_t>(hashes_.size());
  hashes_.push_back(simhash);
  ids_.push_back(id);
  for (int b = 0; b < layout_.bands(); ++b) {
    buckets_[b][Bucket(layout_.Band(simhash, b))].push_back(slot);
  }
  ++live_;
}

void SimIndex::Remove(uint64_t simhash, uint64_t id) {
  auto& first = buckets_[0][Bucket(layout_.Band(simhash, 0))];
  auto it = std::find_if(first.begin(), first.end(),
                         [&](uint32_t s) { return ids_[s] == id && hashes_[s] == simhash; });
  if (it == first.end()) return;
  const uint32_t slot = *it;
  for (int b = 0; b < layout_.bands(); ++b) {
    auto& bucket = buckets_[b][Bucket(layout_.Band(simhash, b))];
    bucket.erase(std::remove(bucket.begin(), bucket.end(), slot), bucket.end());
  }
  ids_[slot] = 0;
  --live_;
}

bool SimIndex::FindNearest(uint64_t simhash, uint64_t exclude_id, int accept_distance,
                           Match* match) const {
  bool found = false;
  uint32_t best_slot = 0;
  for (int b = 0; b < layout_.bands(); ++b) {
    for (uint32_t slot : buckets_[b][Bucket(layout_.Band(simhash, b))]) {
      if (ids_[slot] == exclude_id) continue;
      const int d = HammingDistance(hashes_[slot], simhash);
      if (d > accept_distance) continue;
      if (!found || d < match->distance || (d == match->distance && slot < best_slot)) {
        found = true;
        best_slot = slot;
        *match = Match{ids_[slot], hashes_[slot], d};
      }
    }
  }
  return found;
}

size_t SimIndex::MemoryBytes() const {
  size_t bytes = hashes_.capacity() * 8 + ids_.capacity() * 8;
  for (const auto& band : buckets_) {
    bytes += band.size() * sizeof(band[0]);
    for (const auto& bucket : band) bytes += bucket.capacity() * 4;
  }
  return bytes;
}

SketchIndex::SketchIndex(int max_fanout) : max_fanout_(max_fanout), table_(1024, kEmpty) {}

size_t SketchIndex::Home(uint32_t hash) const {
  return static_cast<size_t>(hash * 0x9E3779B1u) & (table_.size() - 1);
}

size_t SketchIndex::Count(uint32_t hash) const {
  size_t n = 0;
  for (size_t i = Home(hash);; i = (i + 1) & (table_.size() - 1)) {
    const uint64_t e = table_[i];
    if (e == kEmpty) return n;
    if (e != kTombstone && (e >> 32) == hash) ++n;
  }
}

void SketchIndex::Insert(uint64_t entry) {
  if ((used_ + 1) * 4 > table_.size() * 3) Grow();
  for (size_t i = Home(static_cast<uint32_t>(entry >> 32));; i = (i + 1) & (table_.size() - 1)) {
    if (table_[i] == kEmpty) ++used_;
    if (table_[i] == kEmpty || table_[i] == kTombstone) {
      table_[i] = entry;
      return;
    }
  }
}

// Rehashes into a table at most half full, dropping tombstones.
void SketchIndex::Grow() {
  std::vector<uint64_t> old;
  old.swap(table_);
  size_t live = 0;
  for (uint64_t e : old) live += e != kEmpty && e != kTombstone;
  size_t size = 1024;
  while (size < live * 2 + 2) size *= 2;
  table_.assign(size, kEmpty);
  used_ = 0;
  for (uint64_t e : old) {
    if (e != kEmpty && e != kTombstone) Insert(e);
  }
}

void SketchIndex::Add(const std::vector<uint32_t>& sketch, uint64_t id) {
  const uint64_t slot = ids_.size();
  ids_.push_back(id);
  ++live_ids_;
  for (uint32_t hash : sketch) {
    if (Count(hash) >= static_cast<size_t>(max_fanout_)) continue;  // Common text.
    Insert((static_cast<uint64_t>(hash) << 32) | (slot + 1));
  }
}

void SketchIndex::Remove(const std::vector<uint32_t>& sketch, uint64_t id) {
  bool found = false;
  for (uint32_t hash : sketch) {
    for (size_t i = Home(hash);; i = (i + 1) & (table_.size() - 1)) {
      const uint64_t e = table_[i];
      if (e == kEmpty) break;
      if (e == kTombstone || (e >> 32) != hash) continue;
      const uint64_t slot = (e & 0xFFFFFFFFu) - 1;
      if (ids_[slot] != id) continue;
      table_[i] = kTombstone;
      found = true;
    }
  }
  if (found) --live_ids_;
}

std::vector<SketchIndex::Candidate> SketchIndex::Find(const std::vector<uint32_t>& sketch,
                                                      uint64_t exclude_id, size_t limit) const {
  std::vector<std::pair<uint64_t, int>> slots;  // (slot, shared)
  std::vector<uint64_t> matches;
  for (uint32_t hash : sketch) {
    matches.clear();
    for (size_t i = Home(hash);; i = (i + 1) & (table_.size() - 1)) {
      const uint64_t e = table_[i];
      if (e == kEmpty) break;
      if (e != kTombstone && (e >> 32) == hash) matches.push_back((e & 0xFFFFFFFFu) - 1);
    }
    if (matches.size() >= static_cast<size_t>(max_fanout_)) continue;  // Common text.
    for (uint64_t slot : matches) {
      if (ids_[slot] == exclude_id) continue;
      auto it =
          std::find_if(slots.begin(), slots.end(), [&](const auto& s) { return s.first == slot; });
      if (it == slots.end()) {
        slots.emplace_back(slot, 1);
      } else {
        ++it->second;
      }
    }
  }
  std::sort(slots.begin(), slots.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  std::vector<Candidate> out;
  for (const auto& [slot, shared] : slots) {
    if (out.size() >= limit) break;
    const uint64_t id = ids_[slot];
    if (std::none_of(out.begin(), out.end(), [&](const Candidate& c) { return c.id == id; })) {
      out.push_back({id, shared});
    }
  }
  return out;
}

}  // namespace tincrawl

#include "crawler/dedup/sim_index.h"

#include <algorithm>
#include <utility>

#include "crawler/dedup/fingerprint.h"

namespace tincrawl {
namespace {

// Without -mpopcnt (the build targets baseline x86-64) __builtin_popcount is a libgcc call;
// this is a few register operations.
inline int Popcount16(uint32_t x) {
  x -= (x >> 1) & 0x5555u;
  x = (x & 0x3333u) + ((x >> 2) & 0x3333u);
  x = (x + (x >> 4)) & 0x0F0Fu;
  return static_cast<int>((x + (x >> 8)) & 0x1Fu);
}

}  // namespace

BandLayout::BandLayout(int max_distance)
    : bands_(std::clamp(max_distance, 0, 7) + 1),
      width_(64 / bands_),
      mask_(width_ >= 64 ? ~0ULL : (1ULL << width_) - 1) {}

NearIndex::NearIndex(int max_distance, int max_sketch_fanout)
    : layout_(max_distance),
      max_fanout_(max_sketch_fanout),
      bands_(static_cast<size_t>(layout_.bands()) << kBucketBits),
      sketches_(size_t{1} << kBucketBits) {}

// The 16 bits that follow band `band` (wrapping round the hash): bits the band's bucket does
// not already fix, so their distance is a lower bound of the whole hash's.
uint16_t NearIndex::Residual(uint64_t simhash, int band) const {
  const int shift = ((band + 1) * layout_.width()) & 63;
  const uint64_t rotated = shift == 0 ? simhash : (simhash >> shift) | (simhash << (64 - shift));
  return static_cast<uint16_t>(rotated);
}

void NearIndex::Append(Bucket* bucket, uint16_t key, uint32_t slot) {
  if (bucket->keys.size() == bucket->keys.capacity()) {
    const size_t n = bucket->keys.size() + bucket->keys.size() / 8 + 4;  // Grow by an eighth.
    bucket->keys.reserve(n);
    bucket->slots.reserve(n);
  }
  bucket->keys.push_back(key);
  bucket->slots.push_back(slot);
}

void NearIndex::Erase(Bucket* bucket, uint16_t key, uint32_t slot) {
  for (size_t i = 0; i < bucket->keys.size(); ++i) {
    if (bucket->keys[i] == key && bucket->slots[i] == slot) {
      bucket->keys.erase(bucket->keys.begin() + static_cast<std::ptrdiff_t>(i));
      bucket->slots.erase(bucket->slots.begin() + static_cast<std::ptrdiff_t>(i));
      return;
    }
  }
}

size_t NearIndex::SketchCount(uint32_t hash) const {
  const std::vector<uint16_t>& keys = sketches_[hash >> kBucketBits].keys;
  const auto low = static_cast<uint16_t>(hash);
  size_t n = 0;
  for (uint16_t k : keys) n += k == low;
  return n;
}

void NearIndex::Add(uint64_t id, uint64_t simhash, const std::vector<uint32_t>& sketch) {
  const auto slot = static_cast<uint32_t>(hashes_.size());
  if (hashes_.size() == hashes_.capacity()) {  // Grow by a quarter: 16 bytes an article.
    hashes_.reserve(hashes_.size() + hashes_.size() / 4 + 1024);
    ids_.reserve(hashes_.capacity());
  }
  hashes_.push_back(simhash);
  ids_.push_back(id);
  for (int b = 0; b < layout_.bands(); ++b) {
    Append(&bands_[(static_cast<size_t>(b) << kBucketBits) + BandBucket(layout_.Band(simhash, b))],
           Residual(simhash, b), slot);
  }
  for (uint32_t hash : sketch) {
    if (SketchCount(hash) >= static_cast<size_t>(max_fanout_)) continue;  // Common text.
    Append(&sketches_[hash >> kBucketBits], static_cast<uint16_t>(hash), slot);
  }
  ++live_;
}

void NearIndex::Remove(uint64_t id, uint64_t simhash, const std::vector<uint32_t>& sketch) {
  const Bucket& first = bands_[BandBucket(layout_.Band(simhash, 0))];
  bool found = false;
  uint32_t slot = 0;
  for (size_t i = 0; i < first.slots.size() && !found; ++i) {
    slot = first.slots[i];
    found = ids_[slot] == id && hashes_[slot] == simhash;
  }
  if (!found) return;
  for (int b = 0; b < layout_.bands(); ++b) {
    Erase(&bands_[(static_cast<size_t>(b) << kBucketBits) + BandBucket(layout_.Band(simhash, b))],
          Residual(simhash, b), slot);
  }
  for (uint32_t hash : sketch) {
    Erase(&sketches_[hash >> kBucketBits], static_cast<uint16_t>(hash), slot);
  }
  ids_[slot] = 0;
  --live_;
}

bool NearIndex::FindNearest(uint64_t simhash, uint64_t exclude_id, int accept_distance,
                            Match* match) const {
  bool found = false;
  uint32_t best_slot = 0;
  for (int b = 0; b < layout_.bands(); ++b) {
    const Bucket& bucket =
        bands_[(static_cast<size_t>(b) << kBucketBits) + BandBucket(layout_.Band(simhash, b))];
    const uint16_t residual = Residual(simhash, b);
    const uint16_t* keys = bucket.keys.data();
    for (size_t i = 0; i < bucket.keys.size(); ++i) {
      if (Popcount16(static_cast<uint32_t>(keys[i] ^ residual)) > accept_distance) {
        continue;
      }
      const uint32_t slot = bucket.slots[i];
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

std::vector<NearIndex::Candidate> NearIndex::FindBySketch(const std::vector<uint32_t>& sketch,
                                                          uint64_t exclude_id, size_t limit) const {
  std::vector<std::pair<uint32_t, int>> slots;  // (slot, shared)
  std::vector<uint32_t> matches;
  for (uint32_t hash : sketch) {
    matches.clear();
    const Bucket& b = sketches_[hash >> kBucketBits];
    const auto low = static_cast<uint16_t>(hash);
    for (size_t i = 0; i < b.keys.size(); ++i) {
      if (b.keys[i] == low) matches.push_back(b.slots[i]);
    }
    if (matches.size() >= static_cast<size_t>(max_fanout_)) continue;  // Common text.
    for (uint32_t slot : matches) {
      if (ids_[slot] == exclude_id || ids_[slot] == 0) continue;
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

size_t NearIndex::MemoryBytes() const {
  size_t bytes = hashes_.capacity() * 8 + ids_.capacity() * 8;
  for (const auto* buckets : {&bands_, &sketches_}) {
    bytes += buckets->capacity() * sizeof(Bucket);
    for (const Bucket& b : *buckets) bytes += b.keys.capacity() * 2 + b.slots.capacity() * 4;
  }
  return bytes;
}

}  // namespace tincrawl

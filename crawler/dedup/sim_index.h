#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace tincrawl {

// Band layout for finding every SimHash within `max_distance` bits: max_distance + 1 disjoint
// bands of floor(64 / (max_distance + 1)) bits. Two hashes within the distance differ in at most
// max_distance bands, so they agree exactly on at least one (pigeonhole).
class BandLayout {
 public:
  explicit BandLayout(int max_distance);
  int bands() const { return bands_; }
  int max_distance() const { return bands_ - 1; }
  uint32_t Band(uint64_t simhash, int band) const {
    return static_cast<uint32_t>((simhash >> (band * width_)) & mask_);
  }

 private:
  int bands_;
  int width_;
  uint64_t mask_;
};

// In-memory banded index of (simhash, id) pairs. Not thread-safe; the deduper serializes access.
// Each band has 65536 buckets (band values wider than 16 bits are folded, which only adds
// candidates that the popcount check then rejects).
class SimIndex {
 public:
  explicit SimIndex(int max_distance);

  void Add(uint64_t simhash, uint64_t id);
  // Removes the entry (simhash, id) if present.
  void Remove(uint64_t simhash, uint64_t id);

  struct Match {
    uint64_t id = 0;
    uint64_t simhash = 0;
    int distance = 0;
  };
  // The closest indexed entry within `accept_distance` of `simhash` (ties: the earliest added)
  // among those sharing a band with it, skipping `exclude_id`. Every entry within max_distance
  // shares a band (guaranteed recall); entries up to accept_distance > max_distance are found
  // only when they happen to share one. Returns false when there is none.
  bool FindNearest(uint64_t simhash, uint64_t exclude_id, int accept_distance, Match* match) const;

  const BandLayout& layout() const { return layout_; }
  size_t size() const { return live_; }
  size_t MemoryBytes() const;

 private:
  static constexpr int kBucketBits = 16;
  uint32_t Bucket(uint32_t band_value) const {
    return (band_value ^ (band_value >> kBucketBits)) & ((1u << kBucketBits) - 1);
  }

  BandLayout layout_;
  std::vector<uint64_t> hashes_;                             // Slot -> simhash.
  std::vector<uint64_t> ids_;                                // Slot -> id; 0 marks a removed slot.
  std::vector<std::vector<std::vector<uint32_t>>> buckets_;  // [band][bucket] -> slots.
  size_t live_ = 0;
};

// In-memory multimap sketch hash -> article id (open addressing, 8 bytes per entry), the
// candidate generator for sentence-unit matching. A hash already indexed for `max_fanout` ids is
// common text (portal boilerplate, template phrases): it is neither extended nor used to find
// candidates. Not thread-safe; the deduper serializes access.
class SketchIndex {
 public:
  explicit SketchIndex(int max_fanout);

  void Add(const std::vector<uint32_t>& sketch, uint64_t id);
  // Removes every entry of `id` under the hashes of `sketch`.
  void Remove(const std::vector<uint32_t>& sketch, uint64_t id);

  struct Candidate {
    uint64_t id = 0;
    int shared = 0;  // Sketch hashes shared with the query.
  };
  // Ids sharing at least one non-common hash with `sketch` (skipping `exclude_id`), most shared
  // first, then earliest added; at most `limit`.
  std::vector<Candidate> Find(const std::vector<uint32_t>& sketch, uint64_t exclude_id,
                              size_t limit) const;

  size_t size() const { return live_ids_; }
  size_t MemoryBytes() const { return table_.capacity() * 8 + ids_.capacity() * 8; }

 private:
  static constexpr uint64_t kEmpty = 0;
  static constexpr uint64_t kTombstone = ~0ULL;
  size_t Home(uint32_t hash) const;
  size_t Count(uint32_t hash) const;
  void Insert(uint64_t entry);
  void Grow();

  int max_fanout_;
  std::vector<uint64_t> table_;  // (hash << 32) | (slot + 1); kEmpty or kTombstone otherwise.
  std::vector<uint64_t> ids_;    // Slot -> id.
  size_t used_ = 0;              // Entries plus tombstones.
  size_t live_ids_ = 0;
};

}  // namespace tincrawl

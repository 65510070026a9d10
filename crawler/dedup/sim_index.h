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
  int width() const { return width_; }
  int max_distance() const { return bands_ - 1; }
  uint32_t Band(uint64_t simhash, int band) const {
    return static_cast<uint32_t>((simhash >> (band * width_)) & mask_);
  }

 private:
  int bands_;
  int width_;
  uint64_t mask_;
};

// The deduper's in-memory near-duplicate index: for each article (an id, its SimHash and the
// bottom-k sketch of its sentence units) one slot, found two ways.
//
// SimHash bands: per band 65536 buckets (band values wider than 16 bits are folded, which only
// adds candidates). A bucket entry is 6 bytes: the slot and a 16-bit residual, the 16 hash bits
// that follow the band. A residual more than accept_distance bits from the query's rejects the
// entry without touching the slot's hash (about 99% of unrelated entries), so a query reads its
// buckets sequentially and the hash array only for real candidates. Buckets grow by an eighth,
// not by doubling. At 10M articles a bucket holds ~150 entries (900 bytes).
//
// Sketch hashes: 65536 buckets by the hash's top 16 bits, entries of 6 bytes (slot and the low
// 16 bits). A hash already indexed for `max_fanout` articles is common text (portal
// boilerplate, template phrases): it is neither extended nor used to find candidates.
//
// About 60 bytes per article with the default 4 bands and 3 sketch hashes (was 110 with
// per-band slot vectors and an open-addressing sketch table, and a band scan that missed the
// cache once per entry). Not thread-safe; the deduper serializes access.
class NearIndex {
 public:
  NearIndex(int max_distance, int max_sketch_fanout);

  void Add(uint64_t id, uint64_t simhash, const std::vector<uint32_t>& sketch);
  // Removes the article (id, simhash) and its sketch entries, if present.
  void Remove(uint64_t id, uint64_t simhash, const std::vector<uint32_t>& sketch);

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

  struct Candidate {
    uint64_t id = 0;
    int shared = 0;  // Sketch hashes shared with the query.
  };
  // Ids sharing at least one non-common hash with `sketch` (skipping `exclude_id`), most shared
  // first, then earliest added; at most `limit`.
  std::vector<Candidate> FindBySketch(const std::vector<uint32_t>& sketch, uint64_t exclude_id,
                                      size_t limit) const;

  const BandLayout& layout() const { return layout_; }
  size_t size() const { return live_; }
  size_t MemoryBytes() const;

 private:
  static constexpr int kBucketBits = 16;
  static constexpr uint32_t kBucketMask = (1u << kBucketBits) - 1;
  // A bucket: entries in slot order, the 16-bit keys (residuals, or the sketch hash's low half)
  // apart from the slots so a scan compares a contiguous run of keys.
  struct Bucket {
    std::vector<uint16_t> keys;
    std::vector<uint32_t> slots;
  };

  uint32_t BandBucket(uint32_t band_value) const {
    return (band_value ^ (band_value >> kBucketBits)) & kBucketMask;
  }
  uint16_t Residual(uint64_t simhash, int band) const;
  static void Append(Bucket* bucket, uint16_t key, uint32_t slot);
  static void Erase(Bucket* bucket, uint16_t key, uint32_t slot);
  size_t SketchCount(uint32_t hash) const;

  BandLayout layout_;
  int max_fanout_;
  std::vector<uint64_t> hashes_;  // Slot -> simhash.
  std::vector<uint64_t> ids_;     // Slot -> id; 0 marks a removed slot.
  std::vector<Bucket> bands_;     // band * 65536 + bucket.
  std::vector<Bucket> sketches_;  // Top 16 bits of the sketch hash.
  size_t live_ = 0;
};

}  // namespace tincrawl

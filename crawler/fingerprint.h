#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tincrawl {

// A fast 64-bit non-cryptographic hash (8 bytes per step, multiply-xorshift mixing and a
// splitmix64 finalizer). Stable across platforms and releases: values are persisted.
uint64_t Hash64(std::string_view data, uint64_t seed = 0);

// Exact-content fingerprint of a body already in canonical form (CleanText: NFC, whitespace
// collapsed).
inline uint64_t ContentHash(std::string_view clean_body) { return Hash64(clean_body, 0x7C1); }

// Splits case-folded text into word tokens: runs of bytes that are not ASCII whitespace or
// punctuation nor common Unicode punctuation (curly quotes, dashes, ellipsis, guillemets).
std::vector<std::string_view> Tokenize(std::string_view folded);

// 64-bit SimHash of the word 3-shingles of `tokens` (every occurrence adds its weight, so
// repeated shingles count more). Texts of fewer than three tokens hash their tokens instead.
uint64_t SimHash(const std::vector<std::string_view>& tokens);

inline int HammingDistance(uint64_t a, uint64_t b) { return __builtin_popcountll(a ^ b); }

// Lower-case hex, 16 digits, and back.
std::string Hex64(uint64_t v);
bool ParseHex64(std::string_view hex, uint64_t* v);

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

}  // namespace tincrawl

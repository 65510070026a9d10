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

// The same SimHash from token hashes (Hash64(token, kTokenSeed) each), so callers that hash
// tokens once can share them with other fingerprints.
inline constexpr uint64_t kTokenSeed = 0x5EED;
uint64_t SimHashOfTokenHashes(const uint64_t* token_hashes, size_t count);

inline int HammingDistance(uint64_t a, uint64_t b) { return __builtin_popcountll(a ^ b); }

// One sentence of a body in the context of the sentence before it: `hash` covers the tokens of
// both (so a sentence that many unrelated articles share, a boilerplate line, only matches where
// its neighbour matches too), `weight` is the sentence's token count.
struct SentenceUnit {
  uint32_t hash = 0;
  uint32_t weight = 0;
  bool operator==(const SentenceUnit&) const = default;
};

// Everything the deduper fingerprints in one body, computed by one pass over the folded text.
struct BodyFingerprint {
  int tokens = 0;
  uint64_t simhash = 0;
  // Distinct units sorted by hash (repeated units add their weights). Sentences end at . ! ? or
  // an ellipsis followed by a space, so the units do not depend on how the text is split into
  // paragraphs.
  std::vector<SentenceUnit> units;
};

// CleanText(body) (NFC, whitespace collapsed), computed in one pass without ICU when the text
// is valid UTF-8 made of code points that are NFC on their own (ASCII, Latin-1, Latin Extended,
// the precomposed Vietnamese letters, general punctuation): the common case for portal text.
// Anything else (combining marks, other scripts, ill-formed bytes) goes through CleanText.
std::string CleanBody(std::string_view body);

// Fingerprints `clean` (CleanText output: NFC, whitespace collapsed). Case folding is Unicode
// simple lower-casing per code point, with an ASCII fast path. Tokens are those of Tokenize.
void FingerprintClean(std::string_view clean, BodyFingerprint* out);

// Shared weight over the larger total weight, in [0, 1]: the fraction of the longer body whose
// sentences (in context) also occur in the other. Both lists sorted by hash as above.
double UnitSimilarity(const std::vector<SentenceUnit>& a, const std::vector<SentenceUnit>& b);

// The bottom-k sketch of `units` (sorted by hash): the k smallest hashes among units of at least
// `min_weight` tokens. Two bodies sharing most units share most of their sketches.
std::vector<uint32_t> UnitSketch(const std::vector<SentenceUnit>& units, int k, int min_weight);

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

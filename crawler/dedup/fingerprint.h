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

}  // namespace tincrawl

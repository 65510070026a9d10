#include "crawler/fingerprint.h"

#include <algorithm>
#include <cstring>

namespace tincrawl {
namespace {

constexpr uint64_t kP1 = 0x9E3779B185EBCA87ULL;
constexpr uint64_t kP2 = 0xC2B2AE3D27D4EB4FULL;
constexpr uint64_t kP3 = 0x165667B19E3779F9ULL;

inline uint64_t Rotl(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }

inline uint64_t Fmix(uint64_t x) {  // splitmix64 finalizer: full avalanche.
  x ^= x >> 30;
  x *= 0xBF58476D1CE4E5B9ULL;
  x ^= x >> 27;
  x *= 0x94D049BB133111EBULL;
  x ^= x >> 31;
  return x;
}

inline uint64_t Load64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;  // Little-endian hosts only (x86-64, aarch64); persisted values assume it.
}

struct SeparatorTable {
  bool is[256] = {};
  SeparatorTable() {
    for (int c = 0; c <= 0x20; ++c) is[c] = true;
    for (const char* p = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"; *p != 0; ++p) {
      is[static_cast<unsigned char>(*p)] = true;
    }
    is[0x7F] = true;
  }
};

bool IsAsciiSeparator(unsigned char c) {
  static const SeparatorTable table;
  return table.is[c];
}

// Length of a Unicode punctuation sequence at s[i] treated as a separator, or 0.
size_t UnicodeSeparatorLength(std::string_view s, size_t i) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(s[i + k]); };
  if (i + 1 < s.size() && b(0) == 0xC2 && (b(1) == 0xAB || b(1) == 0xBB || b(1) == 0xA0)) {
    return 2;  // « » NBSP
  }
  if (i + 2 < s.size() && b(0) == 0xE2 && b(1) == 0x80 &&
      ((b(2) >= 0x90 && b(2) <= 0xA6) || (b(2) >= 0x80 && b(2) <= 0x8B))) {
    return 3;  // U+2000..U+200B spaces, U+2010..U+2026 dashes, quotes, bullets, ellipsis.
  }
  return 0;
}

}  // namespace

uint64_t Hash64(std::string_view data, uint64_t seed) {
  const char* p = data.data();
  size_t n = data.size();
  uint64_t h = seed ^ (static_cast<uint64_t>(n) * kP1);
  while (n >= 8) {
    h ^= Rotl(Load64(p) * kP2, 31) * kP1;
    h = Rotl(h, 27) * kP1 + kP3;
    p += 8;
    n -= 8;
  }
  uint64_t tail = 0;
  for (size_t i = 0; i < n; ++i)
    tail |= static_cast<uint64_t>(static_cast<uint8_t>(p[i])) << (8 * i);
  h ^= Rotl(tail * kP2, 31) * kP1;
  return Fmix(h);
}

std::vector<std::string_view> Tokenize(std::string_view s) {
  std::vector<std::string_view> tokens;
  tokens.reserve(s.size() / 5);
  size_t start = std::string_view::npos;
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t sep = IsAsciiSeparator(c) ? 1 : (c >= 0xC2 ? UnicodeSeparatorLength(s, i) : 0);
    if (sep > 0) {
      if (start != std::string_view::npos) tokens.push_back(s.substr(start, i - start));
      start = std::string_view::npos;
      i += sep;
    } else {
      if (start == std::string_view::npos) start = i;
      ++i;
    }
  }
  if (start != std::string_view::npos) tokens.push_back(s.substr(start));
  return tokens;
}

uint64_t SimHash(const std::vector<std::string_view>& tokens) {
  std::vector<uint64_t> th(tokens.size());
  for (size_t i = 0; i < tokens.size(); ++i) th[i] = Hash64(tokens[i], 0x5EED);
  std::vector<uint64_t> features;
  if (th.size() < 3) {
    features = th;
  } else {
    features.reserve(th.size() - 2);
    for (size_t i = 0; i + 2 < th.size(); ++i) {
      features.push_back(Fmix(th[i] ^ Rotl(th[i + 1], 21) ^ Rotl(th[i + 2], 42)));
    }
  }
  // Per bit: (#features with the bit set) - (#without) > 0. Count set bits per position with
  // byte-lane counters: lanes[i] byte k counts bit 8k+i; flushed before a byte can overflow.
  int32_t counts[64] = {};
  uint64_t lanes[8] = {};
  constexpr uint64_t kLow = 0x0101010101010101ULL;
  auto flush = [&] {
    for (int i = 0; i < 8; ++i) {
      for (int k = 0; k < 8; ++k)
        counts[8 * k + i] += static_cast<int32_t>((lanes[i] >> (8 * k)) & 0xFF);
      lanes[i] = 0;
    }
  };
  size_t pending = 0;
  for (uint64_t f : features) {
    for (int i = 0; i < 8; ++i) lanes[i] += (f >> i) & kLow;
    if (++pending == 255) {
      flush();
      pending = 0;
    }
  }
  flush();
  const auto half = static_cast<int32_t>(features.size());
  uint64_t out = 0;
  for (int b = 0; b < 64; ++b) {
    if (2 * counts[b] > half) out |= 1ULL << b;
  }
  return out;
}

std::string Hex64(uint64_t v) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i, v >>= 4) out[i] = kDigits[v & 0xF];
  return out;
}

bool ParseHex64(std::string_view hex, uint64_t* v) {
  if (hex.size() != 16) return false;
  uint64_t r = 0;
  for (char c : hex) {
    int d;
    if (c >= '0' && c <= '9') {
      d = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      d = c - 'a' + 10;
    } else {
      return false;
    }
    r = (r << 4) | static_cast<uint64_t>(d);
  }
  *v = r;
  return true;
}

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

}  // namespace tincrawl

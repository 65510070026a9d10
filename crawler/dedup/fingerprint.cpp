#include "crawler/dedup/fingerprint.h"

#include <unicode/uchar.h>

#include <algorithm>
#include <cstring>

#include "extractors/text.h"

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
  for (size_t i = 0; i < tokens.size(); ++i) th[i] = Hash64(tokens[i], kTokenSeed);
  return SimHashOfTokenHashes(th.data(), th.size());
}

uint64_t SimHashOfTokenHashes(const uint64_t* th, size_t count) {
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
  // Features: the token hashes themselves for texts under three tokens, else 3-shingles.
  const size_t features = count < 3 ? count : count - 2;
  size_t pending = 0;
  for (size_t j = 0; j < features; ++j) {
    const uint64_t f = count < 3 ? th[j] : Fmix(th[j] ^ Rotl(th[j + 1], 21) ^ Rotl(th[j + 2], 42));
    for (int i = 0; i < 8; ++i) lanes[i] += (f >> i) & kLow;
    if (++pending == 255) {
      flush();
      pending = 0;
    }
  }
  flush();
  const auto half = static_cast<int32_t>(features);
  uint64_t out = 0;
  for (int b = 0; b < 64; ++b) {
    if (2 * counts[b] > half) out |= 1ULL << b;
  }
  return out;
}

namespace {

constexpr uint64_t kSentenceSeed = 0x5E47E7CEULL;
constexpr uint64_t kStartOfText = 0x57A27ULL;

// Builds token hashes and sentence units while scanning folded text.
class FingerprintBuilder {
 public:
  explicit FingerprintBuilder(BodyFingerprint* out) : out_(out) {
    token_.clear();
    hashes_.clear();
    out_->units.clear();
  }

  void Letter(char c) {
    token_.push_back(c);
    pending_end_ = false;
  }
  void Letter(std::string_view bytes) {
    token_.append(bytes);
    pending_end_ = false;
  }
  void Letter(char32_t cp) {
    AppendUtf8(cp, &token_);
    pending_end_ = false;
  }
  // A separator: `terminator` for sentence punctuation, `space` for whitespace.
  void Separator(bool terminator, bool space) {
    EndToken();
    if (terminator) {
      pending_end_ = true;
    } else if (space && pending_end_) {
      EndSentence();
      pending_end_ = false;
    }
  }
  void Finish() {
    EndToken();
    EndSentence();
    auto& units = out_->units;
    std::sort(units.begin(), units.end(),
              [](const SentenceUnit& a, const SentenceUnit& b) { return a.hash < b.hash; });
    size_t w = 0;
    for (size_t r = 0; r < units.size(); ++r) {
      if (w > 0 && units[w - 1].hash == units[r].hash) {
        units[w - 1].weight += units[r].weight;
      } else {
        units[w++] = units[r];
      }
    }
    units.resize(w);
    out_->tokens = static_cast<int>(hashes_.size());
    out_->simhash = SimHashOfTokenHashes(hashes_.data(), hashes_.size());
  }

 private:
  void EndToken() {
    if (token_.empty()) return;
    const uint64_t h = Hash64(token_, kTokenSeed);
    token_.clear();
    hashes_.push_back(h);
    sentence_ = (Rotl(sentence_, 23) ^ h) * kP1;
    ++sentence_tokens_;
  }
  void EndSentence() {
    if (sentence_tokens_ == 0) return;
    const uint64_t sh = Fmix(sentence_ ^ sentence_tokens_);
    out_->units.push_back(
        {static_cast<uint32_t>(Fmix(previous_ * kP2 ^ sh) >> 32), sentence_tokens_});
    previous_ = sh;
    sentence_ = kSentenceSeed;
    sentence_tokens_ = 0;
  }

  BodyFingerprint* out_;
  static thread_local std::string token_;
  static thread_local std::vector<uint64_t> hashes_;
  uint64_t sentence_ = kSentenceSeed;
  uint64_t previous_ = kStartOfText;
  uint32_t sentence_tokens_ = 0;
  bool pending_end_ = false;
};

thread_local std::string FingerprintBuilder::token_;
thread_local std::vector<uint64_t> FingerprintBuilder::hashes_;

bool IsTerminator(char c) { return c == '.' || c == '!' || c == '?'; }

}  // namespace

void FingerprintClean(std::string_view s, BodyFingerprint* out) {
  FingerprintBuilder b(out);
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if (!IsAsciiSeparator(c)) {
        b.Letter(static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c));
      } else {
        // Other punctuation (closing quotes, brackets) ends the token but not a pending sentence.
        b.Separator(IsTerminator(static_cast<char>(c)), c <= 0x20);
      }
      ++i;
      continue;
    }
    if (const size_t sep = c >= 0xC2 ? UnicodeSeparatorLength(s, i) : 0; sep > 0) {
      const bool ellipsis = sep == 3 && static_cast<unsigned char>(s[i + 2]) == 0xA6;
      const bool space = sep == 2 ? static_cast<unsigned char>(s[i + 1]) == 0xA0
                                  : static_cast<unsigned char>(s[i + 2]) <= 0x8B &&
                                        static_cast<unsigned char>(s[i + 1]) == 0x80;
      b.Separator(ellipsis, space);  // Dashes, quotes, guillemets end the token only.
      i += sep;
      continue;
    }
    const size_t start = i;
    const char32_t cp = NextCodePoint(s, &i);
    const auto lower = static_cast<char32_t>(u_tolower(static_cast<UChar32>(cp)));
    if (lower == cp) {
      b.Letter(s.substr(start, i - start));
    } else {
      b.Letter(lower);
    }
  }
  b.Finish();
}

namespace {

// Decodes a well-formed 2- or 3-byte sequence at s[i] (0 when it is not one).
char32_t DecodeShort(std::string_view s, size_t i, size_t* len) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  const auto cont = [&](size_t k) {
    return i + k < s.size() && (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80;
  };
  if (b0 >= 0xC2 && b0 <= 0xDF && cont(1)) {
    *len = 2;
    return ((b0 & 0x1Fu) << 6) | (static_cast<unsigned char>(s[i + 1]) & 0x3Fu);
  }
  if (b0 >= 0xE1 && b0 <= 0xEC && cont(1) && cont(2)) {  // U+1000..U+CFFF, no surrogates.
    *len = 3;
    return ((b0 & 0x0Fu) << 12) | ((static_cast<unsigned char>(s[i + 1]) & 0x3Fu) << 6) |
           (static_cast<unsigned char>(s[i + 2]) & 0x3Fu);
  }
  return 0;
}

// Code points that are NFC whatever surrounds them (no decomposition, no combining class, never
// composed with a neighbour) and are not collapsible spaces.
bool IsStableNonSpace(char32_t c) {
  if (c >= 0xA1 && c <= 0x2FF) return true;     // Latin-1 .. Latin Extended-B.
  if (c >= 0x1EA0 && c <= 0x1EF9) return true;  // Vietnamese precomposed letters.
  if (c >= 0x2010 && c <= 0x2027) return true;  // Dashes, quotes, bullets, ellipsis.
  return c >= 0x2030 && c <= 0x205E;
}

}  // namespace

std::string CleanBody(std::string_view body) {
  std::string out;
  out.reserve(body.size());
  bool pending_space = false;
  size_t i = 0;
  while (i < body.size()) {
    const auto c = static_cast<unsigned char>(body[i]);
    size_t len = 1;
    bool space;
    if (c < 0x80) {
      space = c == ' ' || (c >= '\t' && c <= '\r');
    } else {
      const char32_t cp = DecodeShort(body, i, &len);
      space = cp == 0x85 || cp == 0xA0;
      if (!space && !IsStableNonSpace(cp)) return CleanText(body);
    }
    if (space) {
      pending_space = true;
    } else {
      if (pending_space && !out.empty()) out.push_back(' ');
      pending_space = false;
      out.append(body.data() + i, len);
    }
    i += len;
  }
  return out;
}

double UnitSimilarity(const std::vector<SentenceUnit>& a, const std::vector<SentenceUnit>& b) {
  uint64_t total_a = 0, total_b = 0, shared = 0;
  for (const SentenceUnit& u : a) total_a += u.weight;
  for (const SentenceUnit& u : b) total_b += u.weight;
  size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    if (a[i].hash < b[j].hash) {
      ++i;
    } else if (b[j].hash < a[i].hash) {
      ++j;
    } else {
      shared += std::min(a[i++].weight, b[j++].weight);
    }
  }
  const uint64_t longer = std::max(total_a, total_b);
  return longer == 0 ? 0.0 : static_cast<double>(shared) / static_cast<double>(longer);
}

std::vector<uint32_t> UnitSketch(const std::vector<SentenceUnit>& units, int k, int min_weight) {
  std::vector<uint32_t> sketch;
  for (const SentenceUnit& u : units) {
    if (static_cast<int>(sketch.size()) >= k) break;
    if (static_cast<int>(u.weight) >= min_weight) sketch.push_back(u.hash);
  }
  return sketch;
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

}  // namespace tincrawl

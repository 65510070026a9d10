#include "crawler/url/url_host.h"

#include <unicode/uidna.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <vector>

namespace tincrawl {
namespace {

constexpr char kHex[] = "0123456789ABCDEF";

bool IsAsciiDigit(char c) { return c >= '0' && c <= '9'; }
char AsciiLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// Forbidden host code points (URL Standard section 3.2).
bool IsForbiddenHostByte(unsigned char c) {
  return c == 0 || c == '\t' || c == '\n' || c == '\r' ||
         (c != 0 && std::strchr(" #/:<>?@[\\]^|", c) != nullptr);
}

// Forbidden domain code points: the forbidden host ones, C0 controls, '%' and DEL.
bool IsForbiddenDomainByte(unsigned char c) {
  return IsForbiddenHostByte(c) || c < 0x20 || c == '%' || c == 0x7F;
}

std::vector<std::string_view> SplitDots(std::string_view s) {
  std::vector<std::string_view> parts;
  size_t pos = 0;
  while (true) {
    const size_t dot = s.find('.', pos);
    parts.push_back(
        s.substr(pos, dot == std::string_view::npos ? std::string_view::npos : dot - pos));
    if (dot == std::string_view::npos) return parts;
    pos = dot + 1;
  }
}

// The IPv4 number parser: decimal, 0x hex or 0-prefixed octal. Values saturate above 2^32 so
// that "too large" stays detectable without overflow.
std::optional<uint64_t> ParseIpv4Number(std::string_view s) {
  if (s.empty()) return std::nullopt;
  int radix = 10;
  if (s.size() >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    radix = 16;
    s.remove_prefix(2);
  } else if (s.size() >= 2 && s[0] == '0') {
    radix = 8;
    s.remove_prefix(1);
  }
  uint64_t value = 0;
  for (char c : s) {
    const int d = HexDigitValue(c);
    if (d < 0 || d >= radix) return std::nullopt;
    value = std::min<uint64_t>(value * static_cast<uint64_t>(radix) + static_cast<uint64_t>(d),
                               uint64_t{1} << 40);
  }
  return value;
}

// "Ends in a number": the last non-empty label is all digits or a valid IPv4 number.
bool EndsInNumber(std::string_view host) {
  std::vector<std::string_view> parts = SplitDots(host);
  if (parts.back().empty()) {
    if (parts.size() == 1) return false;
    parts.pop_back();
  }
  const std::string_view last = parts.back();
  if (!last.empty() && std::all_of(last.begin(), last.end(), IsAsciiDigit)) return true;
  return ParseIpv4Number(last).has_value();
}

std::optional<std::string> ParseIpv4(std::string_view host) {
  std::vector<std::string_view> parts = SplitDots(host);
  if (parts.back().empty() && parts.size() > 1) parts.pop_back();
  if (parts.size() > 4) return std::nullopt;
  std::vector<uint64_t> numbers;
  for (std::string_view part : parts) {
    const std::optional<uint64_t> n = ParseIpv4Number(part);
    if (!n) return std::nullopt;
    numbers.push_back(*n);
  }
  for (size_t i = 0; i + 1 < numbers.size(); ++i) {
    if (numbers[i] > 255) return std::nullopt;
  }
  if (numbers.back() >= (uint64_t{1} << (8 * (5 - numbers.size())))) return std::nullopt;
  uint64_t address = numbers.back();
  for (size_t i = 0; i + 1 < numbers.size(); ++i) address += numbers[i] << (8 * (3 - i));
  std::string out;
  for (int shift = 24; shift >= 0; shift -= 8) {
    out.append(std::to_string((address >> shift) & 0xFF));
    if (shift > 0) out.push_back('.');
  }
  return out;
}

// Reads the dotted IPv4 tail of an IPv6 address into pieces[*piece], pieces[*piece + 1].
bool ParseIpv6Ipv4Tail(std::string_view s, size_t* i, std::array<uint16_t, 8>* pieces,
                       size_t* piece) {
  if (*piece > 6) return false;
  int numbers_seen = 0;
  while (*i < s.size()) {
    int value = -1;
    if (numbers_seen > 0) {
      if (s[*i] != '.' || numbers_seen >= 4) return false;
      ++*i;
    }
    if (*i >= s.size() || !IsAsciiDigit(s[*i])) return false;
    while (*i < s.size() && IsAsciiDigit(s[*i])) {
      const int digit = s[*i] - '0';
      if (value == 0) return false;  // Leading zero.
      value = value < 0 ? digit : value * 10 + digit;
      if (value > 255) return false;
      ++*i;
    }
    (*pieces)[*piece] = static_cast<uint16_t>((*pieces)[*piece] * 0x100 + value);
    ++numbers_seen;
    if (numbers_seen == 2 || numbers_seen == 4) ++*piece;
  }
  return numbers_seen == 4;
}

// The IPv6 parser of section 3.5 (input without the brackets).
std::optional<std::array<uint16_t, 8>> ParseIpv6(std::string_view s) {
  std::array<uint16_t, 8> pieces{};
  size_t piece = 0, i = 0;
  std::optional<size_t> compress;
  if (!s.empty() && s[0] == ':') {
    if (s.size() < 2 || s[1] != ':') return std::nullopt;
    i = 2;
    compress = ++piece;
  }
  while (i < s.size()) {
    if (piece == 8) return std::nullopt;
    if (s[i] == ':') {
      if (compress) return std::nullopt;
      ++i;
      compress = ++piece;
      continue;
    }
    unsigned value = 0, length = 0;
    while (length < 4 && i < s.size() && HexDigitValue(s[i]) >= 0) {
      value = value * 0x10 + static_cast<unsigned>(HexDigitValue(s[i]));
      ++i;
      ++length;
    }
    if (i < s.size() && s[i] == '.') {
      if (length == 0) return std::nullopt;
      i -= length;
      if (!ParseIpv6Ipv4Tail(s, &i, &pieces, &piece)) return std::nullopt;
      break;
    }
    if (i < s.size() && s[i] == ':') {
      if (++i == s.size()) return std::nullopt;
    } else if (i < s.size()) {
      return std::nullopt;
    }
    pieces[piece++] = static_cast<uint16_t>(value);
  }
  if (!compress) {
    if (piece != 8) return std::nullopt;
  } else {
    // Moves the pieces after "::" to the end, leaving zeros where the "::" stood.
    std::rotate(pieces.begin() + static_cast<ptrdiff_t>(*compress),
                pieces.begin() + static_cast<ptrdiff_t>(piece), pieces.end());
  }
  return pieces;
}

// Serializes with the first longest run of two or more zero pieces compressed to "::".
std::string SerializeIpv6(const std::array<uint16_t, 8>& pieces) {
  size_t best_start = 8, best_len = 1;
  for (size_t i = 0; i < 8;) {
    size_t j = i;
    while (j < 8 && pieces[j] == 0) ++j;
    if (j - i > best_len) {
      best_start = i;
      best_len = j - i;
    }
    i = j == i ? i + 1 : j;
  }
  std::string out = "[";
  for (size_t i = 0; i < 8; ++i) {
    if (i == best_start) {
      out.append(i == 0 ? "::" : ":");
      i += best_len - 1;
      continue;
    }
    char buf[8];
    std::snprintf(buf, sizeof(buf), "%x", pieces[i]);
    out.append(buf);
    if (i != 7) out.push_back(':');
  }
  out.push_back(']');
  return out;
}

const UIDNA* WebIdna() {
  static const UIDNA* idna = [] {
    UErrorCode err = U_ZERO_ERROR;
    UIDNA* p =
        uidna_openUTS46(UIDNA_CHECK_BIDI | UIDNA_CHECK_CONTEXTJ | UIDNA_NONTRANSITIONAL_TO_ASCII |
                            UIDNA_NONTRANSITIONAL_TO_UNICODE,
                        &err);
    return U_SUCCESS(err) ? p : nullptr;
  }();
  return idna;
}

// Errors UTS #46 reports that the URL Standard switches off (CheckHyphens and VerifyDnsLength
// are false for URLs).
constexpr uint32_t kIgnoredIdnaErrors =
    UIDNA_ERROR_EMPTY_LABEL | UIDNA_ERROR_LABEL_TOO_LONG | UIDNA_ERROR_DOMAIN_NAME_TOO_LONG |
    UIDNA_ERROR_LEADING_HYPHEN | UIDNA_ERROR_TRAILING_HYPHEN | UIDNA_ERROR_HYPHEN_3_4;

// ASCII domains skip UTS #46 (only lower-cased), as in the browsers web-platform-tests
// describes ("Domain is ASCII, but a label is invalid IDNA": "a.xn--pokxncvks" is accepted).
bool NeedsIdna(std::string_view domain) {
  return std::any_of(domain.begin(), domain.end(),
                     [](char c) { return static_cast<unsigned char>(c) >= 0x80; });
}

// "Domain to ASCII" with beStrict false.
std::optional<std::string> DomainToAscii(std::string_view domain) {
  std::string out(domain);
  if (!NeedsIdna(domain)) {
    std::transform(out.begin(), out.end(), out.begin(), AsciiLower);
  } else {
    const UIDNA* idna = WebIdna();
    if (idna == nullptr) return std::nullopt;
    UIDNAInfo info = UIDNA_INFO_INITIALIZER;
    UErrorCode err = U_BUFFER_OVERFLOW_ERROR;
    int32_t n = static_cast<int32_t>(domain.size()) * 2 + 64;
    while (err == U_BUFFER_OVERFLOW_ERROR) {  // At most twice: the first call says how much.
      out.assign(static_cast<size_t>(n), '\0');
      err = U_ZERO_ERROR;
      n = uidna_nameToASCII_UTF8(idna, domain.data(), static_cast<int32_t>(domain.size()),
                                 out.data(), static_cast<int32_t>(out.size()), &info, &err);
    }
    if (U_FAILURE(err) || (info.errors & ~kIgnoredIdnaErrors) != 0) return std::nullopt;
    out.resize(static_cast<size_t>(n));
  }
  if (out.empty()) return std::nullopt;
  for (unsigned char c : out) {
    if (IsForbiddenDomainByte(c)) return std::nullopt;
  }
  return out;
}

}  // namespace

int HexDigitValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool InEncodeSet(unsigned char c, EncodeSet set) {
  if (c < 0x20 || c >= 0x7F) return true;
  const char* extra = "";
  switch (set) {
    case EncodeSet::kC0Control:
      return false;
    case EncodeSet::kFragment:
      extra = " \"<>`";
      break;
    case EncodeSet::kQuery:
      extra = " \"#<>";
      break;
    case EncodeSet::kSpecialQuery:
      extra = " \"#<>'";
      break;
    case EncodeSet::kPath:
      extra = " \"#<>?^`{}";
      break;
    case EncodeSet::kUserinfo:
      extra = " \"#<>?^`{}/:;=@[\\]|";
      break;
  }
  return std::strchr(extra, c) != nullptr;
}

void AppendPercentEncoded(std::string_view text, EncodeSet set, std::string* out) {
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (InEncodeSet(c, set)) {
      out->push_back('%');
      out->push_back(kHex[c >> 4]);
      out->push_back(kHex[c & 0xF]);
    } else {
      out->push_back(ch);
    }
  }
}

std::string PercentDecodeBytes(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '%' && i + 2 < in.size() && HexDigitValue(in[i + 1]) >= 0 &&
        HexDigitValue(in[i + 2]) >= 0) {
      out.push_back(static_cast<char>(HexDigitValue(in[i + 1]) * 16 + HexDigitValue(in[i + 2])));
      i += 2;
    } else {
      out.push_back(in[i]);
    }
  }
  return out;
}

std::optional<std::string> ParseWebHost(std::string_view input, bool special) {
  if (!input.empty() && input[0] == '[') {
    if (input.size() < 2 || input.back() != ']') return std::nullopt;
    const auto pieces = ParseIpv6(input.substr(1, input.size() - 2));
    if (!pieces) return std::nullopt;
    return SerializeIpv6(*pieces);
  }
  if (!special) {
    for (unsigned char c : input) {
      if (IsForbiddenHostByte(c)) return std::nullopt;
    }
    std::string out;
    AppendPercentEncoded(input, EncodeSet::kC0Control, &out);
    return out;
  }
  if (input.empty()) return std::nullopt;
  const std::optional<std::string> ascii = DomainToAscii(PercentDecodeBytes(input));
  if (!ascii) return std::nullopt;
  if (EndsInNumber(*ascii)) return ParseIpv4(*ascii);
  return ascii;
}

}  // namespace tincrawl

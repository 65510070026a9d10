#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace tincrawl {

// The percent-encode sets of the WHATWG URL Standard (section 1.3). Every set contains the C0
// controls and every byte >= 0x7F, so UTF-8 input is encoded byte by byte.
enum class EncodeSet {
  kC0Control,     // Opaque hosts and opaque paths.
  kFragment,      // C0 + space " < > `
  kQuery,         // C0 + space " # < >
  kSpecialQuery,  // kQuery + '   (queries of http, https, ws, wss, ftp)
  kPath,          // kQuery + ? ^ ` { }
  kUserinfo,      // kPath + / : ; = @ [ \ ] |
};

// True when `byte` is in `set`, that is, must be written as %XX.
bool InEncodeSet(unsigned char byte, EncodeSet set);

// Appends `text` to *out with every byte of `set` written as %XX (upper-case hex).
void AppendPercentEncoded(std::string_view text, EncodeSet set, std::string* out);

// Decodes every valid %XX escape; a '%' not followed by two hex digits stays as it is.
std::string PercentDecodeBytes(std::string_view text);

// Value of an ASCII hex digit, -1 for any other byte.
int HexDigitValue(char c);

// The WHATWG host parser (section 3.5) for the text between "//" (and any userinfo) and the
// port: "[...]" is parsed as IPv6, hosts of non-special schemes (`special` false) as opaque
// hosts, others are percent-decoded, mapped to ASCII by UTS #46 (ICU, non-transitional, no
// hyphen or DNS-length checks) and parsed as IPv4 when the last label is a number. Returns the
// serialized host ("example.com", "192.168.0.1", "[1::]"), or nullopt when the host is invalid
// (forbidden code points, bad IPv4 or IPv6 literal, IDNA error). An empty input gives "" for
// non-special schemes and nullopt for special ones.
std::optional<std::string> ParseWebHost(std::string_view input, bool special);

}  // namespace tincrawl

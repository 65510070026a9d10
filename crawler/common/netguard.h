#pragma once

#include <sys/socket.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crawler/common/status.h"

namespace tincrawl {

// An IPv4 or IPv6 network. IPv4 networks are stored as IPv4-mapped IPv6 (::ffff:a.b.c.d/96+n) so
// that one comparison routine covers both families.
struct Cidr {
  std::array<uint8_t, 16> address{};
  int prefix = 0;  // Over the 128-bit (mapped) form.

  // True when the 16-byte address (IPv6 or IPv4-mapped) lies inside this network.
  bool Contains(const std::array<uint8_t, 16>& addr) const;
};

// Parses "10.0.0.0/8", "fd00::/8", "127.0.0.1" (a /32) or "::1" (a /128). Returns nullopt on
// malformed text or prefixes out of range.
std::optional<Cidr> ParseCidr(std::string_view text);

// Why an address is (not) fit for crawling.
enum class AddressClass {
  kPublic,
  kLoopback,     // 127/8, ::1
  kPrivate,      // 10/8, 172.16/12, 192.168/16, 100.64/10 (CGNAT), fc00::/7
  kLinkLocal,    // 169.254/16, fe80::/10
  kMulticast,    // 224/4, ff00::/8
  kUnspecified,  // 0/8, ::
  kReserved,     // 240/4 and broadcast, documentation and benchmarking ranges
};

std::string_view AddressClassName(AddressClass c);

// Converts a sockaddr (AF_INET or AF_INET6) to the 16-byte mapped form; nullopt for other
// families.
std::optional<std::array<uint8_t, 16>> ToMapped(const sockaddr* addr);

// Classifies a 16-byte (IPv6 or IPv4-mapped) address. IPv4-compatible NAT64 forms are not
// unwrapped; IPv4-mapped ones are classified as IPv4.
AddressClass ClassifyAddress(const std::array<uint8_t, 16>& addr);

// The connect-time guard: public addresses pass, every other class is refused unless it lies in
// an allow-listed network. Cheap and allocation-free on the check path.
class NetGuard {
 public:
  NetGuard() = default;

  // Replaces the allow-list. Returns InvalidArgument naming the first malformed entry (the
  // well-formed entries are still applied).
  Status SetAllowList(const std::vector<std::string>& cidrs);

  // True when a connection to `addr` may be opened.
  bool Allowed(const sockaddr* addr) const;
  bool Allowed(const std::array<uint8_t, 16>& addr) const;

 private:
  std::vector<Cidr> allow_;
};

}  // namespace tincrawl

#include "crawler/common/netguard.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <charconv>
#include <cstring>

namespace tincrawl {
namespace {

constexpr std::array<uint8_t, 12> kMappedPrefix = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

bool IsMapped(const std::array<uint8_t, 16>& a) {
  return std::memcmp(a.data(), kMappedPrefix.data(), kMappedPrefix.size()) == 0;
}

std::array<uint8_t, 16> MapV4(const uint8_t* v4) {
  std::array<uint8_t, 16> out{};
  std::memcpy(out.data(), kMappedPrefix.data(), kMappedPrefix.size());
  std::memcpy(out.data() + 12, v4, 4);
  return out;
}

// IPv4 ranges that are not public, as (network, prefix length, class).
struct V4Range {
  uint8_t a, b, c, d;
  int prefix;
  AddressClass cls;
};
constexpr V4Range kV4Ranges[] = {
    {0, 0, 0, 0, 8, AddressClass::kUnspecified},    {10, 0, 0, 0, 8, AddressClass::kPrivate},
    {100, 64, 0, 0, 10, AddressClass::kPrivate},    {127, 0, 0, 0, 8, AddressClass::kLoopback},
    {169, 254, 0, 0, 16, AddressClass::kLinkLocal}, {172, 16, 0, 0, 12, AddressClass::kPrivate},
    {192, 0, 0, 0, 24, AddressClass::kReserved},    {192, 0, 2, 0, 24, AddressClass::kReserved},
    {192, 168, 0, 0, 16, AddressClass::kPrivate},   {198, 18, 0, 0, 15, AddressClass::kReserved},
    {198, 51, 100, 0, 24, AddressClass::kReserved}, {203, 0, 113, 0, 24, AddressClass::kReserved},
    {224, 0, 0, 0, 4, AddressClass::kMulticast},    {240, 0, 0, 0, 4, AddressClass::kReserved},
};

bool PrefixMatch(const uint8_t* addr, const uint8_t* net, int prefix) {
  const int full = prefix / 8;
  if (std::memcmp(addr, net, full) != 0) return false;
  const int rest = prefix % 8;
  if (rest == 0) return true;
  const uint8_t mask = static_cast<uint8_t>(0xff << (8 - rest));
  return (addr[full] & mask) == (net[full] & mask);
}

AddressClass ClassifyV4(const uint8_t* v4) {
  for (const V4Range& r : kV4Ranges) {
    const uint8_t net[4] = {r.a, r.b, r.c, r.d};
    if (PrefixMatch(v4, net, r.prefix)) return r.cls;
  }
  return AddressClass::kPublic;
}

// IPv6 prefixes whose addresses carry an IPv4 address, and where it sits.
struct V4Embedding {
  std::array<uint8_t, 6> prefix;  // The first prefix_bytes bytes must match.
  int prefix_bytes;
  std::array<int, 4> at;  // Byte offsets of the IPv4 octets.
  bool inverted;          // Teredo stores the client address bit-inverted.
};
constexpr V4Embedding kV4Embeddings[] = {
    // 6to4 (RFC 3056): 2002:AABB:CCDD::/48.
    {{0x20, 0x02}, 2, {2, 3, 4, 5}, false},
    // NAT64 well-known prefix (RFC 6052): 64:ff9b::/96, the address in the last 32 bits.
    {{0x00, 0x64, 0xff, 0x9b, 0x00, 0x00}, 6, {12, 13, 14, 15}, false},
    // Local-use NAT64 (RFC 8215): 64:ff9b:1::/48; the /48 layout skips the u octet (byte 8).
    {{0x00, 0x64, 0xff, 0x9b, 0x00, 0x01}, 6, {6, 7, 9, 10}, false},
    // ... and the common /96 layout inside it.
    {{0x00, 0x64, 0xff, 0x9b, 0x00, 0x01}, 6, {12, 13, 14, 15}, false},
    // Teredo (RFC 4380): 2001:0::/32, the client's address inverted in the last 32 bits.
    {{0x20, 0x01, 0x00, 0x00}, 4, {12, 13, 14, 15}, true},
};

// The least public class of the IPv4 addresses `a` wraps; kPublic when it wraps none, or only
// public ones. `wraps` says whether any embedding matched.
AddressClass ClassifyWrappedV4(const std::array<uint8_t, 16>& a, bool* wraps) {
  *wraps = false;
  for (const V4Embedding& e : kV4Embeddings) {
    if (std::memcmp(a.data(), e.prefix.data(), static_cast<size_t>(e.prefix_bytes)) != 0) continue;
    *wraps = true;
    uint8_t v4[4];
    for (int i = 0; i < 4; ++i) {
      const uint8_t b = a[static_cast<size_t>(e.at[static_cast<size_t>(i)])];
      v4[i] = e.inverted ? static_cast<uint8_t>(~b) : b;
    }
    const AddressClass c = ClassifyV4(v4);
    if (c != AddressClass::kPublic) return c;
  }
  return AddressClass::kPublic;
}

AddressClass ClassifyV6(const std::array<uint8_t, 16>& a) {
  static constexpr std::array<uint8_t, 16> kZero{};
  std::array<uint8_t, 16> loop{};
  loop[15] = 1;
  if (a == kZero) return AddressClass::kUnspecified;
  if (a == loop) return AddressClass::kLoopback;
  if (a[0] == 0xff) return AddressClass::kMulticast;
  if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) return AddressClass::kLinkLocal;
  // Site-local (fec0::/10, deprecated by RFC 3879) was the IPv6 private range: never public.
  if (a[0] == 0xfe && (a[1] & 0xc0) == 0xc0) return AddressClass::kPrivate;
  if ((a[0] & 0xfe) == 0xfc) return AddressClass::kPrivate;
  if (a[0] == 0x20 && a[1] == 0x01 && a[2] == 0x0d && a[3] == 0xb8) return AddressClass::kReserved;
  // Addresses that wrap an IPv4 address are judged by the address they wrap.
  bool wraps = false;
  const AddressClass wrapped = ClassifyWrappedV4(a, &wraps);
  if (wraps) return wrapped;
  // IPv4-compatible (::a.b.c.d, deprecated) and the rest of ::/8 are not routable.
  if (a[0] == 0 && !IsMapped(a)) return AddressClass::kReserved;
  return AddressClass::kPublic;
}

}  // namespace

bool Cidr::Contains(const std::array<uint8_t, 16>& addr) const {
  return PrefixMatch(addr.data(), address.data(), prefix);
}

std::optional<Cidr> ParseCidr(std::string_view text) {
  const size_t slash = text.find('/');
  const std::string host(text.substr(0, slash));
  Cidr cidr;
  int max_prefix = 128;
  int offset = 0;
  uint8_t buf[16];
  if (inet_pton(AF_INET, host.c_str(), buf) == 1) {
    cidr.address = MapV4(buf);
    max_prefix = 32;
    offset = 96;
  } else if (inet_pton(AF_INET6, host.c_str(), buf) == 1) {
    std::memcpy(cidr.address.data(), buf, 16);
  } else {
    return std::nullopt;
  }
  int prefix = max_prefix;
  if (slash != std::string_view::npos) {
    const std::string_view p = text.substr(slash + 1);
    const auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), prefix);
    if (ec != std::errc() || end != p.data() + p.size() || p.empty() || prefix < 0 ||
        prefix > max_prefix) {
      return std::nullopt;
    }
  }
  cidr.prefix = prefix + offset;
  return cidr;
}

std::string_view AddressClassName(AddressClass c) {
  switch (c) {
    case AddressClass::kPublic:
      return "public";
    case AddressClass::kLoopback:
      return "loopback";
    case AddressClass::kPrivate:
      return "private";
    case AddressClass::kLinkLocal:
      return "link_local";
    case AddressClass::kMulticast:
      return "multicast";
    case AddressClass::kUnspecified:
      return "unspecified";
    case AddressClass::kReserved:
      return "reserved";
  }
  return "reserved";
}

std::optional<std::array<uint8_t, 16>> ToMapped(const sockaddr* addr) {
  if (addr == nullptr) return std::nullopt;
  if (addr->sa_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(addr);
    return MapV4(reinterpret_cast<const uint8_t*>(&in->sin_addr));
  }
  if (addr->sa_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(addr);
    std::array<uint8_t, 16> out;
    std::memcpy(out.data(), &in6->sin6_addr, 16);
    return out;
  }
  return std::nullopt;
}

AddressClass ClassifyAddress(const std::array<uint8_t, 16>& addr) {
  if (IsMapped(addr)) return ClassifyV4(addr.data() + 12);
  return ClassifyV6(addr);
}

Status NetGuard::SetAllowList(const std::vector<std::string>& cidrs) {
  allow_.clear();
  Status status;
  for (const std::string& text : cidrs) {
    if (auto cidr = ParseCidr(text)) {
      allow_.push_back(*cidr);
    } else if (status.ok()) {
      status = Status::InvalidArgument("allow_private_networks: malformed CIDR '" + text + "'");
    }
  }
  return status;
}

bool NetGuard::Allowed(const sockaddr* addr) const {
  const auto mapped = ToMapped(addr);
  return mapped && Allowed(*mapped);
}

bool NetGuard::Allowed(const std::array<uint8_t, 16>& addr) const {
  if (ClassifyAddress(addr) == AddressClass::kPublic) return true;
  for (const Cidr& cidr : allow_) {
    if (cidr.Contains(addr)) return true;
  }
  return false;
}

}  // namespace tincrawl

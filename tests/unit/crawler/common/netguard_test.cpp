#include "crawler/common/netguard.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>

namespace tincrawl {
namespace {

std::array<uint8_t, 16> Addr(const std::string& text) {
  auto cidr = ParseCidr(text);
  EXPECT_TRUE(cidr.has_value()) << text;
  return cidr ? cidr->address : std::array<uint8_t, 16>{};
}

struct ClassCase {
  const char* address;
  AddressClass expected;
};

TEST(NetGuardTest, ClassifiesIpv4AndIpv6) {
  const ClassCase cases[] = {
      {"8.8.8.8", AddressClass::kPublic},
      {"14.225.0.1", AddressClass::kPublic},
      {"127.0.0.1", AddressClass::kLoopback},
      {"127.255.1.2", AddressClass::kLoopback},
      {"10.1.2.3", AddressClass::kPrivate},
      {"172.16.0.1", AddressClass::kPrivate},
      {"172.31.255.255", AddressClass::kPrivate},
      {"172.32.0.1", AddressClass::kPublic},
      {"192.168.1.1", AddressClass::kPrivate},
      {"100.64.0.1", AddressClass::kPrivate},
      {"169.254.169.254", AddressClass::kLinkLocal},
      {"224.0.0.1", AddressClass::kMulticast},
      {"239.255.255.250", AddressClass::kMulticast},
      {"0.0.0.0", AddressClass::kUnspecified},
      {"255.255.255.255", AddressClass::kReserved},
      {"192.0.2.1", AddressClass::kReserved},
      {"::1", AddressClass::kLoopback},
      {"::", AddressClass::kUnspecified},
      {"fe80::1", AddressClass::kLinkLocal},
      {"fc00::1", AddressClass::kPrivate},
      {"fd12:3456::1", AddressClass::kPrivate},
      {"ff02::1", AddressClass::kMulticast},
      {"2001:db8::1", AddressClass::kReserved},
      {"2404:6800:4005::200e", AddressClass::kPublic},
      {"::ffff:10.0.0.1", AddressClass::kPrivate},
      {"::ffff:8.8.8.8", AddressClass::kPublic},
      {"::127.0.0.1", AddressClass::kReserved},
  };
  for (const ClassCase& c : cases) {
    EXPECT_EQ(ClassifyAddress(Addr(c.address)), c.expected) << c.address;
  }
}

// Addresses that wrap an IPv4 address are judged by it; site-local is private.
TEST(NetGuardTest, WrappedIpv4AndSiteLocal) {
  const ClassCase cases[] = {
      {"2002:7f00:1::1", AddressClass::kLoopback},      // 6to4 of 127.0.0.1.
      {"2002:c0a8:101::", AddressClass::kPrivate},      // 6to4 of 192.168.1.1.
      {"2002:808:808::1", AddressClass::kPublic},       // 6to4 of 8.8.8.8.
      {"64:ff9b::7f00:1", AddressClass::kLoopback},     // NAT64 of 127.0.0.1.
      {"64:ff9b::a00:1", AddressClass::kPrivate},       // NAT64 of 10.0.0.1.
      {"64:ff9b::e1:1", AddressClass::kUnspecified},    // NAT64 of 0.225.0.1 (0/8).
      {"64:ff9b::ee1:1", AddressClass::kPublic},        // NAT64 of 14.225.0.1: a portal.
      {"64:ff9b:1:7f00:1::", AddressClass::kLoopback},  // Local NAT64, /48 layout.
      // Local NAT64 with the /96 layout of 169.254.169.254: the /48 reading (0.0.0.0) is not
      // public either, and the least public reading wins.
      {"64:ff9b:1::a9fe:a9fe", AddressClass::kUnspecified},
      {"64:ff9b:1:ee1:1:e1:100:0", AddressClass::kPublic},
      {"2001:0:4136:e378:8000:63bf:80ff:fffe", AddressClass::kLoopback},  // Teredo, ~127.0.0.1.
      {"fec0::1", AddressClass::kPrivate},
      {"feff::1", AddressClass::kPrivate},
      {"::ffff:127.0.0.1", AddressClass::kLoopback},
  };
  for (const ClassCase& c : cases) {
    EXPECT_EQ(ClassifyAddress(Addr(c.address)), c.expected) << c.address;
  }
}

TEST(NetGuardTest, ParsesCidrs) {
  EXPECT_TRUE(ParseCidr("10.0.0.0/8"));
  EXPECT_TRUE(ParseCidr("fd00::/8"));
  EXPECT_EQ(ParseCidr("127.0.0.1")->prefix, 128);
  EXPECT_EQ(ParseCidr("10.0.0.0/8")->prefix, 104);
  EXPECT_FALSE(ParseCidr("10.0.0.0/33"));
  EXPECT_FALSE(ParseCidr("10.0.0.0/"));
  EXPECT_FALSE(ParseCidr("10.0.0.0/8x"));
  EXPECT_FALSE(ParseCidr("example.com/8"));
  EXPECT_FALSE(ParseCidr("::/129"));
  EXPECT_TRUE(ParseCidr("192.168.0.0/16")->Contains(Addr("192.168.200.1")));
  EXPECT_FALSE(ParseCidr("192.168.0.0/16")->Contains(Addr("192.169.0.1")));
  EXPECT_TRUE(ParseCidr("172.16.0.0/12")->Contains(Addr("172.20.0.1")));
}

TEST(NetGuardTest, AllowListExemptsRanges) {
  NetGuard guard;
  EXPECT_TRUE(guard.Allowed(Addr("1.1.1.1")));
  EXPECT_FALSE(guard.Allowed(Addr("127.0.0.1")));
  EXPECT_FALSE(guard.Allowed(Addr("10.0.0.1")));
  EXPECT_FALSE(guard.Allowed(Addr("::1")));
  ASSERT_TRUE(guard.SetAllowList({"127.0.0.0/8", "::1/128"}).ok());
  EXPECT_TRUE(guard.Allowed(Addr("127.0.0.5")));
  EXPECT_TRUE(guard.Allowed(Addr("::1")));
  EXPECT_FALSE(guard.Allowed(Addr("10.0.0.1")));
  const Status bad = guard.SetAllowList({"10.0.0.0/8", "bogus"});
  EXPECT_FALSE(bad.ok());
  EXPECT_NE(bad.message().find("bogus"), std::string::npos);
  EXPECT_TRUE(guard.Allowed(Addr("10.9.9.9")));  // Well-formed entries still apply.
}

TEST(NetGuardTest, SockaddrFamilies) {
  NetGuard guard;
  sockaddr_in v4{};
  v4.sin_family = AF_INET;
  inet_pton(AF_INET, "192.168.0.10", &v4.sin_addr);
  EXPECT_FALSE(guard.Allowed(reinterpret_cast<sockaddr*>(&v4)));
  inet_pton(AF_INET, "203.162.4.190", &v4.sin_addr);
  EXPECT_TRUE(guard.Allowed(reinterpret_cast<sockaddr*>(&v4)));
  sockaddr_in6 v6{};
  v6.sin6_family = AF_INET6;
  inet_pton(AF_INET6, "::ffff:127.0.0.1", &v6.sin6_addr);
  EXPECT_FALSE(guard.Allowed(reinterpret_cast<sockaddr*>(&v6)));
  sockaddr unix_like{};
  unix_like.sa_family = AF_UNIX;
  EXPECT_FALSE(guard.Allowed(&unix_like));
}

}  // namespace
}  // namespace tincrawl

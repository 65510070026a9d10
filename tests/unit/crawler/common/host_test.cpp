#include "crawler/common/host.h"

#include <gtest/gtest.h>

namespace tincrawl {
namespace {

TEST(HostTest, HostOfDropsUserinfoAndPort) {
  EXPECT_EQ(HostOf("https://a.gov.vn/x"), "a.gov.vn");
  EXPECT_EQ(HostOf("https://a.gov.vn:8443/x?y#z"), "a.gov.vn");
  EXPECT_EQ(HostOf("http://user:pw@a.gov.vn:81"), "a.gov.vn");
  EXPECT_EQ(HostOf("http://a.gov.vn?q=1"), "a.gov.vn");
  EXPECT_EQ(HostOf("http://a.gov.vn#top"), "a.gov.vn");
  EXPECT_EQ(HostOf("/relative/path"), "");
  EXPECT_EQ(HostOf("mailto:x@a.gov.vn"), "");
  EXPECT_EQ(HostOf("http:///path"), "");
}

TEST(HostTest, Ipv6LiteralsKeepTheirBrackets) {
  EXPECT_EQ(HostOf("http://[::1]/"), "[::1]");
  EXPECT_EQ(HostOf("http://[::1]:8080/x"), "[::1]");
  EXPECT_EQ(HostOf("http://u@[2001:db8::7]:1/"), "[2001:db8::7]");
  EXPECT_EQ(HostKey("HTTP://[2001:DB8::7]:1/"), "[2001:db8::7]");
  EXPECT_EQ(HostOf("http://[::1/"), "");  // Unclosed bracket.
  const auto a = SplitUrlAuthority("http://[::1]:8080/x");
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->port, "8080");
}

TEST(HostTest, HostKeyLowerCases) {
  EXPECT_EQ(HostKey("https://UBND.Gov.VN:443/"), "ubnd.gov.vn");
  EXPECT_EQ(LowerHost("A-B.VN"), "a-b.vn");
}

TEST(HostTest, ResolveEntries) {
  auto e = ParseResolveEntry("Portal.gov.vn:443:127.0.0.1");
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->host, "portal.gov.vn");
  EXPECT_EQ(e->port, 443);
  EXPECT_EQ(e->addresses, std::vector<std::string>{"127.0.0.1"});

  e = ParseResolveEntry("+a.vn:8080:[::1],127.0.0.2");
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->addresses, (std::vector<std::string>{"::1", "127.0.0.2"}));

  EXPECT_TRUE(ParseResolveEntry("*.a.vn:80:10.0.0.1").has_value());
  EXPECT_FALSE(ParseResolveEntry("a.vn:80").has_value());
  EXPECT_FALSE(ParseResolveEntry("a.vn:0:127.0.0.1").has_value());
  EXPECT_FALSE(ParseResolveEntry("a.vn:70000:127.0.0.1").has_value());
  EXPECT_FALSE(ParseResolveEntry("a.vn:80:localhost").has_value());
  EXPECT_FALSE(ParseResolveEntry("a.vn:80:::1").has_value());  // IPv6 needs brackets.
  EXPECT_FALSE(ParseResolveEntry("a.vn:80:127.0.0.1,").has_value());
  EXPECT_FALSE(ParseResolveEntry("a b:80:127.0.0.1").has_value());
  EXPECT_FALSE(ParseResolveEntry(":80:127.0.0.1").has_value());
}

}  // namespace
}  // namespace tincrawl

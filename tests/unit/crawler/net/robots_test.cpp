#include "crawler/net/robots.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>

namespace tincrawl {
namespace {

struct Case {
  const char* name;
  const char* robots;
  const char* path;
  bool allowed;
};

// RFC 9309 and Google's published examples (developers.google.com/search/docs/crawling-indexing/
// robots/robots_txt), plus group-selection cases. The crawler's token is "tincrawl".
const Case kCases[] = {
    {"empty file allows", "", "/anything", true},
    {"disallow all", "User-agent: *\nDisallow: /\n", "/page", false},
    {"empty disallow allows", "User-agent: *\nDisallow:\n", "/page", true},
    {"robots.txt always allowed", "User-agent: *\nDisallow: /\n", "/robots.txt", true},
    {"fish prefix", "User-agent: *\nDisallow: /fish\n", "/fish.html", false},
    {"fish subdir", "User-agent: *\nDisallow: /fish\n", "/fish/salmon.html", false},
    {"fish heads", "User-agent: *\nDisallow: /fish\n", "/fishheads/yummy.html", false},
    {"fish query", "User-agent: *\nDisallow: /fish\n", "/fish.php?id=anything", false},
    {"fish case sensitive", "User-agent: *\nDisallow: /fish\n", "/Fish.asp", true},
    {"catfish no match", "User-agent: *\nDisallow: /fish\n", "/catfish", true},
    {"fish in query no match", "User-agent: *\nDisallow: /fish\n", "/?id=fish", true},
    {"fish star equals fish", "User-agent: *\nDisallow: /fish*\n", "/fishheads", false},
    {"fish star not desert", "User-agent: *\nDisallow: /fish*\n", "/desert/fish", true},
    {"fish slash matches dir", "User-agent: *\nDisallow: /fish/\n", "/fish/?id=anything", false},
    {"fish slash not file", "User-agent: *\nDisallow: /fish/\n", "/fish.html", true},
    {"fish slash not bare", "User-agent: *\nDisallow: /fish/\n", "/fish", true},
    {"php anywhere", "User-agent: *\nDisallow: /*.php\n", "/folder/any.php.file.html", false},
    {"php not root", "User-agent: *\nDisallow: /*.php\n", "/", true},
    {"php case", "User-agent: *\nDisallow: /*.php\n", "/windows.PHP", true},
    {"php end anchor", "User-agent: *\nDisallow: /*.php$\n", "/folder/filename.php", false},
    {"php end anchor query", "User-agent: *\nDisallow: /*.php$\n", "/filename.php?params", true},
    {"php end anchor php5", "User-agent: *\nDisallow: /*.php$\n", "/filename.php5", true},
    {"fish star php", "User-agent: *\nDisallow: /fish*.php\n", "/fishheads/catfish.php?p", false},
    {"dollar root only", "User-agent: *\nDisallow: /$\n", "/", false},
    {"dollar root not page", "User-agent: *\nDisallow: /$\n", "/page", true},
    {"longest wins allow", "User-agent: *\nAllow: /p\nDisallow: /\n", "/page", true},
    {"tie allow wins", "User-agent: *\nAllow: /folder\nDisallow: /folder\n", "/folder/page", true},
    {"longer wildcard disallow", "User-agent: *\nAllow: /page\nDisallow: /*.htm\n", "/page.htm",
     false},
    {"allow root dollar", "User-agent: *\nAllow: /$\nDisallow: /\n", "/", true},
    {"allow root dollar page", "User-agent: *\nAllow: /$\nDisallow: /\n", "/page.htm", false},
    {"specific group beats star",
     "User-agent: *\nDisallow: /\n\nUser-agent: tincrawl\nDisallow: /private\n", "/news", true},
    {"specific group rules apply",
     "User-agent: *\nDisallow: /\n\nUser-agent: tincrawl\nDisallow: /private\n", "/private/x",
     false},
    {"agent match case-insensitive", "User-agent: TinCrawl\nDisallow: /x\n", "/x", false},
    {"agent with version", "User-agent: tincrawl/2.0\nDisallow: /x\n", "/x", false},
    {"other agent ignored", "User-agent: googlebot\nDisallow: /\n", "/x", true},
    {"multiple agents one group", "User-agent: googlebot\nUser-agent: tincrawl\nDisallow: /a\n",
     "/a/b", false},
    {"same agent groups merged",
     "User-agent: tincrawl\nDisallow: /a\n\nUser-agent: other\nDisallow: /b\n\n"
     "User-agent: tincrawl\nDisallow: /c\n",
     "/c", false},
    {"merged keeps first",
     "User-agent: tincrawl\nDisallow: /a\nUser-agent: tincrawl\nDisallow: /c\n", "/a", false},
    {"rules before agent ignored", "Disallow: /\nUser-agent: *\nAllow: /\n", "/x", true},
    {"comments stripped", "User-agent: * # all\nDisallow: /tmp # temp\n", "/tmp/x", false},
    {"crlf lines", "User-agent: *\r\nDisallow: /a\r\n", "/a", false},
    {"cr only lines", "User-agent: *\rDisallow: /a\r", "/a", false},
    {"percent pattern matches raw", "User-agent: *\nDisallow: /foo/bar/%62%61%7A\n", "/foo/bar/baz",
     false},
    {"utf8 pattern matches encoded", "User-agent: *\nDisallow: /foo/bar/\xE3\x83\x84\n",
     "/foo/bar/%E3%83%84", false},
    {"encoded pattern matches lowercase hex", "User-agent: *\nDisallow: /tin-t%e1%bb%a9c\n",
     "/tin-t%E1%BB%A9c/1", false},
    {"encoded colon in query", "User-agent: *\nDisallow: /foo/bar?baz=https://foo.bar\n",
     "/foo/bar?baz=https%3A%2F%2Ffoo.bar", false},
    {"unknown lines ignored", "User-agent: *\nFoo: bar\nDisallow: /x\n", "/x", false},
    {"typo disalow accepted", "User-agent: *\nDisalow: /x\n", "/x", false},
    {"star in middle", "User-agent: *\nDisallow: /*/print\n", "/tin-tuc/print", false},
};

class RobotsCaseTest : public ::testing::TestWithParam<Case> {};

TEST_P(RobotsCaseTest, Matches) {
  const Case& c = GetParam();
  const RobotsRules rules = RobotsRules::Parse(c.robots, "tincrawl");
  EXPECT_EQ(rules.IsAllowed(c.path), c.allowed) << c.name << ": " << c.path;
}

INSTANTIATE_TEST_SUITE_P(Rfc9309, RobotsCaseTest, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<Case>& case_info) {
                           std::string name = case_info.param.name;
                           for (char& ch : name) {
                             if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           }
                           return name;
                         });

TEST(RobotsTest, CaseCountIsAtLeastThirty) { EXPECT_GE(std::size(kCases), 30u); }

TEST(RobotsTest, CrawlDelayAndSitemaps) {
  const RobotsRules rules = RobotsRules::Parse(
      "Sitemap: https://a.gov.vn/sitemap.xml\nUser-agent: *\nCrawl-delay: 7.5\nDisallow: /x\n"
      "User-agent: other\nCrawl-delay: 99\nsitemap: https://a.gov.vn/news.xml\n",
      "tincrawl");
  ASSERT_TRUE(rules.crawl_delay().has_value());
  EXPECT_DOUBLE_EQ(*rules.crawl_delay(), 7.5);
  ASSERT_EQ(rules.sitemaps().size(), 2u);
  EXPECT_EQ(rules.sitemaps()[1], "https://a.gov.vn/news.xml");
}

TEST(RobotsTest, OnlyFirst500KiBParsed) {
  std::string body = "User-agent: *\nDisallow: /early\n";
  body += std::string(kRobotsMaxBytes, '#');
  body += "\nDisallow: /late\n";
  const RobotsRules rules = RobotsRules::Parse(body, "tincrawl");
  EXPECT_FALSE(rules.IsAllowed("/early"));
  EXPECT_TRUE(rules.IsAllowed("/late"));
}

TEST(RobotsTest, ProductToken) {
  EXPECT_EQ(RobotsProductToken("tincrawl/0.1 (+https://x)"), "tincrawl");
  EXPECT_EQ(RobotsProductToken("Googlebot-News"), "Googlebot-News");
}

TEST(RobotsTest, FetchStatusPolicy) {
  RobotsPolicy policy;
  auto ok =
      DecideRobots(Outcome::kOk, 200, "User-agent: *\nDisallow: /a\n", "tincrawl", policy, nullptr);
  EXPECT_FALSE(ok.rules->IsAllowed("/a"));
  EXPECT_DOUBLE_EQ(ok.ttl_seconds, 24 * 3600.0);
  auto missing = DecideRobots(Outcome::kHttp4xx, 404, "", "tincrawl", policy, nullptr);
  EXPECT_TRUE(missing.rules->IsAllowed("/a"));
  EXPECT_TRUE(missing.available);
  auto down = DecideRobots(Outcome::kHttp5xx, 503, "", "tincrawl", policy, nullptr);
  EXPECT_FALSE(down.rules->IsAllowed("/a"));
  EXPECT_FALSE(down.available);
  EXPECT_DOUBLE_EQ(down.ttl_seconds, 3600.0);
  auto timeout = DecideRobots(Outcome::kTimeout, 0, "", "tincrawl", policy, ok.rules);
  EXPECT_EQ(timeout.rules, ok.rules);  // A stale copy beats disallow-all.
  EXPECT_TRUE(timeout.rules->IsAllowed("/b"));
}

TEST(RobotsTest, ByteOrderMarkSkipped) {
  // Windows servers (IIS, SharePoint) often save robots.txt with a UTF-8 BOM (issue 14).
  for (const char* bom : {"\xEF\xBB\xBF", "\xEF\xBB", "\xEF", ""}) {
    const std::string body = std::string(bom) + "User-agent: *\nDisallow: /private/\n";
    const RobotsRules rules = RobotsRules::Parse(body, "tincrawl");
    EXPECT_FALSE(rules.IsAllowed("/private/x")) << "BOM bytes: " << std::strlen(bom);
    EXPECT_TRUE(rules.IsAllowed("/public/x"));
  }
  // Only at the very start: a BOM elsewhere is part of the line.
  const RobotsRules later = RobotsRules::Parse(
      "User-agent: *\n\xEF\xBB\xBF"
      "Disallow: /private/\n",
      "tincrawl");
  EXPECT_TRUE(later.IsAllowed("/private/x"));
  const RobotsRules crlf =
      RobotsRules::Parse("\xEF\xBB\xBFUser-agent: tincrawl\r\nDisallow: /a\r\n", "tincrawl");
  EXPECT_FALSE(crlf.IsAllowed("/a"));
}

TEST(RobotsTest, GoogleLeniencies) {
  // A forgotten colon, as Google's parser accepts it (two words only).
  const RobotsRules no_colon = RobotsRules::Parse("user-agent *\ndisallow /x\n", "tincrawl");
  EXPECT_FALSE(no_colon.IsAllowed("/x/y"));
  EXPECT_TRUE(RobotsRules::Parse("user-agent *\ndisallow /x y\n", "tincrawl").IsAllowed("/x"));
  // Allow of an index page allows its directory, exactly.
  const RobotsRules index =
      RobotsRules::Parse("User-agent: *\nAllow: /tin/index.html\nDisallow: /\n", "tincrawl");
  EXPECT_TRUE(index.IsAllowed("/tin/"));
  EXPECT_TRUE(index.IsAllowed("/tin/index.html"));
  EXPECT_FALSE(index.IsAllowed("/tin/x"));
  // Over-long lines are cut, so the rule becomes a prefix of what was written.
  const std::string long_path = "/x/" + std::string(20000, 'a');
  const RobotsRules cut =
      RobotsRules::Parse("User-agent: *\nDisallow: " + long_path + "b\n", "tincrawl");
  EXPECT_FALSE(cut.IsAllowed(long_path));
  EXPECT_TRUE(cut.IsAllowed("/x/b"));
}

TEST(RobotsTest, CacheStoresAndExpires) {
  RobotsCache cache;
  EXPECT_EQ(cache.Find("https://a.gov.vn:443"), nullptr);
  cache.Store("https://a.gov.vn:443", std::make_shared<const RobotsRules>(), 1000);
  ASSERT_NE(cache.Find("https://a.gov.vn:443"), nullptr);
  EXPECT_EQ(cache.Find("https://a.gov.vn:443")->expires_ms, 1000u);
}

}  // namespace
}  // namespace tincrawl

#include "crawler/pipeline/discovery.h"

#include <gtest/gtest.h>

#include <fstream>
#include <random>
#include <sstream>

namespace tincrawl {
namespace {

std::string ReadFixture(const std::string& name) {
  std::ifstream in(std::string(TINCRAWL_FIXTURES_DIR) + "/discovery/" + name, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  EXPECT_FALSE(ss.str().empty()) << name;
  return ss.str();
}

std::vector<std::string> Urls(const std::vector<DiscoveredLink>& links) {
  std::vector<std::string> out;
  for (const DiscoveredLink& l : links) out.push_back(l.url);
  return out;
}

const char kBase[] = "https://example.gov.vn/rss/tin-tuc.rss";

TEST(FeedTest, Rss2ItemsLinksGuidsAndDates) {
  const UrlNormalizer n;
  const FeedResult r = ParseFeed(ReadFixture("rss2.xml"), kBase, n);
  EXPECT_EQ(r.format, FeedFormat::kRss);
  ASSERT_EQ(Urls(r.links), (std::vector<std::string>{
                               "https://example.gov.vn/Trang/ChiTietTinTuc.aspx?nid=1001",
                               "https://example.gov.vn/Trang/ChiTietTinTuc.aspx?Cat=5&nid=1002",
                               "https://example.gov.vn/Trang/ChiTietTinTuc.aspx?nid=1003",
                               "https://example.gov.vn/Trang/ChiTietTinTuc.aspx?nid=1004"}));
  EXPECT_EQ(r.links[0].lastmod, 1705282200);
  EXPECT_EQ(r.links[1].lastmod, 1705366800);
  EXPECT_EQ(r.links[2].lastmod, 1705456800);
  EXPECT_EQ(r.links[3].lastmod, 1705561500);
  for (const DiscoveredLink& l : r.links) {
    EXPECT_EQ(l.source, DiscoveredBy::kFeed);
    EXPECT_FALSE(l.is_sitemap);
  }
}

TEST(FeedTest, Rss1RdfAbout) {
  const UrlNormalizer n;
  const FeedResult r = ParseFeed(ReadFixture("rss1.rdf"), kBase, n);
  EXPECT_EQ(r.format, FeedFormat::kRss);
  EXPECT_EQ(Urls(r.links),
            (std::vector<std::string>{"https://example.gov.vn/vi/news/tin-tuc/bai-mot-11.html",
                                      "https://example.gov.vn/vi/news/tin-tuc/bai-hai-12.html"}));
  EXPECT_EQ(r.links[0].lastmod, 1701424800);
  EXPECT_EQ(r.links[1].lastmod, 0);
}

TEST(FeedTest, AtomAlternateLinksAndLatestDate) {
  const UrlNormalizer n;
  const FeedResult r = ParseFeed(ReadFixture("atom.xml"), "https://example.gov.vn/atom.xml", n);
  EXPECT_EQ(r.format, FeedFormat::kAtom);
  EXPECT_EQ(Urls(r.links), (std::vector<std::string>{"https://example.gov.vn/tin/1.html",
                                                     "https://example.gov.vn/tin/2.html"}));
  EXPECT_EQ(r.links[0].lastmod, 1706662800);  // updated is later than published.
  EXPECT_EQ(r.links[1].lastmod, 1706461200);  // Date only: midnight +07:00.
}

TEST(SitemapTest, UrlsetWithLastmodAndImageExtension) {
  const UrlNormalizer n;
  const FeedResult r = ParseFeed(ReadFixture("sitemap.xml"), "https://example.gov.vn/s.xml", n);
  EXPECT_EQ(r.format, FeedFormat::kUrlset);
  EXPECT_EQ(Urls(r.links), (std::vector<std::string>{
                               "https://example.gov.vn/portal/Pages/2024-1-15/Hoi-nghi.aspx",
                               "https://example.gov.vn/portal/Pages/2024-1-16/Tiep-dan.aspx",
                               "https://example.gov.vn/portal/Pages/Tin-tuc.aspx?PageIndex=2"}));
  EXPECT_EQ(r.links[0].lastmod, 1705288830);
  EXPECT_EQ(r.links[0].source, DiscoveredBy::kSitemap);
  EXPECT_FALSE(r.links[0].is_sitemap);
  EXPECT_FALSE(r.truncated);
}

TEST(SitemapTest, GzipBodyIsInflated) {
  const UrlNormalizer n;
  const std::string gz = ReadFixture("sitemap.xml.gz");
  ASSERT_EQ(static_cast<uint8_t>(gz[0]), 0x1f);
  const FeedResult r = ParseFeed(gz, "https://example.gov.vn/s.xml.gz", n);
  EXPECT_EQ(r.format, FeedFormat::kUrlset);
  EXPECT_EQ(r.links.size(), 3u);
}

TEST(SitemapTest, GzipOutputIsCapped) {
  const std::string gz = ReadFixture("sitemap.xml.gz");
  std::string out;
  bool truncated = false;
  ASSERT_TRUE(InflateIfGzip(gz, 100, &out, &truncated));
  EXPECT_EQ(out.size(), 100u);
  EXPECT_TRUE(truncated);
  ASSERT_TRUE(InflateIfGzip(gz, 1 << 20, &out, &truncated));
  EXPECT_EQ(out, ReadFixture("sitemap.xml"));
  EXPECT_FALSE(truncated);
  // A truncated gzip stream yields its decodable prefix.
  ASSERT_TRUE(
      InflateIfGzip(std::string_view(gz).substr(0, gz.size() / 2), 1 << 20, &out, &truncated));
  EXPECT_GT(out.size(), 0u);
  EXPECT_TRUE(ReadFixture("sitemap.xml").starts_with(out));
  const std::string garbage = "\x1f\x8b\x08\x00garbage-not-deflate";
  EXPECT_FALSE(InflateIfGzip(garbage, 1 << 20, &out, &truncated));
}

TEST(SitemapTest, IndexChildrenAreSitemaps) {
  const UrlNormalizer n;
  const FeedResult r = ParseFeed(ReadFixture("sitemap_index.xml"), "https://example.gov.vn/", n);
  EXPECT_EQ(r.format, FeedFormat::kSitemapIndex);
  ASSERT_EQ(r.links.size(), 2u);
  EXPECT_TRUE(r.links[0].is_sitemap);
  EXPECT_TRUE(r.links[1].is_sitemap);
  EXPECT_EQ(r.links[0].lastmod, 1709251200);
  EXPECT_EQ(r.links[1].url, "https://example.gov.vn/sitemap-2023.xml.gz");
}

TEST(SitemapTest, NewsPublicationDate) {
  const UrlNormalizer n;
  const FeedResult r = ParseFeed(ReadFixture("news_sitemap.xml"), "https://example.gov.vn/", n);
  ASSERT_EQ(r.links.size(), 1u);
  EXPECT_EQ(r.links[0].url, "https://example.gov.vn/doc-tin/555/ky-hop-hdnd");
  EXPECT_EQ(r.links[0].lastmod, 1709338500);
}

TEST(SitemapTest, LinkCapTruncates) {
  const UrlNormalizer n;
  DiscoveryLimits limits;
  limits.max_links = 2;
  const FeedResult r = ParseFeed(ReadFixture("sitemap.xml"), "https://example.gov.vn/", n, limits);
  EXPECT_EQ(r.links.size(), 2u);
  EXPECT_TRUE(r.truncated);
}

TEST(FeedTest, BrokenXmlStillYieldsItems) {
  const UrlNormalizer n;
  const FeedResult r = ParseFeed(ReadFixture("broken.xml"), kBase, n);
  EXPECT_EQ(Urls(r.links),
            (std::vector<std::string>{
                "https://example.gov.vn/tin/a.html", "https://example.gov.vn/tin/b.html",
                "https://example.gov.vn/tin/c.html", "https://example.gov.vn/tin/d.html"}));
  EXPECT_EQ(r.links[2].lastmod, 0);
  EXPECT_EQ(r.links[3].lastmod, 1706720399);
}

TEST(FeedTest, NotAFeed) {
  const UrlNormalizer n;
  const FeedResult r = ParseFeed("<html><body>Trang lỗi</body></html>", kBase, n);
  EXPECT_EQ(r.format, FeedFormat::kUnknown);
  EXPECT_TRUE(r.links.empty());
  EXPECT_FALSE(r.error.empty());
}

// Random bytes and random cuts of every fixture must never crash or hang.
TEST(FeedTest, FuzzedInputsAreSafe) {
  const UrlNormalizer n;
  std::mt19937 rng(42);
  const std::vector<std::string> docs = {ReadFixture("rss2.xml"), ReadFixture("atom.xml"),
                                         ReadFixture("sitemap.xml"), ReadFixture("broken.xml"),
                                         ReadFixture("listing_tandan.html")};
  size_t total_links = 0;
  for (int i = 0; i < 2000; ++i) {
    std::string doc = docs[i % docs.size()];
    doc = doc.substr(0, rng() % (doc.size() + 1));
    for (int k = 0; k < 5 && !doc.empty(); ++k) {
      doc[rng() % doc.size()] = "<>&;\"'/![]-?"[rng() % 12];
    }
    total_links += ParseFeed(doc, kBase, n).links.size();
    total_links += FindPaginationLinks(doc, kBase, n).size();
  }
  EXPECT_GT(total_links, 0u);
}

TEST(FeedDateTest, Formats) {
  EXPECT_EQ(ParseFeedDate("Mon, 15 Jan 2024 08:30:00 +0700"), 1705282200);
  EXPECT_EQ(ParseFeedDate("15 Jan 2024 08:30 +0700"), 1705282200);
  EXPECT_EQ(ParseFeedDate("Mon, 15 Jan 24 01:30:00 GMT"), 1705282200);
  EXPECT_EQ(ParseFeedDate("Mon, 15 Jan 2024 08:30:00 ICT"), 1705282200);
  EXPECT_EQ(ParseFeedDate("2024-01-15T01:30:00Z"), 1705282200);
  EXPECT_EQ(ParseFeedDate("2024-01-15T08:30:00+07:00"), 1705282200);
  EXPECT_EQ(ParseFeedDate("15/01/2024 08:30"), 1705282200);
  EXPECT_EQ(ParseFeedDate("hôm qua"), 0);
  EXPECT_EQ(ParseFeedDate(""), 0);
}

TEST(PaginationTest, TandanPageIndexAndLabels) {
  const UrlNormalizer n;
  const std::vector<PageLink> links = FindPaginationLinks(
      ReadFixture("listing_tandan.html"), "https://example.gov.vn/portal/Pages/Tin-tuc.aspx", n);
  ASSERT_EQ(links.size(), 3u);
  EXPECT_EQ(links[0].url, "https://example.gov.vn/portal/Pages/Tin-tuc.aspx?PageIndex=2");
  EXPECT_EQ(links[0].page, 2);
  EXPECT_TRUE(links[0].next);
  EXPECT_EQ(links[1].page, 3);
  EXPECT_FALSE(links[1].next);
  EXPECT_EQ(links[2].page, 12);
}

TEST(PaginationTest, LiferayCurParameter) {
  UrlRules rules;
  rules.keep_params = {"p_p_id", "_101_delta"};
  const UrlNormalizer n(rules);
  const std::vector<PageLink> links =
      FindPaginationLinks(ReadFixture("listing_liferay.html"),
                          "https://sotttt.hanoi.gov.vn/qlttps?p_p_id=101&_101_delta=20"
                          "&p_p_lifecycle=0&_101_cur=1",
                          n);
  ASSERT_EQ(links.size(), 2u);
  EXPECT_EQ(links[0].url, "https://sotttt.hanoi.gov.vn/qlttps?_101_cur=2&_101_delta=20&p_p_id=101");
  EXPECT_EQ(links[0].page, 2);
  EXPECT_TRUE(links[0].next);
  EXPECT_EQ(links[1].page, 5);
  EXPECT_EQ(PageNumberOf(links[1].url), 5);
}

TEST(PaginationTest, NukevietPageSegment) {
  const UrlNormalizer n;
  const std::vector<PageLink> links = FindPaginationLinks(
      ReadFixture("listing_nukeviet.html"), "https://example.gov.vn/vi/news/tin-tuc/page-2/", n);
  ASSERT_EQ(links.size(), 2u);
  EXPECT_EQ(links[0].url, "https://example.gov.vn/vi/news/tin-tuc/");
  EXPECT_EQ(links[0].page, 1);
  EXPECT_EQ(links[1].url, "https://example.gov.vn/vi/news/tin-tuc/page-3/");
  EXPECT_EQ(links[1].page, 3);
  EXPECT_TRUE(links[1].next);
}

TEST(PaginationTest, PageNumberOf) {
  EXPECT_EQ(PageNumberOf("https://a.vn/x.aspx?Page=7"), 7);
  EXPECT_EQ(PageNumberOf("https://a.vn/x.aspx?PageIndex=3&Cat=2"), 3);
  EXPECT_EQ(PageNumberOf("https://a.vn/vi/news/tin/page-4/"), 4);
  EXPECT_EQ(PageNumberOf("https://a.vn/tin-tuc/trang-9.html"), 9);
  EXPECT_EQ(PageNumberOf("https://a.vn/x?_com_liferay_INSTANCE_ab_cur=6"), 6);
  EXPECT_EQ(PageNumberOf("https://a.vn/x"), 1);
  EXPECT_EQ(PageNumberOf("https://a.vn/x?Page=abc"), 1);
}

}  // namespace
}  // namespace tincrawl

#include "crawler/url/url_classifier.h"

#include <gtest/gtest.h>

namespace tincrawl {
namespace {

SiteConfig Site(std::string id, std::string cms, std::vector<std::string> hosts) {
  SiteConfig s;
  s.id = std::move(id);
  s.cms = std::move(cms);
  s.hosts = std::move(hosts);
  s.base_url = "https://" + s.hosts.front() + "/";
  return s;
}

struct KindCase {
  const char* cms;
  const char* url;
  UrlKind want;
};

const KindCase kPresetCases[] = {
    {"sharepoint-qn", "https://a.gov.vn/Trang/ChiTietTinTuc.aspx?nid=123", UrlKind::kArticle},
    {"sharepoint-qn", "https://a.gov.vn/trang/chitiettintuc.aspx?nid=9", UrlKind::kArticle},
    {"sharepoint-qn", "https://a.gov.vn/Trang/Tin-tuc-su-kien.aspx", UrlKind::kListing},
    {"tandan", "https://a.gov.vn/portal/Pages/2024-1-15/Hoi-nghi-abc.aspx", UrlKind::kArticle},
    {"tandan", "https://a.gov.vn/portal/Pages/Tin-tuc.aspx", UrlKind::kListing},
    {"tandan", "https://a.gov.vn/portal/Pages/Tin-tuc.aspx?PageIndex=3", UrlKind::kListing},
    {"liferay", "https://a.gov.vn/ke-hoach/-/view_content/4380720-abc", UrlKind::kArticle},
    {"liferay", "https://a.gov.vn/qlttps?_101_cur=2&p_p_id=101", UrlKind::kListing},
    {"nukeviet", "https://a.gov.vn/vi/news/tin-tuc/hoi-nghi-so-ket-1234.html", UrlKind::kArticle},
    {"nukeviet", "https://a.gov.vn/vi/news/rss/tin-tuc", UrlKind::kFeed},
    {"dotnetnuke", "https://a.gov.vn/doc-tin/12345/hoi-nghi", UrlKind::kArticle},
    {"", "https://a.gov.vn/doc-tin/12345/hoi-nghi", UrlKind::kUnknown},
    {"", "https://a.gov.vn/rss/tin-moi.rss", UrlKind::kFeed},
    {"", "https://a.gov.vn/sitemap_index.xml", UrlKind::kSitemap},
    {"", "https://a.gov.vn/sitemap-news.xml.gz", UrlKind::kSitemap},
    {"", "https://a.gov.vn/files/van-ban.PDF", UrlKind::kIgnore},
    {"", "https://a.gov.vn/images/logo.png", UrlKind::kIgnore},
    {"tandan", "https://a.gov.vn/portal/Pages/gioi-thieu/abc", UrlKind::kUnknown},
};

TEST(UrlClassifierTest, PresetShapes) {
  for (const KindCase& c : kPresetCases) {
    std::unique_ptr<UrlClassifier> classifier;
    ASSERT_TRUE(UrlClassifier::Create(Site("s", c.cms, {"a.gov.vn"}), &classifier).ok());
    EXPECT_EQ(UrlKindName(classifier->Classify(c.url)), std::string(UrlKindName(c.want)))
        << c.cms << " " << c.url;
  }
}

TEST(UrlClassifierTest, SiteRulesOverridePresetAndIgnoreComesFirst) {
  SiteConfig site = Site("s", "tandan", {"a.gov.vn"});
  site.urls.article = {R"(/tin/\d+\.html$)"};
  site.urls.listing = {R"(/chuyen-muc/)"};
  site.urls.ignore = {R"(/portal/Pages/2020-)", R"(/tin/0+\.html)"};
  site.feeds = {"https://a.gov.vn/Feed.ashx?cat=1"};
  std::unique_ptr<UrlClassifier> c;
  ASSERT_TRUE(UrlClassifier::Create(site, &c).ok());
  EXPECT_EQ(c->Classify("https://a.gov.vn/tin/123.html"), UrlKind::kArticle);
  EXPECT_EQ(c->Classify("https://a.gov.vn/tin/000.html"), UrlKind::kIgnore);
  EXPECT_EQ(c->Classify("https://a.gov.vn/chuyen-muc/kinh-te"), UrlKind::kListing);
  EXPECT_EQ(c->Classify("https://a.gov.vn/portal/Pages/2020-1-1/x.aspx"), UrlKind::kIgnore);
  EXPECT_EQ(c->Classify("https://a.gov.vn/portal/Pages/2021-1-1/x.aspx"), UrlKind::kArticle);
  EXPECT_EQ(c->Classify("https://a.gov.vn/Feed.ashx?cat=1"), UrlKind::kFeed);
}

TEST(UrlClassifierTest, BadRegexIsReported) {
  SiteConfig site = Site("s", "", {"a.gov.vn"});
  site.urls.article = {"(unclosed"};
  std::unique_ptr<UrlClassifier> c;
  const Status s = UrlClassifier::Create(site, &c);
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(s.message().find("(unclosed"), std::string::npos);
  EXPECT_EQ(c, nullptr);
}

TEST(SiteRouterTest, RoutesOwnOtherAndForeignHosts) {
  std::vector<SiteConfig> sites = {Site("qn", "", {"quangninh.gov.vn", "www.quangninh.gov.vn"}),
                                   Site("hl", "", {"halong.quangninh.gov.vn"}),
                                   Site("idn", "", {"Bộ-Y-Tế.vn"})};
  std::unique_ptr<SiteRouter> router;
  ASSERT_TRUE(SiteRouter::Create(sites, &router).ok());
  int to = -2;
  EXPECT_EQ(router->Route(0, "https://www.quangninh.gov.vn/a", &to), Scope::kSameSite);
  EXPECT_EQ(to, 0);
  EXPECT_EQ(router->Route(0, "https://halong.quangninh.gov.vn/b", &to), Scope::kOtherSite);
  EXPECT_EQ(to, 1);
  EXPECT_EQ(router->Route(0, "https://xn--b-y-t-s61b7g.vn/", &to), Scope::kOtherSite);
  EXPECT_EQ(to, 2);
  EXPECT_EQ(router->out_of_scope(), 0u);
  EXPECT_EQ(router->Route(0, "https://facebook.com/share", &to), Scope::kOutOfScope);
  EXPECT_EQ(router->Route(1, "https://evil.quangninh.gov.vn.example.com/", &to),
            Scope::kOutOfScope);
  EXPECT_EQ(to, -1);
  EXPECT_EQ(router->out_of_scope(), 2u);
  EXPECT_EQ(router->hosts(0).size(), 2u);
  EXPECT_EQ(router->site_id(2), "idn");
}

TEST(SiteRouterTest, DuplicateHostRejected) {
  std::vector<SiteConfig> sites = {Site("a", "", {"x.gov.vn"}), Site("b", "", {"X.gov.vn"})};
  std::unique_ptr<SiteRouter> router;
  const Status s = SiteRouter::Create(sites, &router);
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(s.message().find("x.gov.vn"), std::string::npos);
}

}  // namespace
}  // namespace tincrawl

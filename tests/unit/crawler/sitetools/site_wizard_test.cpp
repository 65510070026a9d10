#include "crawler/sitetools/site_wizard.h"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <regex>
#include <string>
#include <vector>

#include "crawler/sitetools/site_selectors.h"
#include "extractors/extract.h"

namespace tincrawl {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  EXPECT_TRUE(f.good()) << path;
  return std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

SamplePage Fixture(const std::string& name, const std::string& url) {
  return {url, ReadFile(std::string(TINCRAWL_FIXTURES_DIR) + "/extract/" + name), ""};
}

SamplePage Corpus(const std::string& name, const std::string& url) {
  return {url, ReadFile(std::string(TINCRAWL_SHARED_DIR) + "/corpus/real/" + name), ""};
}

TEST(DetectCmsTest, RecognisesEachFamilyFromItsFixture) {
  const std::pair<const char*, const char*> cases[] = {
      {"sharepoint_qn_seed.html", "sharepoint-qn"},
      {"tandan_article.html", "tandan"},
      {"nukeviet_article.html", "nukeviet"},
      {"dotnetnuke_article.html", "dotnetnuke"},
  };
  for (const auto& [file, family] : cases) {
    CmsGuess g = DetectCms({Fixture(file, "https://example.gov.vn/a")}, {});
    EXPECT_EQ(g.family, family) << file;
    EXPECT_FALSE(g.evidence.empty()) << file;
  }
}

TEST(DetectCmsTest, RecognisesLiferayOnARealPortal) {
  CmsGuess g =
      DetectCms({Corpus("sotttt.hanoi.gov.vn-trang-chu.html", "https://sotttt.hanoi.gov.vn/")}, {});
  EXPECT_EQ(g.family, "liferay");
  EXPECT_GT(g.score, g.runner_up);
}

TEST(DetectCmsTest, UrlShapesAloneAreEnoughAndPlainPagesAreUnknown) {
  CmsGuess g = DetectCms({{"https://x.gov.vn/", "<html><body>hi</body></html>", ""}},
                         {"https://x.gov.vn/Trang/ChiTietTinTuc.aspx?nid=12"});
  EXPECT_EQ(g.family, "sharepoint-qn");
  EXPECT_EQ(DetectCms({{"https://x.gov.vn/", "<p>plain</p>", ""}}, {}).family, "");
}

TEST(UrlShapeTest, DigitsSlugsAndQueries) {
  EXPECT_EQ(UrlShape("http://h/vi/news/xa-hoi/le-hoi-123.html"), "/vi/news/xa-hoi/[^/]+\\.html");
  EXPECT_EQ(UrlShape("http://h/Trang/ChiTietTinTuc.aspx?nid=42"),
            "/Trang/ChiTietTinTuc\\.aspx\\?nid=\\d+");
  EXPECT_EQ(UrlShape("http://h/portal/Pages/2018-10-8/Hop-Ban-abc123.aspx"),
            "/portal/Pages/\\d+-\\d+-\\d+/[^/]+\\.aspx");
  EXPECT_EQ(UrlShape("http://h/vi-vn/tin-tuc?page=2"), "/vi-vn/tin-tuc\\?page=\\d+");
}

TEST(GroupUrlShapesTest, MergesCategoriesAndRanksByCount) {
  std::vector<std::string> links = {
      "http://h/",
      "http://h/tin-tuc/-/view_content/11-hop-ban.html",
      "http://h/tin-tuc/-/view_content/12-le-hoi.html",
      "http://h/thong-bao/-/view_content/13-thong-bao-moi.html",
      "http://h/kinh-te/-/view_content/14-kinh-te.html",
      "http://h/tin-tuc",
      "http://other/tin-tuc/-/view_content/15-x.html",
  };
  std::vector<UrlPattern> groups = GroupUrlShapes(links, "h");
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(groups[0].shape, "/[^/]+/-/view_content/[^/]+\\.html");
  EXPECT_EQ(groups[0].count(), 4);
  EXPECT_EQ(groups[1].shape, "/tin-tuc");
  std::regex re(ShapeToRegex(groups[0].shape));
  EXPECT_TRUE(std::regex_search("https://h:8080/kinh-te/-/view_content/99-abc.html", re));
  EXPECT_FALSE(std::regex_search("https://h/kinh-te", re));
}

TEST(ProposeSelectorsTest, GenericReferenceYieldsVerifiedTitleAndBody) {
  SamplePage page = Fixture("tandan_article.html", "https://tandan.example.gov.vn/a.aspx");
  SelectorProposal p = ProposeSelectors({page}, nullptr);
  ASSERT_EQ(p.samples_used, 1);
  ASSERT_FALSE(p.rules.title.empty());
  ASSERT_FALSE(p.rules.body.empty());
  ExtractInput generic{page.bytes, page.url, "", nullptr, true};
  ExtractInput ruled{page.bytes, page.url, "", &p.rules, false};
  Article want = Extract(generic), got = Extract(ruled);
  EXPECT_TRUE(got.used_rules);
  EXPECT_EQ(got.title, want.title);
  EXPECT_EQ(got.published.empty(), want.published.empty());
}

TEST(ProposeSelectorsTest, PresetReferenceReproducesThePreset) {
  SamplePage page = Fixture("nukeviet_article.html", "https://nv.example.gov.vn/vi/news/a-1.html");
  const ExtractRules* preset = FindPreset("nukeviet");
  ASSERT_NE(preset, nullptr);
  SelectorProposal p = ProposeSelectors({page}, preset);
  ASSERT_FALSE(p.rules.title.empty());
  ExtractRules merged = *preset;
  merged.Overlay(p.rules);
  ExtractInput base{page.bytes, page.url, "", preset, false};
  ExtractInput ruled{page.bytes, page.url, "", &merged, false};
  EXPECT_EQ(Extract(ruled).title, Extract(base).title);
  EXPECT_EQ(Extract(ruled).published, Extract(base).published);
}

TEST(ProposeSelectorsTest, NonArticlesGiveNothing) {
  SelectorProposal p =
      ProposeSelectors({{"https://x/", "<html><body><a href=/a>a</a></body></html>", ""}}, nullptr);
  EXPECT_EQ(p.samples_used, 0);
  EXPECT_TRUE(p.rules.Empty());
  EXPECT_FALSE(p.unsure.empty());
}

TEST(RenderSiteYamlTest, WritesTheSiteFileFormat) {
  SiteDraft d;
  d.id = "quangyen";
  d.name = "Cổng thông tin điện tử thị xã Quảng Yên";
  d.level = "district";
  d.base_url = "https://quangyen.example.gov.vn/";
  d.seeds = {d.base_url};
  d.cms.family = "sharepoint-qn";
  d.cms.evidence = {"/trang/chitiettintuc.aspx"};
  d.article_regexes = {"^https?://[^/]+/Trang/ChiTietTinTuc\\.aspx\\?nid=\\d+$"};
  d.rules.title = "h1.Title";
  d.rules.body = "div.ArticleContent";
  d.unsure = {"only 2 sample articles matched this pattern"};
  std::string y = RenderSiteYaml(d);
  EXPECT_EQ(y.rfind("# yaml-language-server: $schema=", 0), 0u);
  EXPECT_NE(y.find("verified: false\n"), std::string::npos);
  EXPECT_NE(y.find("# unsure: only 2 sample articles matched this pattern\n"), std::string::npos);
  EXPECT_NE(y.find("cms: sharepoint-qn\n"), std::string::npos);
  EXPECT_NE(y.find("# extract:\n#   title: 'h1.Title'\n"), std::string::npos);
  d.rules_active = true;
  EXPECT_NE(RenderSiteYaml(d).find("\nextract:\n  title: 'h1.Title'\n"), std::string::npos);
}

TEST(SiteWizardTest, IdsLevelsAndProblems) {
  EXPECT_EQ(SiteIdFromHost("www.quangyen.quangninh.gov.vn"), "quangyen-quangninh");
  bool sure = false;
  EXPECT_EQ(GuessLevel("Cổng thông tin điện tử thị xã Quảng Yên", &sure), "district");
  EXPECT_TRUE(sure);
  EXPECT_EQ(GuessLevel("UBND phường Hồng Gai", &sure), "commune");
  EXPECT_EQ(GuessLevel("Trang chủ", &sure), "province");
  EXPECT_FALSE(sure);
  Article a;
  a.title = "T";
  a.body = "Tin liên quan: x";
  a.fell_back = true;
  std::vector<std::string> problems = ArticleProblems(a, true);
  EXPECT_EQ(problems.size(), 4u);  // No date, short body, chrome, fell back.
  a.published = "2024-01-02T08:00:00+07:00";
  a.body = std::string(300, 'x');
  EXPECT_TRUE(ArticleProblems(a, false).empty());
}

}  // namespace
}  // namespace tincrawl

#include "extractors/extract.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "unit/extractors/f1.h"

namespace tincrawl {
namespace {

using tincrawl::testing::TokenF1;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string Fixture(const std::string& name) {
  return ReadFile(std::string(TINCRAWL_FIXTURES_DIR) + "/extract/" + name);
}
std::string Real(const std::string& name) {
  return ReadFile(std::string(TINCRAWL_SHARED_DIR) + "/corpus/real/" + name);
}

Article RunExtract(const std::string& bytes, const std::string& url, const char* preset = nullptr,
                   bool generic_only = false) {
  ExtractInput in;
  in.bytes = bytes;
  in.url = url;
  in.rules = preset ? FindPreset(preset) : nullptr;
  in.generic_only = generic_only;
  return Extract(in);
}

// Phrases of portal chrome that must never reach an article body.
const char* const kChrome[] = {"Tìm kiếm theo chuyên mục",
                               "Tin Nóng",
                               "Tin tiêu điểm",
                               "Lịch công tác",
                               "Website liên kết",
                               "Thống kê truy cập",
                               "Hôm nay:",
                               "Đã truy cập",
                               "Bản quyền thuộc",
                               "Các tin khác",
                               "In bài viết",
                               "Tin liên quan",
                               "Other News",
                               "Print"};

void ExpectNoChrome(const Article& a) {
  for (const char* phrase : kChrome) {
    EXPECT_EQ(a.body.find(phrase), std::string::npos) << "chrome in body: " << phrase;
  }
}

constexpr char kSeedTitle[] =
    "Ban Thường vụ Thị ủy thảo luận, cho ý kiến về một số nội dung công tác";
constexpr char kSeedUrl[] = "https://quangyen.quangninh.gov.vn/Trang/ChiTietTinTuc.aspx?nid=12345";

TEST(ExtractSeedTest, SharepointPresetReproducesTheSeedArticle) {
  Article a = RunExtract(Fixture("sharepoint_qn_seed.html"), kSeedUrl, "sharepoint-qn");
  EXPECT_EQ(a.page_kind, PageKind::kArticle);
  EXPECT_TRUE(a.used_rules);
  EXPECT_FALSE(a.fell_back);
  EXPECT_EQ(a.title, kSeedTitle);
  EXPECT_EQ(a.published, "2018-10-18T08:06:00+07:00");
  // The byline is kept as published, role prefix included.
  EXPECT_EQ(a.author, "CTV: Trần Thuyết");
  EXPECT_EQ(a.body, Fixture("sharepoint_qn_seed.expected.txt"));
  ASSERT_EQ(a.images.size(), 1u);
  EXPECT_EQ(a.images[0].src,
            "https://quangyen.quangninh.gov.vn/SiteCollectionImages/2018/10/btv.jpg");
  EXPECT_EQ(a.images[0].caption, "Toàn cảnh tại hội nghị họp BTV Thị uỷ");
  EXPECT_EQ(a.body.find("Toàn cảnh tại hội nghị"), std::string::npos);
  EXPECT_EQ(a.body.find("CTV"), std::string::npos);
  EXPECT_EQ(a.body_html.find("CTV"), std::string::npos);
  // The caption stays in body_html in its place, marked as a caption.
  EXPECT_NE(
      a.body_html.find("<figcaption><em>Toàn cảnh tại hội nghị họp BTV Thị uỷ</em></figcaption>"),
      std::string::npos)
      << a.body_html;
  EXPECT_NE(a.body.find("tổ chức hội nghị quán triệt"), std::string::npos)
      << "the double space is collapsed";
  EXPECT_NE(a.body.find("Trung uơng"), std::string::npos) << "text kept as published";
  EXPECT_EQ(a.canonical_url,
            "https://quangyen.quangninh.gov.vn/Trang/ChiTietTinTuc.aspx?nid=12345");
  EXPECT_EQ(a.lang, "vi");
  ExpectNoChrome(a);
}

TEST(ExtractSeedTest, GenericExtractorFindsTheSameArticle) {
  Article a = RunExtract(Fixture("sharepoint_qn_seed.html"), kSeedUrl, nullptr, true);
  EXPECT_EQ(a.page_kind, PageKind::kArticle);
  EXPECT_FALSE(a.used_rules);
  EXPECT_EQ(a.title, kSeedTitle);
  EXPECT_EQ(a.published, "2018-10-18T08:06:00+07:00");
  EXPECT_EQ(a.author, "CTV: Trần Thuyết");
  ASSERT_EQ(a.images.size(), 1u);
  EXPECT_EQ(a.images[0].caption, "Toàn cảnh tại hội nghị họp BTV Thị uỷ");
  EXPECT_GE(TokenF1(a.body, Fixture("sharepoint_qn_seed.expected.txt")), 0.98);
  ExpectNoChrome(a);
}

TEST(ExtractPresetTest, Tandan) {
  Article a = RunExtract(Fixture("tandan_article.html"),
                         "https://langson.gov.vn/portal/Pages/2024-1-12/So-Y-te.aspx", "tandan");
  EXPECT_TRUE(a.used_rules);
  EXPECT_EQ(a.title, "Sở Y tế tăng cường kiểm tra an toàn thực phẩm dịp Tết");
  EXPECT_EQ(a.published, "2024-01-12T09:15:00+07:00");
  EXPECT_EQ(a.summary,
            "Sở Y tế vừa ban hành kế hoạch kiểm tra liên ngành về an toàn thực phẩm trong dịp "
            "Tết Nguyên đán Giáp Thìn 2024.");
  EXPECT_EQ(a.author, "Minh Anh");
  EXPECT_EQ(a.body.rfind("Theo kế hoạch, các đoàn kiểm tra", 0), 0u) << a.body;
  ASSERT_EQ(a.attachments.size(), 1u);
  EXPECT_EQ(a.attachments[0].url, "https://langson.gov.vn/Documents/kehoach-attp-2024.pdf");
  EXPECT_EQ(a.attachments[0].type, "pdf");
  EXPECT_EQ(a.attachments[0].text, "Kế hoạch số 15/KH-SYT");
  ExpectNoChrome(a);
}

TEST(ExtractPresetTest, Nukeviet) {
  Article a = RunExtract(Fixture("nukeviet_article.html"),
                         "https://bavi.hanoi.gov.vn/vi/news/tin-tuc/hoi-nghi-tap-huan-102.html",
                         "nukeviet");
  EXPECT_TRUE(a.used_rules);
  EXPECT_EQ(a.title, "Hội nghị tập huấn chuyển đổi số cho cán bộ cấp xã");
  EXPECT_EQ(a.published, "2018-10-18T08:06:00+07:00");
  EXPECT_EQ(a.author, "Nguyễn Văn An") << "the field label is dropped";
  EXPECT_EQ(a.summary,
            "Sáng 18/10, UBND huyện tổ chức hội nghị tập huấn chuyển đổi số cho cán bộ, công "
            "chức cấp xã.");
  EXPECT_NE(a.body.find("góp phần nâng cao chất lượng phục vụ"), std::string::npos);
  EXPECT_EQ(a.body.find("Tác giả"), std::string::npos);
  ExpectNoChrome(a);
}

TEST(ExtractPresetTest, Dotnetnuke) {
  Article a = RunExtract(Fixture("dotnetnuke_article.html"),
                         "https://sonla.gov.vn/tin-tuc/ArticleId/100", "dotnetnuke");
  EXPECT_TRUE(a.used_rules);
  EXPECT_EQ(a.title, "Tỉnh ủy làm việc với Ban Thường vụ Huyện ủy Mộc Châu");
  EXPECT_EQ(a.published, "2023-05-04T10:30:00+07:00");
  EXPECT_EQ(a.author, "Thu Hà");
  EXPECT_EQ(a.lang, "vi-VN");
  EXPECT_NE(a.body.find("thu ngân sách đạt 45% dự toán năm."), std::string::npos);
  EXPECT_EQ(a.body.find("Hội nghị Ban Chấp hành"), std::string::npos);
}

TEST(ExtractPresetTest, RulesThatMissFallBackToGeneric) {
  Article a = RunExtract(Fixture("nukeviet_article.html"),
                         "https://bavi.hanoi.gov.vn/vi/news/x.html", "tandan");
  EXPECT_FALSE(a.used_rules);
  EXPECT_TRUE(a.fell_back);
  EXPECT_EQ(a.page_kind, PageKind::kArticle);
  EXPECT_EQ(a.title, "Hội nghị tập huấn chuyển đổi số cho cán bộ cấp xã");
  EXPECT_EQ(a.published, "2018-10-18T08:06:00+07:00");
  ExpectNoChrome(a);
}

TEST(ExtractPresetTest, PresetTableIsComplete) {
  for (const char* name : {"sharepoint-qn", "tandan", "liferay", "nukeviet", "dotnetnuke"}) {
    const ExtractRules* rules = FindPreset(name);
    ASSERT_NE(rules, nullptr) << name;
    EXPECT_FALSE(rules->title.empty());
    EXPECT_FALSE(rules->body.empty());
  }
  EXPECT_EQ(FindPreset("wordpress-ish"), nullptr);
  EXPECT_EQ(PresetNames().size(), 5u);
}

TEST(ExtractRulesTest, OverlayReplacesOnlySetFields) {
  ExtractRules base = *FindPreset("liferay");
  ExtractRules site;
  site.title = "h1.x";
  base.Overlay(site);
  EXPECT_EQ(base.title, "h1.x");
  EXPECT_EQ(base.body, FindPreset("liferay")->body);
  EXPECT_TRUE(ExtractRules().Empty());
  EXPECT_FALSE(base.Empty());
}

constexpr char kLiferayArticle[] = "sotttt.hanoi.gov.vn-huong-dan-ke-hoach-ung-dung-cntt-2012.html";
constexpr char kLiferayTitle[] =
    "Hướng dẫn xây dựng Kế hoạch ứng dụng CNTT trong hoạt động của cơ quan nhà nước thành phố "
    "Hà Nội năm 2012";

void ExpectLiferayArticle(const Article& a) {
  EXPECT_EQ(a.page_kind, PageKind::kArticle);
  EXPECT_EQ(a.title, kLiferayTitle);
  EXPECT_EQ(a.published, "2012-12-21T00:00:00+07:00");
  EXPECT_EQ(a.body.rfind("Nội dung:", 0), 0u) << a.body;
  EXPECT_NE(a.body.find("Email: tonghop@ict-hanoi.gov.vn."), std::string::npos);
  // The page prints its CMS account ("admin admin") where a signature would be: that is who
  // posted it, not the author.
  EXPECT_EQ(a.author, "");
  EXPECT_EQ(a.posted_by, "admin admin");
  ASSERT_EQ(a.attachments.size(), 2u);
  EXPECT_EQ(a.attachments[0].type, "doc");
  EXPECT_EQ(a.attachments[1].type, "xls");
  EXPECT_TRUE(a.images.empty()) << "sidebar banners are not article images";
  ExpectNoChrome(a);
  EXPECT_EQ(a.body.find("Chiến lược phát triển lĩnh vực thông tin cơ sở"), std::string::npos);
}

TEST(ExtractRealTest, LiferayArticleGeneric) {
  Article a = RunExtract(Real(kLiferayArticle), "https://sotttt.hanoi.gov.vn/chien-luoc-quy-hoach");
  EXPECT_FALSE(a.used_rules);
  ExpectLiferayArticle(a);
}

TEST(ExtractRealTest, LiferayArticleWithPreset) {
  Article a = RunExtract(Real(kLiferayArticle), "https://sotttt.hanoi.gov.vn/chien-luoc-quy-hoach",
                         "liferay");
  EXPECT_TRUE(a.used_rules);
  ExpectLiferayArticle(a);
}

TEST(ExtractRealTest, LiferayListingsAreListings) {
  for (const char* name :
       {"sotttt.hanoi.gov.vn-ke-hoach.html", "sotttt.hanoi.gov.vn-chi-dao-dieu-hanh.html",
        "sotttt.hanoi.gov.vn-qlttps-trang-1.html", "sotttt.hanoi.gov.vn-trang-chu.html"}) {
    for (const char* preset : {static_cast<const char*>(nullptr), "liferay"}) {
      Article a = RunExtract(Real(name), "https://sotttt.hanoi.gov.vn/ke-hoach", preset);
      EXPECT_EQ(a.page_kind, PageKind::kListing) << name;
      EXPECT_EQ(a.fell_back, preset != nullptr);
      ASSERT_FALSE(a.links.empty()) << name;
      size_t view_content = 0;
      for (const std::string& link : a.links) {
        EXPECT_EQ(link.rfind("https://sotttt.hanoi.gov.vn/", 0), 0u) << link;
        view_content += link.find("/-/view_content/") != std::string::npos;
      }
      EXPECT_GE(view_content * 10, a.links.size() * 6) << name << " mostly article links";
    }
  }
  Article a =
      RunExtract(Real("sotttt.hanoi.gov.vn-ke-hoach.html"), "https://sotttt.hanoi.gov.vn/ke-hoach");
  EXPECT_EQ(a.links.front(),
            "https://sotttt.hanoi.gov.vn/ke-hoach/-/view_content/"
            "4380720-ke-hoach-phat-trien-ha-tang-buu-chinh-vien-thong-phuc-vu-chuong-trinh-chuyen-"
            "doi-so-thanh-pho-ha-noi-den-nam-2025-dinh-huong-den-nam-2030.html");
}

TEST(ExtractRealTest, MohVideoArticle) {
  for (const char* preset : {static_cast<const char*>(nullptr), "liferay"}) {
    Article a = RunExtract(Real("ncov.moh.gov.vn-phan-ung-sau-tiem-vac-xin-6848045-2.html"),
                           "https://ncov.moh.gov.vn/-/6848045-2", preset);
    EXPECT_EQ(a.page_kind, PageKind::kArticle);
    EXPECT_EQ(a.title, "Phản ứng thông thường sau tiêm vắc xin phòng COVID-19");
    EXPECT_EQ(a.published, "2021-04-19T15:17:00+07:00");
    EXPECT_EQ(a.canonical_url, "https://moh.gov.vn/-/6848045-2");
    EXPECT_EQ(a.body.find("Tin đọc nhiều"), std::string::npos);
  }
}

TEST(ExtractJsonTest, ArticleToJsonHasEveryField) {
  Article a = RunExtract(Fixture("tandan_article.html"), "https://langson.gov.vn/p.aspx", "tandan");
  std::string json = ArticleToJson(a, "langson");
  for (const char* key :
       {"\"source\":\"langson\"", "\"url\":\"https://langson.gov.vn/p.aspx\"",
        "\"title\":", "\"published\":\"2024-01-12T09:15:00+07:00\"", "\"author\":\"Minh Anh\"",
        "\"body\":", "\"body_html\":\"<p>", "\"images\":[]",
        "\"attachments\":[{\"url\":", "\"lang\":\"vi\"", "\"page_kind\":\"article\"",
        "\"charset\":", "\"used_rules\":true", "\"fell_back\":false"}) {
    EXPECT_NE(json.find(key), std::string::npos) << key << " in " << json;
  }
  EXPECT_EQ(json.find("\"links\""), std::string::npos);
  EXPECT_EQ(json.find("\"error\""), std::string::npos);
  EXPECT_EQ(json.front(), '{');
  EXPECT_EQ(json.back(), '}');
  Article listing =
      RunExtract(Real("sotttt.hanoi.gov.vn-ke-hoach.html"), "https://sotttt.hanoi.gov.vn/");
  EXPECT_NE(ArticleToJson(listing).find("\"links\":[\"https://"), std::string::npos);
  Article bad = RunExtract("", "https://x.gov.vn/");
  EXPECT_NE(ArticleToJson(bad).find("\"error\":\"empty\""), std::string::npos);
}

// Bad inputs must come back as non-articles, without parsing what is not HTML and without
// blowing the stack. What bounds the work is checked, not a stopwatch: the early exits leave
// their error, and a page over the HTML guard's limits is cut (Article::guard).
class BadInputTest : public ::testing::Test {
 protected:
  Article Run(const std::string& bytes) {
    Article a = RunExtract(bytes, "https://x.gov.vn/a", "nukeviet");
    EXPECT_EQ(a.page_kind, PageKind::kOther);
    EXPECT_TRUE(a.body.empty());
    return a;
  }
};

TEST_F(BadInputTest, Empty) {
  EXPECT_EQ(Run("").error, "empty");
  EXPECT_EQ(Run(" \r\n\t ").error, "empty");
}

TEST_F(BadInputTest, Binary) {
  std::string nul_heavy(4096, '\0');
  for (size_t i = 0; i < nul_heavy.size(); i += 3) nul_heavy[i] = static_cast<char>(i * 7);
  EXPECT_EQ(Run(nul_heavy).error, "binary");
  EXPECT_EQ(Run("%PDF-1.7\n%\xE2\xE3\xCF\xD3\n1 0 obj").error, "binary");
  EXPECT_EQ(Run(std::string("\x89PNG\r\n\x1a\n", 8) + std::string(100, 'x')).error, "binary");
}

TEST_F(BadInputTest, TooLarge) {
  std::string huge = "<html><body>";
  huge.append(20u << 20, 'a');
  EXPECT_EQ(Run(huge).error, "too_large");
}

TEST_F(BadInputTest, InvalidUtf8) {
  std::string bytes = "<html><body><p>";
  for (int i = 0; i < 2000; ++i) bytes += "\xC3\x28\xFF\xFE\xE2\x82";
  bytes += "</p></body></html>";
  Article a = Run(bytes);
  EXPECT_EQ(a.error, "no_content");
  EXPECT_NE(ArticleToJson(a).find("\"page_kind\":\"other\""), std::string::npos);
}

TEST_F(BadInputTest, DeepNesting) {
  std::string deep;
  for (int i = 0; i < 100000; ++i) deep += "<div>";
  deep += "x";
  const Article deep_article = Run(deep);
  EXPECT_EQ(deep_article.error, "no_content");
  EXPECT_FALSE(deep_article.guard.empty()) << "the guard cut the page short";
  std::string spans;
  for (int i = 0; i < 100000; ++i) spans += "<span><b><i>";
  const Article spans_article = Run(spans);
  EXPECT_EQ(spans_article.error, "no_content");
  EXPECT_FALSE(spans_article.guard.empty()) << "the guard cut the page short";
}

TEST_F(BadInputTest, NoArticleText) {
  EXPECT_EQ(Run("<html><head><title>x</title></head><body><p>Hi</p></body></html>").error,
            "no_content");
}

// A page whose text carries decomposed tone marks (as several real portals publish it) comes out
// NFC in every field, with and without a UTF-8 BOM, like the full decoder would produce it.
TEST(ExtractDecodeTest, DecomposedTonesBecomeNfc) {
  const std::string nfd_title =
      "Th\xC3\xB4ng ba\xCC\x81o ho\xCC\xA3p";  // "Thông báo họp", NFD tones.
  std::string body;
  for (int i = 0; i < 6; ++i) {
    body +=
        "<p>Uy\xCC\x89 ban nh\xC3\xA2n d\xC3\xA2n th\xC3\xA0nh ph\xE1\xBB\x91 t\xE1\xBB\x95 "
        "ch\xE1\xBB\xA9"
        "c h\xE1\xBB\x8Dp v\xE1\xBB\x9Bi c\xC3\xA1"
        "c s\xE1\xBB\x9F, ng\xC3\xA0nh "
        "v\xC3\xA0 \xC4\x91\xE1\xBB\x8B"
        "a ph\xC6\xB0\xC6\xA1ng \xC4\x91\xE1\xBB\x83 b\xC3\xA0n "
        "k\xE1\xBA\xBF ho\xE1\xBA\xA1"
        "ch.</p>";
  }
  const std::string html = "<html><head><title>" + nfd_title + "</title></head><body><h1>" +
                           nfd_title + "</h1><div class=date>12/03/2024</div><div class=content>" +
                           body + "</div></body></html>";
  for (const std::string& bytes : {html, "\xEF\xBB\xBF" + html}) {
    Article a = RunExtract(bytes, "https://example.gov.vn/tin/1.html");
    EXPECT_EQ(a.charset, "utf-8");
    EXPECT_EQ(a.title, "Th\xC3\xB4ng b\xC3\xA1o h\xE1\xBB\x8Dp");
    EXPECT_NE(a.body.find("U\xE1\xBB\xB7 ban"), std::string::npos) << a.body;  // "Uỷ" composed.
    EXPECT_EQ(a.body.find("\xCC"), std::string::npos) << "no combining marks left";
  }
}

// A paragraph that is only a download link goes to attachments[], not into the body text.
TEST(ExtractBodyTest, DownloadLinkLinesStayOutOfBodyText) {
  std::string body;
  for (int i = 0; i < 5; ++i) {
    body +=
        "<p>Ng\xC3\xA0y 9/1, h\xE1\xBB\x99i ngh\xE1\xBB\x8B \xC4\x91\xC3\xA3 \xC4\x91\xC3\xA1nh "
        "gi\xC3\xA1 k\xE1\xBA\xBFt qu\xE1\xBA\xA3 c\xC3\xB4ng t\xC3\xA1"
        "c v\xC3\xA0 "
        "tri\xE1\xBB\x83n "
        "khai nhi\xE1\xBB\x87m v\xE1\xBB\xA5 c\xE1\xBB\xA7"
        "a n\xC4\x83m t\xE1\xBB\x9Bi.</p>";
  }
  const std::string html =
      "<html><body><h1>Tang cuong cong tac phong chong thien tai</h1><p>12/03/2024</p>"
      "<div class=content>" +
      body + "<p><a href='/files/qd-1770.pdf'>Quyet dinh so 1770 (PDF)</a></p></div></body></html>";
  Article a = RunExtract(html, "https://example.gov.vn/tin/2.html");
  ASSERT_EQ(a.attachments.size(), 1u);
  EXPECT_EQ(a.attachments[0].text, "Quyet dinh so 1770 (PDF)");
  EXPECT_EQ(a.body.find("Quyet dinh so 1770"), std::string::npos) << a.body;
  EXPECT_NE(a.body_html.find("qd-1770.pdf"), std::string::npos) << "body_html keeps the link";
}

}  // namespace
}  // namespace tincrawl

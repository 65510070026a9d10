// The generic extractor on small hand-made pages: the article/listing decision, credit lines,
// attachment-only posts, captions and publication dates.
#include <gtest/gtest.h>

#include <string>

#include "extractors/byline.h"
#include "extractors/extract.h"

namespace tincrawl {
namespace {

Article Generic(const std::string& html, const std::string& url = "https://xa.gov.vn/tin/1") {
  ExtractInput in;
  in.bytes = html;
  in.url = url;
  in.generic_only = true;
  return Extract(in);
}

// Distinct prose paragraphs (no two alike, so nothing looks repeated).
std::string Prose(int n) {
  static const char* const kSentences[] = {
      "Sáng ngày 12/3, Ủy ban nhân dân xã đã tổ chức hội nghị tổng kết công tác năm và triển "
      "khai nhiệm vụ trọng tâm của năm tới với sự tham dự của các ban ngành đoàn thể.",
      "Tại hội nghị, các đại biểu đã thảo luận về những kết quả đạt được, những khó khăn vướng "
      "mắc cần tháo gỡ và đề xuất nhiều giải pháp thiết thực cho địa phương.",
      "Đồng chí Chủ tịch Ủy ban nhân dân xã đề nghị các đơn vị phối hợp chặt chẽ, bảo đảm tiến "
      "độ các công trình và chăm lo đời sống của nhân dân trên địa bàn.",
      "Kết thúc hội nghị, Ủy ban đã khen thưởng các tập thể và cá nhân có thành tích xuất sắc "
      "trong phong trào thi đua yêu nước của năm qua.",
      "Năm nay, xã phấn đấu hoàn thành các chỉ tiêu về phát triển kinh tế, văn hóa, xã hội, "
      "giữ vững an ninh chính trị và trật tự an toàn xã hội."};
  std::string out;
  for (int i = 0; i < n; ++i) out += "<p>" + std::string(kSentences[i % 5]) + "</p>\n";
  return out;
}

std::string Menu(int links) {
  std::string out = "<div class=\"top\"><ul>";
  for (int i = 0; i < links; ++i) {
    out += "<li><a href=\"/muc-" + std::to_string(i) + "\">Mục " + std::to_string(i) + "</a></li>";
  }
  return out + "</ul></div>";
}

std::string Teaser(int i, bool with_date = true) {
  std::string n = std::to_string(i);
  return "<div class=\"news-item\"><a href=\"/tin/bai-" + n + ".html\"><img src=\"/a" + n +
         ".jpg\"></a><h3><a href=\"/tin/bai-" + n +
         ".html\">Hội nghị triển khai nhiệm vụ phát triển kinh tế xã hội số " + n +
         "</a></h3><p>Ủy ban nhân dân xã tổ chức hội nghị triển khai nhiệm vụ năm " + n + ".</p>" +
         (with_date ? "<span>12/03/2024</span>" : "") + "</div>";
}

std::string Page(const std::string& head, const std::string& body) {
  return "<html lang=\"vi\"><head><meta charset=\"utf-8\">" + head + "</head><body>" + body +
         "</body></html>";
}

TEST(GenericClassifyTest, ArticleWithRelatedBoxAndLongMenuIsAnArticle) {
  std::string related = "<div class=\"box\"><h2>Cùng chuyên mục</h2>";
  for (int i = 0; i < 6; ++i) related += Teaser(i);
  related += "</div>";
  Article a = Generic(Page("<title>Hội nghị tổng kết công tác năm</title>",
                           Menu(60) +
                               "<div class=\"main\"><h1>Hội nghị tổng kết công tác năm</h1>"
                               "<div class=\"date\">Thứ hai, 18/03/2024 15:17</div>" +
                               Prose(5) + "</div>" + related));
  EXPECT_EQ(a.page_kind, PageKind::kArticle) << a.signals;
  EXPECT_GE(a.confidence, 0.5);
  EXPECT_NE(a.signals.find("prose="), std::string::npos);
  EXPECT_EQ(a.published, "2024-03-18T15:17:00+07:00");
  EXPECT_NE(a.body.find("khen thưởng các tập thể"), std::string::npos);
  EXPECT_EQ(a.body.find("số 3"), std::string::npos) << "related teasers stay out: " << a.body;
  EXPECT_EQ(a.body.find("Mục 7"), std::string::npos);
}

// A comment thread with more text than the article is still chrome, not the content.
TEST(GenericClassifyTest, LongCommentThreadDoesNotReplaceTheArticle) {
  std::string comments = "<div class=\"sect_comments\"><ul>";
  for (int i = 0; i < 12; ++i) {
    comments += "<li><p>Ý kiến bạn đọc thứ " + std::to_string(i) +
                ": tôi rất đồng ý với nội dung của bài viết và mong rằng chính quyền địa phương "
                "sẽ tiếp tục quan tâm đến đời sống của nhân dân trong thời gian tới.</p></li>";
  }
  comments += "</ul></div>";
  Article a = Generic(Page("<title>Hội nghị tổng kết công tác năm</title>",
                           "<div class=\"main\"><h1>Hội nghị tổng kết công tác năm</h1>" +
                               Prose(3) + "</div>" + comments));
  EXPECT_EQ(a.page_kind, PageKind::kArticle) << a.signals;
  EXPECT_NE(a.body.find("các ban ngành đoàn thể"), std::string::npos) << a.body;
  EXPECT_EQ(a.body.find("Ý kiến bạn đọc"), std::string::npos) << "comments stay out: " << a.body;
}

// Text written straight into the content container stays when the container also holds a
// long list of links (show notes, sources) that makes the whole of it link-heavy.
TEST(GenericClassifyTest, OwnTextBesideALinkListIsKept) {
  std::string notes = "<ul>";
  for (int i = 0; i < 30; ++i) {
    notes += "<li><a href=\"/tai-lieu-" + std::to_string(i) + "\">Tài liệu số " +
             std::to_string(i) + "</a></li>";
  }
  notes += "</ul>";
  Article a = Generic(
      Page("<title>Hội nghị tổng kết công tác năm</title>",
           "<div class=\"main\"><h1>Hội nghị tổng kết công tác năm</h1><div class=\"entry\">"
           "Sáng ngày 12/3, Ủy ban nhân dân xã đã tổ chức hội nghị tổng kết công tác năm và triển "
           "khai nhiệm vụ trọng tâm của năm tới với sự tham dự của các ban ngành đoàn thể." +
               notes + "</div></div>"));
  EXPECT_NE(a.body.find("các ban ngành đoàn thể"), std::string::npos) << a.signals;
}

TEST(GenericClassifyTest, TitleDifferingFromOgTitleIsStillAnArticle) {
  Article a = Generic(Page(
      "<title>Cổng thông tin điện tử xã</title>"
      "<meta property=\"og:title\" content=\"Trang chủ\">",
      Menu(20) + "<div><h1>Xã tổ chức hội nghị tổng kết công tác năm</h1>" + Prose(4) + "</div>"));
  EXPECT_EQ(a.page_kind, PageKind::kArticle) << a.signals;
  EXPECT_EQ(a.title, "Xã tổ chức hội nghị tổng kết công tác năm");
  EXPECT_NE(a.signals.find("title_meta=0"), std::string::npos);
}

TEST(GenericClassifyTest, CategoryPageWithASingleItemIsAListing) {
  Article a =
      Generic(Page("<title>Tin tức - Cổng thông tin điện tử xã</title>",
                   Menu(12) + "<div class=\"category\"><h1>Tin tức</h1>" + Teaser(1, false) +
                       "<div class=\"pager\"><a href=\"?page=2\">2</a></div></div>"));
  EXPECT_EQ(a.page_kind, PageKind::kListing) << a.signals;
  ASSERT_FALSE(a.links.empty());
  EXPECT_EQ(a.links.front(), "https://xa.gov.vn/tin/bai-1.html");
  EXPECT_TRUE(a.body.empty());
}

TEST(GenericClassifyTest, HomePageOfTeaserBlocksIsAListing) {
  std::string blocks;
  for (int b = 0; b < 3; ++b) {
    blocks += "<div class=\"block\"><h2>Chuyên mục " + std::to_string(b) + "</h2>";
    for (int i = 0; i < 5; ++i) blocks += Teaser(b * 10 + i);
    blocks += "</div>";
  }
  Article a = Generic(Page("<title>Trang chủ</title>", Menu(30) + blocks), "https://xa.gov.vn/");
  EXPECT_EQ(a.page_kind, PageKind::kListing) << a.signals;
  EXPECT_GE(a.links.size(), 15u);
}

std::string WithLastLines(const std::string& lines) {
  return Page("<title>Hội nghị tổng kết</title>",
              "<div class=\"content\"><h1>Hội nghị tổng kết</h1>" + Prose(4) + lines + "</div>");
}

TEST(GenericCreditTest, SignatureForms) {
  struct Case {
    const char* line;
    const char* author;
  } cases[] = {
      {"<p style=\"text-align:right\"><strong>Phạm Linh</strong></p>", "Phạm Linh"},
      {"<p><strong>CTV: Trần Thuyết</strong></p>", "CTV: Trần Thuyết"},
      {"<p>Tin, ảnh: Hoàng Linh</p>", "Tin, ảnh: Hoàng Linh"},
      {"<p align=\"right\">Nguyễn Văn A - Trung tâm Truyền thông</p>",
       "Nguyễn Văn A - Trung tâm Truyền thông"},
      {"<p><b>Tác giả: Minh Anh</b></p>", "Minh Anh"},
  };
  for (const Case& c : cases) {
    Article a = Generic(WithLastLines(c.line));
    EXPECT_EQ(a.author, c.author) << c.line;
    EXPECT_TRUE(a.posted_by.empty()) << c.line;
    EXPECT_EQ(a.body.find(c.author), std::string::npos) << "the signature leaves the body";
  }
}

TEST(GenericCreditTest, AccountsGoToPostedByAndOutletsToSource) {
  Article a = Generic(WithLastLines("<p><strong>Phạm Linh</strong></p><p>Theo Báo Nhân Dân</p>"));
  EXPECT_EQ(a.author, "Phạm Linh");
  EXPECT_EQ(a.source, "Báo Nhân Dân");
  EXPECT_EQ(a.body.find("Nhân Dân"), std::string::npos);

  a = Generic(WithLastLines("<p>Nguồn: Forbes</p>"));
  EXPECT_EQ(a.author, "") << "a source credit is not the author";
  EXPECT_EQ(a.source, "Forbes");

  a = Generic(WithLastLines("<p style=\"text-align:right\"><b>Ban biên tập</b></p>"));
  EXPECT_EQ(a.author, "");
  EXPECT_EQ(a.posted_by, "Ban biên tập");

  std::string meta = "<meta name=\"author\" content=\"admin admin\">";
  a = Generic(Page("<title>Hội nghị</title>" + meta,
                   "<div><h1>Hội nghị</h1>" + Prose(4) + "<p><b>Hoàng Linh</b></p></div>"));
  EXPECT_EQ(a.author, "Hoàng Linh") << "the printed signature beats the CMS account";
  EXPECT_EQ(a.posted_by, "admin admin");

  // "Theo kế hoạch, ..." opens a sentence; it names no outlet.
  EXPECT_EQ(ClassifyCredit("Theo kế hoạch, xã sẽ hoàn thành", true).kind, CreditKind::kNone);
  EXPECT_EQ(ClassifyCredit("Pho Ban bien tap", true).kind, CreditKind::kPostedBy);
  EXPECT_EQ(ClassifyCredit("Quản trị viên", true).kind, CreditKind::kPostedBy);
  EXPECT_TRUE(IsAccountName("admin"));
  EXPECT_FALSE(IsAccountName("Minh Anh"));
}

TEST(GenericAttachmentTest, AttachmentOnlyPostHasLinkTextsAsBody) {
  // The widget's sentence is long enough to outscore a post made of links alone.
  std::string sidebar =
      "<div class=\"video-box\"><h3>Video</h3><p>Không tìm thấy video nào trong thư viện, "
      "xin vui lòng quay lại sau hoặc liên hệ với ban quản trị của trang.</p></div>";
  Article a =
      Generic(Page("<title>Quyết định phê duyệt kế hoạch năm 2024</title>",
                   Menu(20) +
                       "<div class=\"khung\"><h1>Quyết định phê duyệt kế hoạch năm 2024</h1>"
                       "<div class=\"date\">19/4/2021 - 15:17 GMT+7</div>"
                       "<p><a href=\"/files/qd-12.pdf\">Quyết định số 12/QĐ-UBND</a></p>"
                       "<p><a href=\"/files/phu-luc.docx\">Phụ lục kèm theo</a></p></div>" +
                       sidebar));
  EXPECT_EQ(a.page_kind, PageKind::kArticle) << a.signals;
  ASSERT_EQ(a.attachments.size(), 2u);
  EXPECT_EQ(a.attachments[0].type, "pdf");
  EXPECT_EQ(a.attachments[1].type, "docx");
  EXPECT_EQ(a.body, "Quyết định số 12/QĐ-UBND\n\nPhụ lục kèm theo");
  EXPECT_EQ(a.body.find("video"), std::string::npos);
  EXPECT_EQ(a.published, "2021-04-19T15:17:00+07:00");
}

TEST(GenericCaptionTest, CaptionsStayInPlaceInBodyHtml) {
  Article a = Generic(
      Page("<title>Hội nghị tổng kết</title>",
           "<div class=\"content\"><h1>Hội nghị tổng kết</h1>" + Prose(2) +
               "<figure><img src=\"/a.jpg\"><figcaption>Quang cảnh hội nghị</figcaption></figure>" +
               Prose(2) + "</div>"));
  ASSERT_EQ(a.images.size(), 1u);
  EXPECT_EQ(a.images[0].caption, "Quang cảnh hội nghị");
  size_t cap = a.body_html.find("<figcaption>Quang cảnh hội nghị</figcaption>");
  ASSERT_NE(cap, std::string::npos) << a.body_html;
  EXPECT_LT(a.body_html.find("hội nghị tổng kết công tác"), cap);
  EXPECT_GT(a.body_html.rfind("khen thưởng"), cap) << "the caption sits between its paragraphs";
  EXPECT_EQ(a.body.find("Quang cảnh"), std::string::npos) << "plain body: prose only";
}

TEST(GenericCaptionTest, PhotoStoryKeepsItsCaptionsInTheBody) {
  std::string photos;
  for (int i = 0; i < 4; ++i) {
    photos += "<figure><img src=\"/p" + std::to_string(i) +
              ".jpg\"><figcaption>Đoàn viên thanh niên tham gia dọn vệ sinh tại khu dân cư số " +
              std::to_string(i) + " trong ngày chủ nhật xanh</figcaption></figure>";
  }
  Article a = Generic(
      Page("<title>Ngày chủ nhật xanh</title>",
           "<div class=\"content\"><h1>Ngày chủ nhật xanh</h1>" + Prose(1) + photos + "</div>"));
  EXPECT_EQ(a.page_kind, PageKind::kArticle) << a.signals;
  EXPECT_NE(a.body.find("khu dân cư số 3"), std::string::npos) << a.body;
}

TEST(GenericDateTest, PrintedDateBeatsDateOnlyOrConflictingMeta) {
  auto page = [](const std::string& meta, const std::string& printed) {
    return Page("<title>Hội nghị</title>" + meta, "<div><h1>Hội nghị</h1><div class=\"time\">" +
                                                      printed + "</div>" + Prose(4) + "</div>");
  };
  std::string date_only = "<meta property=\"article:published_time\" content=\"2012-12-24\">";
  EXPECT_EQ(Generic(page(date_only, "24/12/2012 03:04 AM")).published, "2012-12-24T03:04:00+07:00");
  std::string other_day =
      "<meta property=\"article:published_time\" content=\"2021-04-20T01:00:00+07:00\">";
  EXPECT_EQ(Generic(page(other_day, "Thứ hai, 19/04/2021 15:17")).published,
            "2021-04-19T15:17:00+07:00");
  // A printed day without a time takes the time from meta of the same day.
  std::string with_time =
      "<meta property=\"article:published_time\" content=\"2021-04-19T08:17:00Z\">";
  EXPECT_EQ(Generic(page(with_time, "Ngày 19/04/2021")).published, "2021-04-19T08:17:00+00:00");
  // Only a script knows the date.
  std::string ld =
      "<script type=\"application/ld+json\">{\"@type\":\"NewsArticle\","
      "\"datePublished\": \"2024-03-12T09:30:00+07:00\"}</script>";
  EXPECT_EQ(Generic(page(ld, "")).published, "2024-03-12T09:30:00+07:00");
}

// A page that renders its text with JavaScript: the DOM holds the headline and one line, the
// JSON-LD articleBody the whole text (escapes decoded, one paragraph per line).
TEST(GenericScriptBodyTest, ArticleBodyInJsonLdIsTheBody) {
  std::string body;
  for (int i = 0; i < 8; ++i) {
    body += "Paragraph " + std::to_string(i) +
            " tells the story at length, with a \\\"quoted\\\" word and caf\\u00e9 in it.\\n";
  }
  std::string html =
      "<html><head><title>Story</title><script type=\"application/ld+json\">"
      "{\"@type\":\"NewsArticle\",\"headline\":\"Story\",\"articleBody\":\"" +
      body +
      "\"}</script></head><body><h1>Story</h1><div id=\"app\"><p>Loading the story for "
      "you, one moment please.</p></div></body></html>";
  Article a = Generic(html, "https://example.org/story");
  EXPECT_EQ(a.page_kind, PageKind::kArticle);
  EXPECT_NE(a.body.find("Paragraph 5 tells the story at length, with a \"quoted\" word and café"),
            std::string::npos);
  EXPECT_NE(a.body.find("in it.\n\nParagraph 1"), std::string::npos);
  EXPECT_EQ(a.body.find("Loading the story"), std::string::npos);
}

// An articleBody that is escaped markup is not used: the DOM text stays.
TEST(GenericScriptBodyTest, MarkupInArticleBodyIsIgnored) {
  std::string html =
      "<html><head><script type=\"application/ld+json\">{\"articleBody\":\"&lt;p&gt;" +
      std::string(600, 'x') + "&lt;/p&gt;\"}</script></head><body><h1>Tiêu đề bài</h1>" + Prose(4) +
      "</body></html>";
  Article a = Generic(html);
  EXPECT_EQ(a.body.find("xxxx"), std::string::npos);
  EXPECT_NE(a.body.find("Sáng ngày 12/3"), std::string::npos);
}

// Blog themes link the post's headline to its own permalink: that link is the title, not a
// listing item, even when the post is a few lines long.
TEST(GenericTitleTest, HeadlineLinkedToItselfIsTheTitleOfAShortPost) {
  std::string url = "https://blog.example.org/2013/06/14/ein-kurzer-eintrag/";
  std::string html =
      "<html><head><title>Ein kurzer Eintrag | Blog</title><meta property=\"og:title\" "
      "content=\"Ein kurzer Eintrag\"></head><body><h1><a href=\"/\">Blog</a></h1>"
      "<div class=\"post\"><h2 class=\"posttitle\"><a href=\"" +
      url +
      "\">Ein kurzer "
      "Eintrag</a></h2><p>14. Juni 2013</p><div class=\"entry\"><p>Ich weiß nicht, ob ich das "
      "sagen sollte – also sage ich es nicht. Und dann sage ich es doch, am Ende eines langen "
      "Abends, leise.</p></div></div></body></html>";
  Article a = Generic(html, url);
  EXPECT_EQ(a.page_kind, PageKind::kArticle);
  EXPECT_EQ(a.title, "Ein kurzer Eintrag");
  EXPECT_NE(a.signals.find("title_meta=1"), std::string::npos) << a.signals;
  EXPECT_NE(a.body.find("Ich weiß nicht, ob ich das sagen sollte"), std::string::npos);
}

// Boxes that templates print inside the article's text: a table of contents, a call to action,
// a sign-up form's prompt, an affiliate note and the author's description. Their class names
// say what they are, and none of their words is the article's.
TEST(GenericPruneTest, BoxesInsideTheTextStayOut) {
  std::string boxes =
      "<div class=\"toc\"><p>Nội dung chính của bài viết</p><ul><li>Phần một: hội nghị tổng "
      "kết</li><li>Phần hai: khen thưởng</li></ul></div>"
      "<div class=\"cta-box\"><p>Hãy viết cho chúng tôi ý kiến của bạn về bài viết này, chúng "
      "tôi sẽ trả lời sớm.</p></div>"
      "<div class=\"signup-form\"><p>Đăng ký nhận bản tin hằng tuần để không bỏ lỡ tin tức "
      "mới nhất của xã.</p></div>"
      "<div class=\"affiliate-note\"><p>Bài viết có liên kết tiếp thị, chúng tôi nhận hoa hồng "
      "khi bạn mua hàng qua đó.</p></div>"
      "<div class=\"author-description\"><p>Tác giả là phóng viên thường trú, viết về đời sống "
      "nông thôn từ nhiều năm nay.</p></div>";
  Article a = Generic(Page(
      "<title>Hội nghị tổng kết công tác năm</title>",
      "<div class=\"main\"><h1>Hội nghị tổng kết công tác năm</h1>" + boxes + Prose(5) + "</div>"));
  EXPECT_EQ(a.page_kind, PageKind::kArticle) << a.signals;
  EXPECT_NE(a.body.find("khen thưởng các tập thể"), std::string::npos) << a.body;
  for (const char* box : {"Phần một", "Hãy viết cho chúng tôi", "Đăng ký nhận bản tin",
                          "liên kết tiếp thị", "phóng viên thường trú"}) {
    EXPECT_EQ(a.body.find(box), std::string::npos) << box << " stays out: " << a.body;
  }
}

// The label of a related-reading box is boilerplate in any of the common languages, wherever it
// stands in the text; a long paragraph that merely starts with the same words is prose.
TEST(GenericPruneTest, RelatedReadingLabelsStayOut) {
  std::string long_para =
      "<p>See also the report of the council, which describes in detail how the budget of the "
      "village was spent over the last five years.</p>";
  Article a = Generic(Page("<title>Hội nghị tổng kết công tác năm</title>",
                           "<div class=\"main\"><h1>Hội nghị tổng kết công tác năm</h1>" +
                               Prose(2) + "<h3>Mehr zum Thema</h3><p>Czytaj też:</p>" +
                               "<p>Vous aimerez aussi</p>" + long_para + Prose(3) + "</div>"));
  EXPECT_EQ(a.page_kind, PageKind::kArticle) << a.signals;
  for (const char* label : {"Mehr zum Thema", "Czytaj też", "Vous aimerez aussi"}) {
    EXPECT_EQ(a.body.find(label), std::string::npos) << label << " stays out: " << a.body;
  }
  EXPECT_NE(a.body.find("See also the report of the council"), std::string::npos) << a.body;
}

// Markup that hides the text from a parser, or dresses chrome as content.

// An article of one lead paragraph whose only headline link is to the story's own audio (the
// same headline): the article pointing at itself is no item of a listing.
TEST(GenericMarkupTest, LinkToTheStorysOwnMediaIsNoListingItem) {
  const std::string h = "Xã tổ chức hội nghị tổng kết công tác năm";
  Article a = Generic(Page(
      "<title>" + h + "</title><meta property=\"og:title\" content=\"" + h + "\">",
      Menu(12) + "<div class=\"col\"><h1>" + h + "</h1><p class=\"intro\">" +
          "Sáng ngày 12/3, Ủy ban nhân dân xã đã tổ chức hội nghị tổng kết công tác năm với sự "
          "tham dự của các ban ngành đoàn thể và đại biểu của các thôn.</p>"
          "<h4>Âm thanh</h4><div class=\"links\"><a href=\"/media/123\"><h2>" +
          h + "</h2></a></div></div>"));
  EXPECT_EQ(a.page_kind, PageKind::kArticle) << a.signals;
  EXPECT_NE(a.body.find("đại biểu của các thôn"), std::string::npos) << a.body;
}

// A template that ships the post inside <script type="text/template"> in its articleBody element
// (and lets JavaScript insert it) still gives the post; a cookie box template elsewhere does not
// join it, and a template still to be filled in stays a script.
TEST(GenericMarkupTest, PostShippedInATemplateScriptIsRead) {
  std::string cookie =
      "<script id=\"CookieBoxWrap\" type=\"text/template\"><div class=\"box\"><p>Chúng tôi sử "
      "dụng cookie để cải thiện trải nghiệm của bạn trên trang web này, bạn có thể thay đổi cài "
      "đặt bất cứ lúc nào trong phần cài đặt quyền riêng tư của trình duyệt.</p>" +
      Prose(2) + "</div></script>";
  std::string filled_later =
      "<div class=\"entry\"><script type=\"text/template\"><p>{{ item.title }} — {{ item.text }}"
      "</p>" +
      Prose(3) + "</script></div>";
  Article a = Generic(Page("<title>Hội nghị tổng kết công tác năm</title>",
                           cookie + Menu(20) +
                               "<div class=\"post\"><h1>Hội nghị tổng kết công tác năm</h1>"
                               "<div class='post-body' itemprop='articleBody'>"
                               "<script type='text/template'>" +
                               Prose(4) + "</script></div></div>" + filled_later));
  EXPECT_EQ(a.page_kind, PageKind::kArticle) << a.signals;
  EXPECT_NE(a.body.find("các ban ngành đoàn thể"), std::string::npos) << a.signals;
  EXPECT_NE(a.body.find("thi đua yêu nước"), std::string::npos) << a.body;
  EXPECT_EQ(a.body.find("cookie"), std::string::npos) << a.body;
  EXPECT_EQ(a.body.find("{{"), std::string::npos) << a.body;
}

// "<noscript><div></noscript>" leaves the div open when parsed without scripting, and the rest
// of the page inside the noscript element; a browser shows that rest. An ordinary noscript
// (a notice beside the text) stays out.
TEST(GenericMarkupTest, NoscriptThatSwallowedThePageIsShown) {
  Article a =
      Generic(Page("<title>Hội nghị tổng kết công tác năm</title>",
                   "<noscript><div id=\"nojs\"></noscript><div id=\"page\">" + Menu(20) +
                       "<div id=\"text\"><h1>Hội nghị tổng kết công tác năm</h1>" + Prose(4) +
                       "<noscript>Trình duyệt của bạn không hỗ trợ JavaScript.</noscript>"
                       "</div></div><noscript></div></noscript>"));
  EXPECT_EQ(a.page_kind, PageKind::kArticle) << a.signals;
  EXPECT_NE(a.body.find("thi đua yêu nước"), std::string::npos) << a.signals;
  EXPECT_EQ(a.body.find("JavaScript"), std::string::npos) << a.body;
}

// A box about the author, or a cookie consent dialog, is never the text, whatever content class
// its template also gives it.
TEST(GenericMarkupTest, AuthorAndConsentBoxesStayOutDespiteContentClasses) {
  std::string consent =
      "<div class=\"gdpr-tab-content\"><p>Trang web sử dụng tệp tin để ghi nhớ lựa chọn của bạn, "
      "đo lường lượng truy cập và cải thiện nội dung; bạn có thể bật hoặc tắt từng loại trong "
      "phần cài đặt này.</p><p>Các tệp tin cần thiết luôn được bật vì trang web không thể hoạt "
      "động đúng nếu thiếu chúng, và chúng không lưu thông tin nào nhận dạng được bạn.</p></div>";
  Article a = Generic(Page(
      "<title>Hội nghị tổng kết công tác năm</title>",
      "<div class=\"main\"><h1>Hội nghị tổng kết công tác năm</h1>" + Prose(3) +
          "<section class=\"content-box author-box\"><p>Xin chào, tôi là phóng viên của trang, "
          "chuyên viết về đời sống, văn hóa và những câu chuyện của các làng quê.</p></section>"
          "</div>" +
          consent));
  EXPECT_EQ(a.page_kind, PageKind::kArticle) << a.signals;
  EXPECT_NE(a.body.find("các ban ngành đoàn thể"), std::string::npos) << a.signals;
  EXPECT_EQ(a.body.find("phóng viên của trang"), std::string::npos) << a.body;
  EXPECT_EQ(a.body.find("tệp tin"), std::string::npos) << a.body;
}

// Sections of the text whose template marks them "--ads" (they hold an ad slot) hid most of the
// prose behind a chrome class while a small box outside them looked like the content: the
// chrome reading is relaxed, and the sections are the body.
TEST(GenericMarkupTest, ProseHiddenBehindChromeClassesIsFound) {
  std::string sections;
  for (int i = 0; i < 4; ++i) {
    sections += "<section class=\"Report__Section Report__Section--Ads\"><h2>Phần " +
                std::to_string(i) + "</h2>" + Prose(2) + "<div class=\"ad-slot\"></div></section>";
  }
  Article a = Generic(Page(
      "<title>Hội nghị tổng kết công tác năm</title>",
      "<div class=\"box\"><p>Hội nghị là dịp để nhìn lại một năm làm việc của các ban ngành, và "
      "để cùng đặt ra mục tiêu cho năm tới với tinh thần đoàn kết.</p></div>"
      "<article><h1>Hội nghị tổng kết công tác năm</h1>" +
          sections + "</article>"));
  EXPECT_EQ(a.page_kind, PageKind::kArticle) << a.signals;
  EXPECT_NE(a.body.find("Phần 3"), std::string::npos) << a.signals << "\n" << a.body;
  EXPECT_NE(a.body.find("những khó khăn vướng"), std::string::npos) << a.body;
}

// A headline printed with typographic quotes and apostrophes agrees with an og:title typed in
// ASCII.
TEST(GenericMarkupTest, TypographicQuotesAgreeWithAsciiMetadata) {
  Article a = Generic(
      Page("<title>\"Don't wait\": the council's plan - Portal</title>"
           "<meta property=\"og:title\" content=\"&quot;Don't wait&quot;: the council's plan\">",
           "<div class=\"main\"><h1>“Don’t wait”: the council’s plan</h1>" + Prose(3) + "</div>"));
  EXPECT_NE(a.signals.find("title_meta=1"), std::string::npos) << a.signals;
}

// The caption of the lead picture, between the headline and the text, is no standfirst.
TEST(GenericMarkupTest, LeadPictureCaptionIsNoSummary) {
  Article a = Generic(Page(
      "<title>Hội nghị tổng kết công tác năm</title>",
      "<article><header class=\"content-header\"><h1>Hội nghị tổng kết công tác năm</h1>"
      "<div class=\"lead-asset\"><figure><img src=\"/a.jpg\"><div><p>Quang cảnh hội nghị "
      "tổng kết công tác năm tại hội trường Ủy ban nhân dân xã trong buổi sáng đầu tiên của năm "
      "mới.</p><span>Ảnh: Phòng Văn hóa</span></div></figure></div></header>"
      "<div class=\"body\">" +
          Prose(4) + "</div></article>"));
  EXPECT_EQ(a.summary.find("Quang cảnh"), std::string::npos) << a.summary;
}

}  // namespace
}  // namespace tincrawl

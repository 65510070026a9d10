// The generic extractor's recall rules on small hand-made pages: what chrome classes, sibling
// lists and short lines at the edges of a body may and may not take away.
#include <gtest/gtest.h>

#include <string>

#include "extractors/extract.h"

namespace tincrawl {
namespace {

Article Generic(const std::string& html) {
  ExtractInput in;
  in.bytes = html;
  in.url = "https://blog.example.org/2024/03/hoi-nghi.html";
  in.generic_only = true;
  return Extract(in);
}

std::string Page(const std::string& title, const std::string& body) {
  return "<html lang=\"vi\"><head><meta charset=\"utf-8\"><title>" + title +
         "</title></head><body>" + body + "</body></html>";
}

std::string Links(int n) {
  std::string out = "<ul>";
  for (int i = 0; i < n; ++i) {
    out += "<li><a href=\"/muc-" + std::to_string(i) + "\">Mục " + std::to_string(i) + "</a></li>";
  }
  return out + "</ul>";
}

constexpr const char* kLine1 =
    "Sáng ngày 12/3, Ủy ban nhân dân xã đã tổ chức hội nghị tổng kết công tác năm và triển khai "
    "nhiệm vụ trọng tâm của năm tới với sự tham dự của các ban ngành đoàn thể.";
constexpr const char* kLine2 =
    "Tại hội nghị, các đại biểu đã thảo luận về những kết quả đạt được, những khó khăn vướng mắc "
    "cần tháo gỡ và đề xuất nhiều giải pháp thiết thực cho địa phương.";
constexpr const char* kLine3 =
    "Kết thúc hội nghị, Ủy ban đã khen thưởng các tập thể và cá nhân có thành tích xuất sắc trong "
    "phong trào thi đua yêu nước của năm qua.";

// Blog engines print a post as text and <br> runs inside a "widget" wrapper; with no <p> on the
// page, the chrome class must not hide the only text block (here beside a long link sidebar).
TEST(GenericRecallTest, PostOfBrLinesInsideAWidgetIsExtracted) {
  std::string post = std::string("<div class=\"widget Blog\" id=\"Blog1\"><div class=\"post\">") +
                     "<h3 class=\"post-title\">Hội nghị tổng kết</h3><div class=\"post-body\">" +
                     kLine1 + "<br />" + kLine2 + "<br /><br />" + kLine3 + "</div></div></div>";
  Article a =
      Generic(Page("Hội nghị tổng kết", "<div class=\"widget\">" + Links(150) + "</div>" + post));
  EXPECT_EQ(a.page_kind, PageKind::kArticle) << a.signals;
  EXPECT_NE(a.body.find("khen thưởng các tập thể"), std::string::npos) << a.body;
  EXPECT_EQ(a.body.find("Mục 3"), std::string::npos) << a.body;
}

// hAtom's "hentry" marks the post itself, whatever tag classes ("tag-tin-tuc") sit beside it.
TEST(GenericRecallTest, HentryWithTagClassesIsNoTagCloud) {
  std::string post = std::string("<div class=\"post-7 post hentry category-tin tag-hoi-nghi\">") +
                     "<h1>Hội nghị tổng kết</h1><div class=\"entry\"><ul><li>" + kLine1 +
                     "</li><li>" + kLine2 + "</li></ul></div></div>";
  Article a =
      Generic(Page("Hội nghị tổng kết", post + "<div class=\"links\">" + Links(150) + "</div>"));
  EXPECT_EQ(a.page_kind, PageKind::kArticle) << a.signals;
  EXPECT_NE(a.body.find("giải pháp thiết thực"), std::string::npos) << a.body;
}

// A list of plain text beside the paragraphs (ingredients, figures) belongs to the article; a
// list of links beside them does not.
TEST(GenericRecallTest, PlainTextListBesideTheBodyJoinsIt) {
  std::string items;
  for (const char* item :
       {"Hai ký gạo nếp cái hoa vàng", "Một ký đậu xanh đã đãi vỏ", "Nửa ký thịt ba chỉ",
        "Lá dong rửa sạch, để ráo", "Muối, hạt tiêu", "Lạt giang chẻ mỏng", "Nồi lớn và củi",
        "Hành khô phi thơm", "Khuôn gỗ vuông để gói", "Một ít nước mắm ngon"}) {
    items += std::string("<li>") + item + "</li>";
  }
  std::string body = std::string("<div class=\"recipe\"><h1>Cách gói bánh chưng</h1>") +
                     "<section><h2>Nguyên liệu</h2><ul>" + items + "</ul></section>" +
                     "<div class=\"steps\"><p>" + kLine1 + "</p><p>" + kLine2 + "</p><p>" + kLine3 +
                     "</p><p>" + kLine1 + " Lần hai.</p></div></div>";
  Article a = Generic(Page("Cách gói bánh chưng", Links(10) + body));
  EXPECT_EQ(a.page_kind, PageKind::kArticle) << a.signals;
  EXPECT_NE(a.body.find("Lạt giang chẻ mỏng"), std::string::npos) << a.body;
  EXPECT_EQ(a.body.find("Mục 4"), std::string::npos) << a.body;
}

// Short lines after the last paragraph: a closing sentence stays, labels and buttons go.
TEST(GenericRecallTest, ClosingSentenceStaysLabelsGo) {
  std::string body = std::string("<div class=\"content\"><h1>Hội nghị tổng kết</h1><p>") + kLine1 +
                     "</p><p>" + kLine2 + "</p><p>" + kLine3 +
                     "</p><p>Xin chân thành cảm ơn!</p><p>Chia sẻ bài viết</p></div>";
  Article a = Generic(Page("Hội nghị tổng kết", body));
  EXPECT_NE(a.body.find("Xin chân thành cảm ơn!"), std::string::npos) << a.body;
  EXPECT_EQ(a.body.find("Chia sẻ bài viết"), std::string::npos) << a.body;
}

// A body of short lines (a poem) keeps them all.
TEST(GenericRecallTest, PoemOfShortLinesStaysWhole) {
  std::string poem = "<div class=\"content\"><h1>Quê hương</h1><p>";
  for (const char* line :
       {"Quê hương là chùm khế ngọt", "Cho con trèo hái mỗi ngày", "Quê hương là đường đi học",
        "Con về rợp bướm vàng bay", "Quê hương là con diều biếc", "Tuổi thơ con thả trên đồng"}) {
    poem += std::string(line) + "<br>";
  }
  poem += "</p></div>";
  Article b = Generic(Page("Quê hương", poem));
  EXPECT_NE(b.body.find("Quê hương là chùm khế ngọt"), std::string::npos) << b.body;
}

// An article's own header ("entry-header" inside <article> or <main>) holds its headline and
// standfirst; a site header with the same class outside them stays chrome.
TEST(GenericRecallTest, StandfirstInTheArticleHeaderIsKept) {
  const std::string lead =
      "Hơn hai trăm đại biểu đã về dự hội nghị tổng kết, đánh giá một năm thực hiện các nhiệm vụ "
      "phát triển kinh tế xã hội của xã.";
  std::string body = std::string("<div class=\"site-header\"><p>Cổng thông tin điện tử xã</p>") +
                     Links(6) + "</div><main><article><header class=\"entry-header\">" +
                     "<h1>Hội nghị tổng kết</h1><p class=\"subtitle\">" + lead +
                     "</p></header><div class=\"entry-content\"><p>" + kLine1 + "</p><p>" + kLine2 +
                     "</p><p>" + kLine3 + "</p></div></article></main>";
  Article a = Generic(Page("Hội nghị tổng kết", body));
  EXPECT_EQ(a.page_kind, PageKind::kArticle) << a.signals;
  std::string text = a.summary + "\n" + a.body;
  EXPECT_NE(text.find("Hơn hai trăm đại biểu"), std::string::npos) << text;
  EXPECT_EQ(text.find("Cổng thông tin điện tử xã"), std::string::npos) << text;
}

// Ruby annotations (furigana) are pronunciation, not text: the body reads the base text whole.
TEST(GenericRecallTest, RubyAnnotationsStayOutOfTheText) {
  std::string p =
      "<p>子どもへの<ruby>虐待<rp>(</rp><rt>ぎゃくたい</rt><rp>)</rp></ruby>をなくすための"
      "<ruby>法律<rt>ほうりつ</rt></ruby>ができて、親が子どもを育てる方法を学ぶことに"
      "なりました。</p>";
  std::string body = "<div class=\"content\"><h1>法律</h1>" + p + p + p + "</div>";
  Article a = Generic(Page("法律", body));
  EXPECT_NE(a.body.find("子どもへの虐待をなくすための法律ができて"), std::string::npos) << a.body;
  EXPECT_EQ(a.body.find("ぎゃくたい"), std::string::npos) << a.body;
}

}  // namespace
}  // namespace tincrawl

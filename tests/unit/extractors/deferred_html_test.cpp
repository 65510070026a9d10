#include "extractors/deferred_html.h"

#include <gtest/gtest.h>

#include <string>

namespace tincrawl {
namespace {

std::string Paragraphs() {
  std::string out;
  for (int i = 0; i < 6; ++i) {
    out += "<p>Đoạn văn số " + std::to_string(i) +
           " của bài viết, đủ dài để là một đoạn văn thật sự của bài.</p>";
  }
  return out;
}

TEST(DeferredHtmlTest, UnwrapsAPostInsideItsArticleBodyKeepingTheLength) {
  std::string html =
      "<div class='post-content' itemprop='articleBody'>\n  <SCRIPT type='text/template'>" +
      Paragraphs() + "</SCRIPT></div>";
  const size_t size = html.size();
  EXPECT_EQ(UnwrapDeferredHtml(&html), 1u);
  EXPECT_EQ(html.size(), size);
  EXPECT_EQ(html.find("SCRIPT"), std::string::npos) << html;
  EXPECT_NE(html.find("<div    type='text/template'><p>"), std::string::npos) << html;
  EXPECT_NE(html.find("</p></div   ></div>"), std::string::npos) << html;
}

TEST(DeferredHtmlTest, TextHtmlTypeInAContentElementIsUnwrapped) {
  std::string html =
      "<div class=\"entry\"><script type=\"text/html\">" + Paragraphs() + "</script></div>";
  EXPECT_EQ(UnwrapDeferredHtml(&html), 1u);
}

TEST(DeferredHtmlTest, LeavesEverythingElseAlone) {
  const std::string prose = Paragraphs();
  for (std::string html : {
           // Not inside an element that declares itself the text (a cookie box, a widget).
           "<body><script id=\"CookieBox\" type=\"text/template\">" + prose + "</script>",
           "<div class=\"sidebar\"><script type=\"text/template\">" + prose + "</script></div>",
           // A template still to be filled in.
           "<div class=\"content\"><script type=\"text/template\">{{title}}" + prose +
               "</script></div>",
           "<div class=\"content\"><script type=\"text/template\"><% if (a) { %>" + prose +
               "</script></div>",
           // JavaScript, JSON, or too little to be a post.
           "<div class=\"content\"><script>var html = '" + prose + "';</script></div>",
           "<div class=\"content\"><script type=\"application/ld+json\">" + prose +
               "</script></div>",
           std::string("<div class=\"content\"><script type=\"text/template\"><p>Ngắn.</p>") +
               "</script></div>",
           // No paragraph markup at all.
           "<div class=\"content\"><script type=\"text/template\">" + std::string(600, 'x') +
               "</script></div>",
           // Unterminated.
           "<div class=\"content\"><script type=\"text/template\">" + prose,
       }) {
    const std::string before = html;
    EXPECT_EQ(UnwrapDeferredHtml(&html), 0u) << before;
    EXPECT_EQ(html, before);
  }
}

}  // namespace
}  // namespace tincrawl

#include "extractors/html_guard.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "extractors/dom.h"
#include "extractors/extract.h"

namespace tincrawl {
namespace {

constexpr size_t kNpos = std::string_view::npos;

std::string Repeat(std::string_view unit, size_t times, std::string_view head = {},
                   std::string_view tail = {}) {
  std::string s(head);
  for (size_t i = 0; i < times; ++i) s += unit;
  s += tail;
  return s;
}

// Depth of the tree gumbo builds (document = 0), after DefuseCdata as Extract() does it.
int GumboDepth(std::string_view raw) {
  std::string html(raw);
  DefuseCdata(&html);
  GumboOutputPtr out = ParseHtml(html);
  int best = 0;
  std::vector<std::pair<const GumboNode*, int>> stack{{out->document, 0}};
  while (!stack.empty()) {
    auto [node, depth] = stack.back();
    stack.pop_back();
    best = std::max(best, depth);
    const GumboVector* kids = node->type == GUMBO_NODE_DOCUMENT ? &node->v.document.children
                              : IsElement(node)                 ? &node->v.element.children
                                                                : nullptr;
    for (unsigned i = 0; kids != nullptr && i < kids->length; ++i) {
      stack.push_back({static_cast<const GumboNode*>(kids->data[i]), depth + 1});
    }
  }
  return best;
}

GuardLimits Unlimited() {
  GuardLimits l;
  l.max_depth = 1 << 30;
  l.max_elements = size_t{1} << 40;
  l.max_work = uint64_t{1} << 62;
  return l;
}

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::filesystem::path> NormalPages() {
  std::vector<std::filesystem::path> out;
  for (const char* dir : {TINCRAWL_FIXTURES_DIR "/extract", TINCRAWL_SHARED_DIR "/corpus/real",
                          TINCRAWL_SHARED_DIR "/corpus/seed"}) {
    if (!std::filesystem::is_directory(dir)) continue;
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
      if (e.path().extension() == ".html") out.push_back(e.path());
    }
  }
  return out;
}

// Shapes that walked around the old nesting guard, or that make gumbo superlinear without
// nesting at all. Each is ~1-3 MiB.
std::vector<std::pair<std::string, std::string>> BypassShapes() {
  std::string lexbor;
  for (int i = 0; i < 2000; ++i) lexbor += "<b " + std::to_string(i) + ">";
  for (int i = 0; i < 2000; ++i) lexbor += "<i " + std::to_string(i) + ">";
  lexbor += Repeat("x</b>", 2000);
  std::string attrs = "<div";
  for (int i = 0; i < 100000; ++i) attrs += " a" + std::to_string(i);
  std::string deep_text = Repeat("<div>", 1500, "", "<b>") + std::string(3 << 20, 'x');
  return {
      {"div_stray_end_b", Repeat("<div></b>", 20000)},
      {"comment_prefix", Repeat("<div>", 20000, "<!-->")},
      {"comment_short_dash", Repeat("<div>", 20000, "<!--->")},
      {"comment_with_gt", Repeat("<div>", 20000, "<!-- > -->")},
      {"script_escape", Repeat("<div>", 20000, "<script><!--</script>", "-->")},
      {"style_in_svg", Repeat("<div>", 20000, "<svg><style>", "</style>")},
      {"cdata_outside_svg", Repeat("<div>", 20000, "<![CDATA[", "]]>")},
      {"quoted_gt", Repeat("<div title='>'>", 20000)},
      {"quote_hides_gt", Repeat("<span>", 20000, "<a title=\"><!--\">", "-->")},
      // End tags hidden in comments and quoted values (gumbo 2.1 s a MiB of it, unguarded).
      {"end_tag_in_comment", Repeat("<div><!-- ></div> -->x", 25000)},
      {"end_tag_in_quotes", Repeat("<div title='></div>'>x", 25000)},
      {"attributes_after_quoted_gt", "<div a='>'" + attrs.substr(4) + ">"},
      {"end_tag_attribute_count", "<div>x</div" + attrs.substr(4) + ">"},
      {"svg_void_names", Repeat("<input>", 20000, "<svg>")},
      {"svg_self_closing", Repeat("<path/>", 20000, "<svg>")},
      {"unclosed_a_div", Repeat("<a><div>", 20000)},
      {"formatting_reconstruct", lexbor},
      {"attribute_count", attrs + ">"},
      {"deep_then_text", deep_text},
      {"million_siblings", Repeat("<b>x</b>", 400000)},
      {"nested_tables", Repeat("<table><tr><td>", 20000)},
      {"plaintext_tail", Repeat("<div>", 1500, "<b>", "<plaintext>") + Repeat("<aaaa ", 600000)},
  };
}

TEST(HtmlGuardTest, EveryBypassShapeIsCut) {
  for (const auto& [name, html] : BypassShapes()) {
    GuardResult g = GuardHtml(html);
    EXPECT_NE(g.cut, kNpos) << name;
    EXPECT_NE(g.reason, GuardReason::kNone) << name;
    EXPECT_LE(g.cut, html.size()) << name;
  }
}

// The guard's depth is an upper bound of gumbo's on misnested, hidden and foreign markup.
TEST(HtmlGuardTest, DepthBoundIsNeverBelowGumbosDepth) {
  std::vector<std::string> docs;
  for (const char* unit :
       {"<div></b>", "<p><div>", "<p><li>", "<li><p>", "<dd><dt><p>", "<td><p>", "<tr><td>",
        "<table><td>", "<table><tr><td><div>", "<a><div>", "<b><p></b>", "<p><b></p>x",
        "<div><span></div>", "<select><option><div>", "<svg><b>", "<svg><g></svg><span>",
        "<math><mi><div>", "<svg><foreignObject><div>", "<h1><h2>", "<option><optgroup>",
        "<button><div>", "<nobr><nobr><p>", "<font color=red><td>", "<col><div>", "<form><div>",
        "<template><div>", "<frameset><div>", "<caption><p>", "<tbody><tr><p>", "<ul><li><ol>",
        "<!--<div>--><span>", "<script>\"<div>\"</script><i>", "<textarea><b></textarea><u>",
        "<title></title><s>", "<xmp><div></xmp><p>", "<noscript><div>", "<image><isindex><b>",
        "<table><tr><td>x</table><span>", "<table><tr><td><div></table>", "<p><table></table>",
        "<table><td><template><tr></table>", "<table><tr><td><!-- > <table> --></table><i>",
        "<table><caption><tr></table>", "<select><table><tr></table>", "<svg><td></table>",
        "<math><tr></table><mi>",
        // '>' inside a comment or a quoted value ends nothing: the end tags
        // after it are text to gumbo and must not pop the model's stack.
        "<div><!-- ></div> -->", "<div><!-- -></div> --->", "<div><!--- </div> --!>",
        "<div><!-->x</div>", "<div title='></div>'>", "<div title=\"></div>\">",
        "<div a= '></div>' b=\"'\">", "<div></div title='>'><div>", "<div a=b'></div>",
        "<div><script></div></script>", "<div><style></div></style>",
        "<div><textarea></div></textarea>", "<div><title></div></title>", "<div><xmp></div></xmp>",
        "<div><iframe></div></iframe>", "<div><noembed></div></noembed>",
        "<div><noframes></div></noframes>", "<div><noscript></div></noscript>"}) {
    docs.push_back(Repeat(unit, 300));
    docs.push_back(Repeat(unit, 300, "<!DOCTYPE html>"));
  }
  // Self-closing tags where gumbo does not self-close, or after gumbo left the foreign content
  // that the model still holds open.
  for (const char* unit :
       {"<svg><g></svg><path/>", "<svg><g></g></div><path/>", "<svg><div></div><path/>",
        "<svg><p/><path/>", "<svg><font color=red/><g/>", "<svg><g a=\"/>\">", "<svg><g a=b/>",
        "<svg><g a='/'/><g>", "<svg><foreignObject><div/>", "<svg><desc><p/><span/>",
        "<math><mi><div/>", "<math><annotation-xml encoding=text/html><div/>", "<svg/><path/>",
        "<math/><mi/><div>", "<svg><use/></svg><div>"}) {
    docs.push_back(Repeat(unit, 300));
    docs.push_back(Repeat(unit, 300, "<!DOCTYPE html>"));
  }
  std::string lexbor;
  for (int i = 0; i < 100; ++i) lexbor += "<b " + std::to_string(i) + ">";
  for (int i = 0; i < 100; ++i) lexbor += "<i " + std::to_string(i) + ">";
  docs.push_back(lexbor + Repeat("x</b>", 100));
  for (const auto& [name, html] : BypassShapes()) {
    if (html.size() < (200u << 10)) docs.push_back(html.substr(0, 20000));
  }
  for (const std::string& doc : docs) {
    GuardResult g = GuardHtml(doc, Unlimited());
    ASSERT_EQ(g.cut, kNpos);
    EXPECT_GE(g.max_depth, GumboDepth(doc)) << doc.substr(0, 60);
  }
}

// The same on random soups of the tokens that change gumbo's stack (fixed seed, so a failure
// reproduces; fuzz/html_guard_fuzzer.cpp explores further).
TEST(HtmlGuardTest, DepthBoundHoldsOnRandomTagSoup) {
  static constexpr std::string_view kTokens[] = {"<div>",
                                                 "</div>",
                                                 "<b>",
                                                 "</b>",
                                                 "<i class=x>",
                                                 "</i>",
                                                 "<a>",
                                                 "</a>",
                                                 "<p>",
                                                 "</p>",
                                                 "<li>",
                                                 "<ul>",
                                                 "</ul>",
                                                 "<table>",
                                                 "</table>",
                                                 "<tr>",
                                                 "<td>",
                                                 "</td>",
                                                 "</tr>",
                                                 "<th>",
                                                 "<tbody>",
                                                 "<caption>",
                                                 "<svg>",
                                                 "</svg>",
                                                 "<math>",
                                                 "<mi>",
                                                 "<foreignObject>",
                                                 "<path/>",
                                                 "<svg/>",
                                                 "<g/>",
                                                 "<g a=\"/>\">",
                                                 "<g a=b/>",
                                                 "</g>",
                                                 "<div/>",
                                                 "<desc>",
                                                 "<![CDATA[",
                                                 "]]>",
                                                 "<!--",
                                                 "-->",
                                                 "<!-->",
                                                 "<script>",
                                                 "</script>",
                                                 "<style>",
                                                 "</style>",
                                                 "<textarea>",
                                                 "</textarea>",
                                                 "<title>",
                                                 "<template>",
                                                 "</template>",
                                                 "<select>",
                                                 "<option>",
                                                 "<optgroup>",
                                                 "<font color=red>",
                                                 "<nobr>",
                                                 "<button>",
                                                 "<h1>",
                                                 "</h2>",
                                                 "<dd>",
                                                 "<dt>",
                                                 "<form>",
                                                 "</form>",
                                                 "<br>",
                                                 "</br>",
                                                 "<input>",
                                                 "<col>",
                                                 "<frameset>",
                                                 "<body a>",
                                                 "<html b>",
                                                 "x",
                                                 " ",
                                                 ">",
                                                 "<",
                                                 "\"",
                                                 "'",
                                                 "<span title='>'>",
                                                 "</span>"};
  uint64_t state = 0x2545F4914F6CDD1Dull;
  auto next = [&] {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  for (int doc_i = 0; doc_i < 3000; ++doc_i) {
    std::string doc = doc_i % 2 ? "<!DOCTYPE html>" : "";
    for (int t = 0; t < 120; ++t) doc += kTokens[next() % std::size(kTokens)];
    GuardResult g = GuardHtml(doc, Unlimited());
    ASSERT_GE(g.max_depth, GumboDepth(doc)) << doc;
  }
}

// Inline SVG icons close themselves ("<path .../>", "<use .../>"): a page with 600 of them in its
// menus and share bars (1,800 self-closing tags) is parsed whole, and its article extracted.
TEST(HtmlGuardTest, PageOfSvgIconsPassesWhole) {
  const std::string icon =
      "<a href=/s><svg class=\"icon\" viewBox=\"0 0 24 24\" aria-hidden=true><path "
      "d=\"M12 2a10 10 0 1 0 0 20\"/><use xlink:href='#i-share'/><circle cx=1 cy=2 r=3 "
      "/></svg></a>";
  std::string html = "<!DOCTYPE html><html><head><title>Lễ hội</title></head><body><svg/>";
  html += "<ul class=menu>" + Repeat("<li>" + icon + "Mục", 500) + "</ul>";
  html += "<article><h1>Lễ hội truyền thống</h1>";
  for (int i = 0; i < 5; ++i) {
    html +=
        "<p>Sáng nay, đông đảo người dân và du khách đã về dự lễ hội truyền thống của "
        "phường, một trong những lễ hội lớn nhất vùng đồng bằng " +
        std::to_string(i) + ".</p>";
  }
  html += "</article>" + Repeat(icon, 100) + "</body></html>";
  GuardResult g = GuardHtml(html);
  EXPECT_EQ(g.cut, kNpos);
  EXPECT_EQ(g.reason, GuardReason::kNone);
  EXPECT_GE(g.max_depth, GumboDepth(html));
  ExtractInput in;
  in.bytes = html;
  Article a = Extract(in);
  EXPECT_EQ(a.guard, "");
  EXPECT_NE(a.body.find("đồng bằng 4."), std::string::npos);
}

// What the model believes about foreign content is bounded: self-closing tags under an <svg> it
// sees but gumbo does not (here inside a comment, where gumbo nests them as HTML elements) are
// excused up to max_depth only, and all of them count as open in the work estimate.
TEST(HtmlGuardTest, ForeignSelfClosingIsBelievedWithinLimits) {
  for (const std::string& html :
       {Repeat("<path/>", 20000, "<div><!-- ><svg> -->"),
        Repeat("<path/>", 20000, "<div title='><svg>'>"), Repeat("<path/>", 20000, "<svg>"),
        Repeat("<svg><g a=\"/>\">", 20000), Repeat("<svg><p/><path/>", 20000)}) {
    GuardResult g = GuardHtml(html);
    ASSERT_NE(g.cut, kNpos) << html.substr(0, 40);
    EXPECT_EQ(g.reason, GuardReason::kDepth) << html.substr(0, 40);
    EXPECT_LE(GumboDepth(html.substr(0, g.cut)), 2 * GuardLimits().max_depth + 8)
        << html.substr(0, 40);
  }
  // "<svg/>" really is an empty element, a million of them nest nothing.
  GuardResult flat = GuardHtml(Repeat("<svg/>", 100000));
  EXPECT_EQ(flat.cut, kNpos);
  EXPECT_LT(flat.max_depth, 16);
  GuardResult work = GuardHtml(Repeat("<svg><path/></svg>", 2000, "", "<b>") + "x");
  GuardResult plain = GuardHtml(Repeat("<svg></svg>", 2000, "", "<b>") + "x");
  EXPECT_GT(work.work, plain.work + 2000 * 2000);  // The believed tags cost as if open.
}

TEST(HtmlGuardTest, NormalPagesAreUntouched) {
  std::vector<std::filesystem::path> pages = NormalPages();
  ASSERT_GE(pages.size(), 4u);
  for (const auto& path : pages) {
    std::string html = ReadFile(path);
    GuardResult g = GuardHtml(html);
    EXPECT_EQ(g.cut, kNpos) << path;
    EXPECT_EQ(g.reason, GuardReason::kNone) << path;
    EXPECT_LT(g.max_depth, 100) << path;
    ExtractInput in;
    in.bytes = html;
    EXPECT_EQ(Extract(in).guard, "") << path;
  }
}

// A 2 MiB article page of dense ordinary markup (about twice the elements per byte of the real
// pages) passes whole: the caps sit
// far above real pages (paragraphs, inline formatting, links, a long table, unclosed <p>/<li>).
TEST(HtmlGuardTest, BigOrdinaryArticlePassesWhole) {
  std::string html = "<!DOCTYPE html><html><head><title>Thông báo</title></head><body>";
  html += "<div id=header><ul class=menu><li><a href=/a>Giới thiệu<li><a href=/b>Tin tức</ul>";
  html += "<div class=content><h1>Thông báo kết quả</h1>";
  for (int i = 0; html.size() < (2u << 20); ++i) {
    html += "<p>Ngày <strong>" + std::to_string(i % 28 + 1) +
            "/3/2024</strong>, Sở <a href=\"/tin/" + std::to_string(i) +
            "\">Thông tin và Truyền thông</a> tổ chức hội nghị<br><em>(có ảnh)</em>";
    if (i % 50 == 0) {
      html += "<table class=list><tr><th>STT<th>Nội dung";
      for (int r = 0; r < 20; ++r) html += "<tr><td>" + std::to_string(r) + "<td>Văn bản</td>";
      html += "</table>";
    }
  }
  html += "</div></body></html>";
  GuardResult g = GuardHtml(html);
  EXPECT_EQ(g.cut, kNpos);
  EXPECT_LT(g.max_depth, 100);
  EXPECT_LT(g.work, GuardLimits().max_work / 2);
  EXPECT_LT(g.elements, GuardLimits().max_elements);
}

// Real pages back to back (each copy leaves its stray tags open, so the bound drifts up) still
// pass whole up to 2 MiB.
TEST(HtmlGuardTest, RealPagesBackToBackPassWhole) {
  std::string html;
  std::vector<std::filesystem::path> pages = NormalPages();
  ASSERT_FALSE(pages.empty());
  for (size_t i = 0; html.size() < (2u << 20); ++i) html += ReadFile(pages[i % pages.size()]);
  EXPECT_EQ(GuardHtml(html).cut, kNpos);
}

TEST(HtmlGuardTest, CutKeepsTheTextBeforeTheBadPart) {
  std::string good =
      "<html><head><title>Hội nghị tổng kết</title></head><body><h1>Hội nghị tổng kết công tác "
      "năm 2024</h1><div class=content>";
  for (int i = 0; i < 6; ++i) {
    good +=
        "<p>Uỷ ban nhân dân tỉnh tổ chức hội nghị tổng kết công tác năm và triển khai nhiệm "
        "vụ năm mới với sự tham dự của lãnh đạo các sở, ngành số " +
        std::to_string(i) + ".</p>";
  }
  std::string html = good + Repeat("<div></b>", 50000) + "<p>after</p>";
  GuardResult g = GuardHtml(html);
  ASSERT_NE(g.cut, kNpos);
  EXPECT_EQ(g.reason, GuardReason::kDepth);
  EXPECT_GE(g.cut, good.size());
  EXPECT_EQ(html[g.cut], '<');

  ExtractInput in;
  in.bytes = html;
  Article a = Extract(in);
  EXPECT_EQ(a.guard, "depth");
  EXPECT_EQ(a.title, "Hội nghị tổng kết công tác năm 2024");
  EXPECT_NE(a.body.find("ngành số 5."), std::string::npos);
  EXPECT_EQ(a.body.find("after"), std::string::npos);
  EXPECT_NE(ArticleToJson(a).find("\"guard\":\"depth\""), std::string::npos);
}

TEST(HtmlGuardTest, TextCutLandsOnACharacterBoundary) {
  std::string html = Repeat("<div>", 100, "", "<b>") + Repeat("ạ", 3 << 20);
  GuardLimits limits;
  limits.max_work = 1000000;
  GuardResult g = GuardHtml(html, limits);
  ASSERT_NE(g.cut, kNpos);
  EXPECT_EQ(g.reason, GuardReason::kWork);
  EXPECT_NE(static_cast<unsigned char>(html[g.cut]) & 0xC0, 0x80);
}

// Gumbo 0.10.1 aborts the process on these (parser.c:3071); Extract() must not.
TEST(HtmlGuardTest, CdataInForeignContentInATableDoesNotAbort) {
  for (std::string html : {"<table><svg><desc><![CDATA[x]]>y", "<table><math><mtext><![CDATA[<]]><",
                           "<p>Tin</p><table><tr><td><svg><desc><![CDATA[a]]>b</desc></svg>"}) {
    ExtractInput in;
    in.bytes = html;
    EXPECT_EQ(Extract(in).page_kind, PageKind::kOther);
    GuardResult before = GuardHtml(html);
    EXPECT_EQ(DefuseCdata(&html), 1u);
    EXPECT_NE(html.find("<!-CDATA["), std::string::npos);
    EXPECT_EQ(GuardHtml(html).work, before.work);  // The guard reads both spellings alike.
  }
}

// Pages that trip one of gumbo's internal assertions (Debian keeps them on) end as "parser"
// instead of aborting the process, and the next page on the same thread parses normally.
TEST(HtmlGuardTest, GumboAssertionEndsThePageNotTheProcess) {
  for (int round = 0; round < 3; ++round) {
    ExtractInput bad;
    bad.bytes = "<table><svg><select/a><desc><select><th>";
    const Article a = Extract(bad);
    EXPECT_EQ(a.guard, "parser");
    EXPECT_EQ(a.page_kind, PageKind::kOther);
    ExtractInput good;
    good.bytes = "<html><head><title>Tin</title></head><body><p>Một hai ba.</p></body></html>";
    EXPECT_TRUE(Extract(good).guard.empty());
  }
}

TEST(HtmlGuardTest, ReasonsHaveMetricSlugs) {
  EXPECT_STREQ(GuardReasonName(GuardReason::kNone), "");
  EXPECT_STREQ(GuardReasonName(GuardReason::kDepth), "depth");
  EXPECT_STREQ(GuardReasonName(GuardReason::kElements), "elements");
  EXPECT_STREQ(GuardReasonName(GuardReason::kWork), "work");
  GuardResult g = GuardHtml(Repeat("<br>", 200000));
  EXPECT_EQ(g.reason, GuardReason::kElements);
}

}  // namespace
}  // namespace tincrawl

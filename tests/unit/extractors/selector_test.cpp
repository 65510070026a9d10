#include "extractors/selector.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "extractors/dom.h"

namespace tincrawl {
namespace {

constexpr char kDoc[] = R"(<html><body>
<div id="main" class="a b" data-x="one two" lang="vi-VN">
  <p class="lead">p1</p>
  <div class="inner"><p id="p2" class="lead x">p2</p><span title="Hello World">s1</span></div>
  <ul class="menu"><li><a href="/a.pdf">doc</a></li><li><a href="http://x.gov.vn/b">b</a></li></ul>
</div>
<DIV class="tandan-p-article-news-title" id="dnn_ctr123_View_lblTitle">t</DIV>
<o:p>office</o:p>
</body></html>)";

// Text of every match, space-joined, so each table row states its expectation compactly.
std::string MatchTexts(const Selector& sel, const GumboNode* root) {
  std::string out;
  for (const GumboNode* n : sel.SelectAll(root)) {
    if (!out.empty()) out += ' ';
    out += NodeText(n).empty() ? std::string(TagName(n)) : NodeText(n);
  }
  return out;
}

struct Case {
  const char* selector;
  const char* want;
};

class SelectorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    html_ = kDoc;
    output_ = ParseHtml(html_);
  }
  const GumboNode* root() const { return output_->root; }
  std::string html_;
  GumboOutputPtr output_;
};

TEST_F(SelectorTest, ValidSelectorsMatchExpectedElements) {
  const std::vector<Case> cases = {
      {"p", "p1 p2"},
      {"P", "p1 p2"},
      {"span", "s1"},
      {".lead", "p1 p2"},
      {"p.lead.x", "p2"},
      {"#p2", "p2"},
      {"div#main.a.b > p", "p1"},
      {"div#main p", "p1 p2"},
      {"#main > .inner > p", "p2"},
      {"div > p.lead", "p1 p2"},
      {"[title]", "s1"},
      {"[title=\"Hello World\"]", "s1"},
      {"[title='Hello World']", "s1"},
      {"[data-x~=two]", "p1 p2 s1 doc b"},  // The whole div#main.
      {"[data-x~=tw]", ""},
      {"a[href$=.pdf]", "doc"},
      {"a[href^=http]", "b"},
      {"[id*=_lblTitle]", "t"},
      {"[class*=article-news]", "t"},
      {"div.tandan-p-article-news-title", "t"},
      {"p:not(.x)", "p1"},
      {"p:not(.x, #nope)", "p1"},
      {"li:not(:not(li))", "doc b"},
      {"ul.menu a, span", "s1 doc b"},
      {"span , #p2", "p2 s1"},
      {"* > span", "s1"},
      {"o\\:p", "office"},
      {"body > div > div > span", "s1"},
      {"table", ""},
      {"[lang|=vi]", ""},
  };
  for (const Case& c : cases) {
    std::string error;
    auto sel = Selector::Parse(c.selector, &error);
    if (std::string_view(c.selector) == "[lang|=vi]") {
      EXPECT_EQ(sel, nullptr) << "|= is not supported";
      continue;
    }
    ASSERT_NE(sel, nullptr) << c.selector << ": " << error;
    EXPECT_EQ(MatchTexts(*sel, root()), c.want) << c.selector;
  }
}

TEST_F(SelectorTest, DescendantMatchingDoesNotMatchAttributeSubstringsOfClasses) {
  std::string error;
  auto sel = Selector::Parse(".lea", &error);
  ASSERT_NE(sel, nullptr);
  EXPECT_EQ(MatchTexts(*sel, root()), "");
}

TEST_F(SelectorTest, SelectFirstAndMatches) {
  std::string error;
  auto sel = Selector::Parse("p.lead", &error);
  ASSERT_NE(sel, nullptr);
  const GumboNode* first = sel->SelectFirst(root());
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(NodeText(first), "p1");
  EXPECT_TRUE(sel->Matches(first));
  auto none = Selector::Parse("article", &error);
  EXPECT_EQ(none->SelectFirst(root()), nullptr);
}

TEST(SelectorParseTest, InvalidSelectorsNameTheColumn) {
  const std::vector<Case> cases = {
      {"", "empty selector at column 1"},
      {"   ", "empty selector at column 1"},
      {"div >", "unexpected end of selector at column 6"},
      {"> p", "unexpected '>' at column 1"},
      {"p,", "unexpected end of selector at column 3"},
      {",p", "unexpected ',' at column 1"},
      {"div)", "unexpected ')' at column 4"},
      {"p:not(.a", "unexpected end of selector at column 9"},
      {"p:not()", "unexpected ')' at column 7"},
      {"a[href", "unexpected end of selector at column 7"},
      {"a[href=]", "unexpected ']' at column 8"},
      {"a[href=\"x]", "unexpected end of selector at column 11"},
      {"a[href!=x]", "unexpected '!' at column 7"},
      {"p:first-child", "unsupported pseudo-class ':first-child' at column 2"},
      {"div..a", "unexpected '.' at column 5"},
      {"#", "unexpected end of selector at column 2"},
      {"p + q", "unexpected '+' at column 3"},
  };
  for (const Case& c : cases) {
    std::string error;
    EXPECT_EQ(Selector::Parse(c.selector, &error), nullptr) << c.selector;
    EXPECT_EQ(error, c.want) << c.selector;
  }
}

TEST(SelectorParseTest, DeepNotNestingIsRejectedNotRecursedForever) {
  std::string text;
  for (int i = 0; i < 100; ++i) text += ":not(";
  text += "p";
  for (int i = 0; i < 100; ++i) text += ")";
  std::string error;
  EXPECT_EQ(Selector::Parse(text, &error), nullptr);
  EXPECT_NE(error.find("nested too deeply"), std::string::npos) << error;
}

TEST(SelectorMatchTest, DeepTreeDescendantChainIsFast) {
  std::string html;
  for (int i = 0; i < 2000; ++i) html += "<div>";
  html += "<span>x</span>";
  auto output = ParseHtml(html);
  std::string error;
  auto sel = Selector::Parse("div div div div div div div div p span", &error);
  ASSERT_NE(sel, nullptr);
  EXPECT_TRUE(sel->SelectAll(output->root).empty());
  auto hit = Selector::Parse("div div div div span", &error);
  EXPECT_EQ(hit->SelectAll(output->root).size(), 1u);
}

}  // namespace
}  // namespace tincrawl

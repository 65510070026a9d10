#include "crawler/pipeline/link_scan.h"

#include <gtest/gtest.h>

#include <string>

namespace tincrawl {
namespace {

TEST(LinkScanTest, FindsAnchorsAreasFeedsAndBase) {
  const std::string html =
      "<html><head><base href='http://x.gov.vn/a/'>"
      "<link rel=\"alternate\" type=\"application/rss+xml\" href=\"/rss\">"
      "<link rel=stylesheet href=/s.css></head><body>"
      "<a href=\"/tin/1.html\">Một</a><A HREF='tin/2.html'>Hai</A>"
      "<a href=/tin/3.html?a=1&amp;b=2>Ba</a><map><area href=\"/ban-do\"></map>"
      "<a name=top>no href</a></body></html>";
  ScannedLinks links = ScanLinks(html);
  EXPECT_EQ(links.base_href, "http://x.gov.vn/a/");
  ASSERT_EQ(links.feeds.size(), 1u);
  EXPECT_EQ(links.feeds[0], "/rss");
  EXPECT_EQ(links.hrefs, (std::vector<std::string>{"/tin/1.html", "tin/2.html",
                                                   "/tin/3.html?a=1&b=2", "/ban-do"}));
}

TEST(LinkScanTest, SkipsScriptsCommentsAndNonHttpTargets) {
  const std::string html =
      "<script>var s = '<a href=\"/in-script\">';</script><!-- <a href=/in-comment> -->"
      "<style>a[href='/in-style']{}</style><a href=\"javascript:void(0)\">x</a>"
      "<a href='mailto:a@b.vn'>m</a><a href='#top'>t</a><a href=' /spaced '>s</a>"
      "<a href=\"/&#7889;&#x20;&#0;\">e</a>";
  ScannedLinks links = ScanLinks(html);
  EXPECT_EQ(links.hrefs, (std::vector<std::string>{"/spaced", "/ố \xEF\xBF\xBD"}));
}

TEST(LinkScanTest, BrokenMarkupNeverReadsPastTheEnd) {
  for (const std::string html : {"<a href=\"/unterminated", "<a href=", "<a", "<", "<!--",
                                 "<script>never closed", "<a href='/x'"}) {
    ScannedLinks links = ScanLinks(html);
    EXPECT_LE(links.hrefs.size(), 1u) << html;
  }
  EXPECT_EQ(ScanLinks("<a href='/x'").hrefs, std::vector<std::string>{"/x"});
}

TEST(LinkScanTest, CapsTheNumberOfLinks) {
  std::string html;
  for (int i = 0; i < 100; ++i) html += "<a href=/p" + std::to_string(i) + ">x</a>";
  EXPECT_EQ(ScanLinks(html, 10).hrefs.size(), 10u);
}

}  // namespace
}  // namespace tincrawl

#include "crawler/url/url.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace tincrawl {
namespace {

struct NormalizeCase {
  const char* in;
  const char* want;  // nullptr = rejected.
};

const NormalizeCase kNormalizeCases[] = {
    {"http://example.gov.vn", "http://example.gov.vn/"},
    {"HTTP://Example.GOV.vn/Path", "http://example.gov.vn/Path"},
    {"http://example.gov.vn:80/a", "http://example.gov.vn/a"},
    {"https://example.gov.vn:443/a", "https://example.gov.vn/a"},
    {"https://example.gov.vn:8443/a", "https://example.gov.vn:8443/a"},
    {"http://example.gov.vn:0080/a", "http://example.gov.vn/a"},
    {"http://example.gov.vn:/a", "http://example.gov.vn/a"},
    {"http://example.gov.vn/a%2fb", "http://example.gov.vn/a%2Fb"},
    {"http://example.gov.vn/%7Euser/%41bc", "http://example.gov.vn/~user/Abc"},
    {"http://example.gov.vn/a b", "http://example.gov.vn/a%20b"},
    {"http://example.gov.vn/tin-tức", "http://example.gov.vn/tin-t%E1%BB%A9c"},
    {"http://example.gov.vn/100%", "http://example.gov.vn/100%25"},
    {"http://example.gov.vn/a/./b/../c", "http://example.gov.vn/a/c"},
    {"http://example.gov.vn/a/b/..", "http://example.gov.vn/a/"},
    {"http://example.gov.vn/../../x", "http://example.gov.vn/x"},
    {"http://example.gov.vn/%2E%2E/x", "http://example.gov.vn/x"},
    {"http://example.gov.vn/a\\b", "http://example.gov.vn/a/b"},
    {"http://example.gov.vn/a#frag", "http://example.gov.vn/a"},
    {"http://example.gov.vn/a?#frag", "http://example.gov.vn/a"},
    {"http://example.gov.vn/a?", "http://example.gov.vn/a"},
    {"http://example.gov.vn/a?b=2&a=1", "http://example.gov.vn/a?a=1&b=2"},
    {"http://example.gov.vn/a?x=1&&y=2&", "http://example.gov.vn/a?x=1&y=2"},
    {"http://example.gov.vn/a?utm_source=fb&utm_medium=x&id=5", "http://example.gov.vn/a?id=5"},
    {"http://example.gov.vn/a?fbclid=abc", "http://example.gov.vn/a"},
    {"http://example.gov.vn/a?gclid=1&nid=2", "http://example.gov.vn/a?nid=2"},
    {"http://example.gov.vn/a.aspx?__VIEWSTATE=xyz&nid=9", "http://example.gov.vn/a.aspx?nid=9"},
    {"http://example.gov.vn/a.aspx?__EVENTVALIDATION=1&__EVENTTARGET=2",
     "http://example.gov.vn/a.aspx"},
    {"http://example.gov.vn/a?ASP.NET_SessionId=zz&p=1", "http://example.gov.vn/a?p=1"},
    {"http://example.gov.vn/a?PHPSESSID=1&sid=2&SID=3", "http://example.gov.vn/a"},
    {"http://example.gov.vn/a;jsessionid=ABC123?x=1", "http://example.gov.vn/a?x=1"},
    {"http://example.gov.vn/a;JSESSIONID=ABC/b", "http://example.gov.vn/a/b"},
    {"http://example.gov.vn/a;v=1/b", "http://example.gov.vn/a;v=1/b"},
    {"http://example.gov.vn/a?q=a+b&r=%c3%a9", "http://example.gov.vn/a?q=a+b&r=%C3%A9"},
    {"http://example.gov.vn/a?q=x y", "http://example.gov.vn/a?q=x%20y"},
    {"http://example.gov.vn/a?zarsrc=30&utm_campaign=z", "http://example.gov.vn/a"},
    {"https://a.gov.vn/qlttps/-/view_content/3675807-x.html?redirect=https%3A%2F%2Fa.gov.vn"
     "%2Fqlttps%3F_101_cur%3D1",
     "https://a.gov.vn/qlttps/-/view_content/3675807-x.html"},
    {"http://a.vn/x?_101_INSTANCE_ab_redirect=%2F&b=1", "http://a.vn/x?b=1"},
    {"http://user:pw@example.gov.vn/a", "http://example.gov.vn/a"},
    {"http://example.gov.vn./a", "http://example.gov.vn/a"},
    {"http://255../a", "http://255../a"},  // "255" would be another host, an IPv4 address.
    {"http://bộ-y-tế.vn/", "http://xn--b-y-t-s61b7g.vn/"},
    {"http://Bộ-Y-Tế.vn/", "http://xn--b-y-t-s61b7g.vn/"},
    {"http://[2001:DB8::1]:8080/a", "http://[2001:db8::1]:8080/a"},
    {"  http://example.gov.vn/a\n/b  ", "http://example.gov.vn/a/b"},
    {"ftp://example.gov.vn/a", nullptr},
    {"mailto:a@b.vn", nullptr},
    {"javascript:void(0)", nullptr},
    {"/relative/path", nullptr},
    {"http:///nohost", "http://nohost/"},  // WHATWG: extra slashes before the host are ignored.
    {"http://exa mple.vn/", nullptr},
    {"http://example.gov.vn:99999/", nullptr},
    {"http://example.gov.vn:8a/", nullptr},
};

class NormalizeTest : public ::testing::TestWithParam<NormalizeCase> {};

TEST_P(NormalizeTest, Normalizes) {
  const NormalizeCase& c = GetParam();
  const UrlNormalizer normalizer;
  const std::optional<std::string> got = normalizer.Normalize(c.in);
  if (c.want == nullptr) {
    EXPECT_FALSE(got.has_value()) << c.in << " -> " << got.value_or("");
  } else {
    ASSERT_TRUE(got.has_value()) << c.in;
    EXPECT_EQ(*got, c.want) << c.in;
    EXPECT_EQ(normalizer.Normalize(*got), *got) << "not idempotent: " << c.in;
  }
}

INSTANTIATE_TEST_SUITE_P(Table, NormalizeTest, ::testing::ValuesIn(kNormalizeCases));

struct ResolveCase {
  const char* base;
  const char* ref;
  const char* want;
};

// RFC 3986 section 5.4 examples (base "http://a/b/c/d;p?q") plus portal shapes.
const ResolveCase kResolveCases[] = {
    {"http://a/b/c/d;p?q", "g", "http://a/b/c/g"},
    {"http://a/b/c/d;p?q", "./g", "http://a/b/c/g"},
    {"http://a/b/c/d;p?q", "g/", "http://a/b/c/g/"},
    {"http://a/b/c/d;p?q", "/g", "http://a/g"},
    {"http://a/b/c/d;p?q", "//g", "http://g/"},
    {"http://a/b/c/d;p?q", "?y", "http://a/b/c/d;p?y"},
    {"http://a/b/c/d;p?q", "g?y", "http://a/b/c/g?y"},
    {"http://a/b/c/d;p?q", "#s", "http://a/b/c/d;p?q"},
    {"http://a/b/c/d;p?q", "", "http://a/b/c/d;p?q"},
    {"http://a/b/c/d;p?q", ".", "http://a/b/c/"},
    {"http://a/b/c/d;p?q", "..", "http://a/b/"},
    {"http://a/b/c/d;p?q", "../g", "http://a/b/g"},
    {"http://a/b/c/d;p?q", "../..", "http://a/"},
    {"http://a/b/c/d;p?q", "../../../g", "http://a/g"},
    {"http://a/b/c/d;p?q", "g;x=1/../y", "http://a/b/c/y"},
    {"http://a/b/c/d;p?q", "https://other.vn/x", "https://other.vn/x"},
    {"https://quangninh.gov.vn/Trang/Tin-tuc-su-kien.aspx",
     "ChiTietTinTuc.aspx?nid=123&utm_source=zalo",
     "https://quangninh.gov.vn/Trang/ChiTietTinTuc.aspx?nid=123"},
    {"https://x.gov.vn/portal/Pages/Trang-chu.aspx", "  2024-1-2/Tin.aspx\n",
     "https://x.gov.vn/portal/Pages/2024-1-2/Tin.aspx"},
    {"https://x.gov.vn/", "//x.gov.vn/a", "https://x.gov.vn/a"},
};

TEST(ResolveTest, Table) {
  const UrlNormalizer normalizer;
  for (const ResolveCase& c : kResolveCases) {
    EXPECT_EQ(normalizer.Resolve(c.base, c.ref).value_or("<none>"), c.want)
        << c.base << " + " << c.ref;
  }
  EXPECT_FALSE(normalizer.Resolve("http://a/b", "mailto:x@y.vn").has_value());
  EXPECT_FALSE(normalizer.Resolve("http://a/b", "javascript:__doPostBack('x','')").has_value());
  EXPECT_FALSE(normalizer.Resolve("not a url", "g").has_value());
}

// Issue 14: links that portals written for old browsers publish, resolved as a browser does.
TEST(ResolveTest, AsBrowsers) {
  const UrlNormalizer n;
  const std::string base = "https://a.gov.vn/tin/list.aspx";
  EXPECT_EQ(n.Resolve(base, "\\\\x.vn\\hello").value_or(""), "https://x.vn/hello");
  EXPECT_EQ(n.Resolve(base, "\\/\\/cdn.b.vn/y.jpg").value_or(""), "https://cdn.b.vn/y.jpg");
  EXPECT_EQ(n.Resolve(base, "///example.org/path").value_or(""), "https://example.org/path");
  EXPECT_EQ(n.Resolve(base, "https:/example.com/").value_or(""), "https://a.gov.vn/example.com/");
  EXPECT_EQ(n.Resolve(base, "https:foo.com").value_or(""), "https://a.gov.vn/tin/foo.com");
  EXPECT_EQ(n.Normalize("http:/example.com/").value_or(""), "http://example.com/");
  EXPECT_EQ(n.Normalize("http://192.0x00A80001/").value_or(""), "http://192.168.0.1/");
  EXPECT_EQ(n.Normalize("http://999999999/").value_or(""), "http://59.154.201.255/");
  EXPECT_EQ(n.Normalize("http://0300.0250.1/").value_or(""), "http://192.168.0.1/");
  EXPECT_EQ(n.Normalize("http://[1:0::]/").value_or(""), "http://[1::]/");
  EXPECT_EQ(n.Normalize("http://[0:0:0:0:0:ffff:1.2.3.4]/").value_or(""),
            "http://[::ffff:102:304]/");
  EXPECT_FALSE(n.Normalize("http://[www.google.com]/").has_value());
  EXPECT_FALSE(n.Normalize("http://256.256.256.256/").has_value());
  EXPECT_FALSE(n.Normalize("http://a<b.vn/").has_value());
  EXPECT_FALSE(n.Normalize("http://a.vn:65536/").has_value());
}

// The request form keeps what a server can tell apart (issue 14, "Identity and fetch form are
// two things").
TEST(FetchFormTest, QueryStaysAsPublished) {
  const char* kAsPublished[] = {
      "https://a.gov.vn/web/guest/tin-tuc?p_p_id=101_INSTANCE_x&_101_INSTANCE_x_cur=2"
      "&_101_INSTANCE_x_delta=8",
      "http://a.gov.vn/index.php?option=com_content&view=article&id=8101&catid=12&Itemid=101",
      "http://a.gov.vn/a?b=&a=1&&utm_source=zalo&Z=%7e",
      "http://a.gov.vn/%7euser/a;jsessionid=X1?",
  };
  for (const char* url : kAsPublished) {
    EXPECT_EQ(FetchFormUrl(url).value_or(""), url);
  }
  const UrlNormalizer n;
  EXPECT_EQ(n.Normalize(kAsPublished[1]).value(),
            "http://a.gov.vn/index.php?Itemid=101&catid=12&id=8101&option=com_content"
            "&view=article");
}

TEST(FetchFormTest, ChangesOnlyWhatNoServerCanTell) {
  EXPECT_EQ(FetchFormUrl("HTTP://Bộ-Y-Tế.VN:80/a b/./c/../?q=x y&r='#frag").value_or(""),
            "http://xn--b-y-t-s61b7g.vn/a%20b/?q=x%20y&r=%27");
  EXPECT_EQ(FetchFormUrl("https://A.gov.vn:443").value_or(""), "https://a.gov.vn/");
  EXPECT_EQ(FetchFormUrl("https://a.gov.vn:8443/x#").value_or(""), "https://a.gov.vn:8443/x");
  EXPECT_EQ(FetchFormUrl("https://a.gov.vn/tin-tức").value_or(""),
            "https://a.gov.vn/tin-t%E1%BB%A9c");
  EXPECT_FALSE(FetchFormUrl("mailto:a@b.vn").has_value());
  EXPECT_FALSE(FetchFormUrl("/relative").has_value());
  EXPECT_EQ(ResolveFetchForm("https://a.gov.vn/tin/list.aspx?page=1", "?page=2&cat=5").value_or(""),
            "https://a.gov.vn/tin/list.aspx?page=2&cat=5");
  EXPECT_EQ(ResolveFetchForm("", "https://a.gov.vn/x?b=1&a=2").value_or(""),
            "https://a.gov.vn/x?b=1&a=2");
  EXPECT_FALSE(ResolveFetchForm("https://a.gov.vn/", "javascript:void(0)").has_value());
}

TEST(FetchFormTest, BothFormsFromOneParse) {
  UrlRules rules;
  rules.drop_params = {"tmp"};
  const UrlNormalizer n(rules);
  const std::optional<UrlForms> forms =
      n.ResolveForms("https://a.gov.vn/tin/", "chi-tiet.aspx?tmp=1&nid=5&cat=2#top");
  ASSERT_TRUE(forms.has_value());
  EXPECT_EQ(forms->fetch, "https://a.gov.vn/tin/chi-tiet.aspx?tmp=1&nid=5&cat=2");
  EXPECT_EQ(forms->key, "https://a.gov.vn/tin/chi-tiet.aspx?cat=2&nid=5");
  EXPECT_EQ(n.Normalize(forms->fetch).value_or(""), forms->key);
  EXPECT_FALSE(n.ResolveForms("https://a.gov.vn/", "mailto:x@y.vn").has_value());
  EXPECT_EQ(HostOf("https://user:pw@a.gov.vn:81/x"), "a.gov.vn");
}

TEST(ParamPolicyTest, SiteDropGlobs) {
  UrlRules rules;
  rules.drop_params = {"ref*", "tmp"};
  const UrlNormalizer normalizer(rules);
  EXPECT_EQ(normalizer.Normalize("http://a.vn/x?refer=1&ref=2&tmp=3&keep=4").value(),
            "http://a.vn/x?keep=4");
}

TEST(ParamPolicyTest, KeepOnlyListedPlusIdentifying) {
  UrlRules rules;
  rules.keep_params = {"p_p_id", "_101_struts_action"};
  const UrlNormalizer normalizer(rules);
  EXPECT_EQ(normalizer
                .Normalize("http://a.vn/qlttps?p_p_id=101&p_p_lifecycle=0&p_p_state=normal"
                           "&_101_struts_action=%2Fasset&_101_cur=3&_101_delta=20")
                .value(),
            "http://a.vn/qlttps?_101_cur=3&_101_struts_action=%2Fasset&p_p_id=101");
  EXPECT_EQ(normalizer.Normalize("http://a.vn/x?nid=1&ItemID=2&bvid=3&Page=4&Cat=5&z=6").value(),
            "http://a.vn/x?Cat=5&ItemID=2&Page=4&bvid=3&nid=1");
  EXPECT_TRUE(normalizer.KeepsParam("PageIndex"));
  EXPECT_FALSE(normalizer.KeepsParam("utm_source"));
}

TEST(GlobTest, Matches) {
  EXPECT_TRUE(GlobMatch("utm_*", "UTM_Source"));
  EXPECT_TRUE(GlobMatch("*id", "sessionid"));
  EXPECT_TRUE(GlobMatch("a?c", "abc"));
  EXPECT_FALSE(GlobMatch("a?c", "ac"));
  EXPECT_FALSE(GlobMatch("utm_*", "xutm_a"));
  EXPECT_TRUE(GlobMatch("*", ""));
}

TEST(UrlPartsTest, HostPathQuery) {
  EXPECT_EQ(HostOf("https://a.gov.vn:8080/x?y"), "a.gov.vn");
  EXPECT_EQ(HostOf("https://[::1]:8080/x"), "[::1]");
  EXPECT_EQ(PathOf("https://a.gov.vn/x/y?z=1"), "/x/y");
  EXPECT_EQ(PathOf("https://a.gov.vn?z=1"), "/");
  EXPECT_EQ(QueryOf("https://a.gov.vn/x?z=1&w=2"), "z=1&w=2");
  EXPECT_EQ(QueryOf("https://a.gov.vn/x"), "");
}

TEST(HostTest, ToAscii) {
  EXPECT_EQ(HostToAscii("WWW.Quangninh.GOV.VN.").value(), "www.quangninh.gov.vn");
  EXPECT_EQ(HostToAscii("hà-nội.vn").value(), "xn--h-ni-0na4517b.vn");
  EXPECT_FALSE(HostToAscii("").has_value());
  EXPECT_FALSE(HostToAscii("a..b").has_value());
}

TEST(CanonicalTest, SameSiteCanonicalWins) {
  const UrlNormalizer n;
  const std::vector<std::string> hosts = {"quangninh.gov.vn", "www.quangninh.gov.vn"};
  const std::string page = "https://www.quangninh.gov.vn/Trang/ChiTietTinTuc.aspx?nid=5&utm_x=1";
  EXPECT_EQ(CanonicalUrlToStore(n, page, "https://quangninh.gov.vn/Trang/ChiTietTinTuc.aspx?nid=5",
                                hosts),
            "https://quangninh.gov.vn/Trang/ChiTietTinTuc.aspx?nid=5");
  EXPECT_EQ(CanonicalUrlToStore(n, page, "/Trang/ChiTietTinTuc.aspx?nid=5#top", hosts),
            "https://www.quangninh.gov.vn/Trang/ChiTietTinTuc.aspx?nid=5");
}

TEST(CanonicalTest, ForeignEmptyOrRootCanonicalIgnored) {
  const UrlNormalizer n;
  const std::vector<std::string> hosts = {"a.gov.vn"};
  const std::string page = "https://a.gov.vn/tin/123.html";
  EXPECT_EQ(CanonicalUrlToStore(n, page, "https://moh.gov.vn/-/6848045-2", hosts), page);
  EXPECT_EQ(CanonicalUrlToStore(n, page, "", hosts), page);
  EXPECT_EQ(CanonicalUrlToStore(n, page, "https://a.gov.vn/", hosts), page);
  EXPECT_EQ(CanonicalUrlToStore(n, page, "javascript:x", hosts), page);
  EXPECT_EQ(CanonicalUrlToStore(n, "https://a.gov.vn/?utm_a=1", "https://a.gov.vn/", hosts),
            "https://a.gov.vn/");
  EXPECT_EQ(CanonicalUrlToStore(n, "garbage", "https://a.gov.vn/", hosts), "");
}

}  // namespace
}  // namespace tincrawl

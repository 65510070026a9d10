// Every http(s) case of the web-platform-tests URL data (../shared/bench-data/conformance/
// urltestdata.json): links must be resolved as a browser resolves them (issue 14).
//
// The selection: each case whose expected result has protocol http: or https:, and each
// failure case whose input is an http(s) URL (445 cases in the vendored file).
//
// Two stages are checked apart, as the crawler keeps them apart:
//  - ParseWebUrl / FetchFormUrl (what is requested) must give exactly the expected href
//    (without the fragment, for the fetch form), and fail where a browser fails. There are no
//    exceptions: kParseExceptions below is empty and must stay so.
//  - UrlNormalizer (the key) must give, for each input, the key of the URL the browser would
//    fetch (Normalize(expected href)); it differs from the href only by the intended key
//    normalizations of kIntendedNormalizations; each such case must be explained by at least one.

#include <gtest/gtest.h>

#include <iostream>
#include <set>
#include <string>
#include <vector>

#include "crawler/url/url.h"
#include "crawler/url/url_parse.h"
#include "support/conformance_json.h"

namespace tincrawl {
namespace {

using testing_json::Value;

struct UrlCase {
  std::string input;
  std::string base;  // Empty when null.
  bool has_base = false;
  bool failure = false;
  std::string href;
};

bool StartsWithWebScheme(std::string_view s) {
  while (!s.empty() && static_cast<unsigned char>(s.front()) <= ' ') s.remove_prefix(1);
  std::string head(s.substr(0, 6));
  for (char& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return head.rfind("http:", 0) == 0 || head.rfind("https:", 0) == 0;
}

std::vector<UrlCase> LoadCases() {
  bool ok = false;
  const Value root = testing_json::ReadJsonFile(
      TINCRAWL_SHARED_DIR "/bench-data/conformance/urltestdata.json", &ok);
  EXPECT_TRUE(ok) << "cannot read urltestdata.json under " << TINCRAWL_SHARED_DIR;
  std::vector<UrlCase> cases;
  for (const Value& v : root.items) {
    if (!v.IsObject()) continue;  // Comments.
    UrlCase c;
    c.input = v["input"].text;
    c.has_base = v["base"].IsString();
    c.base = v["base"].text;
    c.failure = v["failure"].boolean;
    c.href = v["href"].text;
    const std::string& protocol = v["protocol"].text;
    const bool web =
        c.failure ? StartsWithWebScheme(c.input) : (protocol == "http:" || protocol == "https:");
    if (web) cases.push_back(std::move(c));
  }
  return cases;
}

std::optional<WebUrl> ParseCase(const UrlCase& c) {
  std::optional<WebUrl> base;
  if (c.has_base) base = ParseWebUrl(c.base);
  return ParseWebUrl(c.input, base ? &*base : nullptr);
}

std::string Show(const UrlCase& c) {
  return "input <" + c.input + "> base <" + (c.has_base ? c.base : "null") + ">";
}

// Cases where the parser intentionally differs from a browser. None.
const std::set<std::string> kParseExceptions = {};

TEST(UrlConformanceTest, ParserMatchesBrowsers) {
  const std::vector<UrlCase> cases = LoadCases();
  ASSERT_EQ(cases.size(), 445u);
  int right = 0;
  for (const UrlCase& c : cases) {
    const std::optional<WebUrl> got = ParseCase(c);
    const std::string href = got ? got->Href() : "<failure>";
    const std::string want = c.failure ? "<failure>" : c.href;
    if (href == want) {
      ++right;
      continue;
    }
    EXPECT_TRUE(kParseExceptions.count(c.input) > 0)
        << Show(c) << "\n  got  " << href << "\n  want " << want;
  }
  std::cout << "WHATWG parse: " << right << "/" << cases.size() << " as browsers\n";
  EXPECT_EQ(right + static_cast<int>(kParseExceptions.size()), static_cast<int>(cases.size()));
}

TEST(UrlConformanceTest, FetchFormIsTheHrefWithoutFragment) {
  for (const UrlCase& c : LoadCases()) {
    const std::optional<std::string> got = ResolveFetchForm(c.has_base ? c.base : "", c.input);
    if (c.failure) {
      EXPECT_FALSE(got.has_value()) << Show(c) << " -> " << got.value_or("");
      continue;
    }
    const std::string want = c.href.substr(0, c.href.find('#'));
    EXPECT_EQ(got.value_or("<failure>"), want) << Show(c);
  }
}

// The key normalizations that make a key differ from the href a browser fetches, with the
// reason for each (the steps of UrlNormalizer in crawler/url.h). Each entry is recognised by
// comparing the parsed href with the key.
struct Intended {
  const char* name;
  const char* reason;
  bool (*applies)(const WebUrl& href, const WebUrl& key);
};

const Intended kIntendedNormalizations[] = {
    {"fragment dropped", "the server never sees it; #a and #b are the same document",
     [](const WebUrl& h, const WebUrl&) { return h.fragment.has_value(); }},
    {"userinfo dropped", "credentials are not part of a document's identity",
     [](const WebUrl& h, const WebUrl&) { return !h.username.empty() || !h.password.empty(); }},
    {"trailing host dot dropped", "a.vn. and a.vn name the same host",
     [](const WebUrl& h, const WebUrl& k) { return *h.host != *k.host; }},
    {"path escapes in RFC 3986 form",
     "one spelling per path: %7e/~ and %2f/%2F equal, lone '%' and bytes outside pchar escaped",
     [](const WebUrl& h, const WebUrl& k) { return h.PathString() != k.PathString(); }},
    {"query filtered, escaped and sorted",
     "parameter order, empty parameters, tracking noise and an empty '?' do not change the page",
     [](const WebUrl& h, const WebUrl& k) { return h.query != k.query; }},
};

TEST(UrlConformanceTest, KeyIsTheBrowsersUrlNormalized) {
  const UrlNormalizer normalizer;
  int exact = 0, intended = 0, wrong = 0;
  std::vector<int> per_step(std::size(kIntendedNormalizations));
  for (const UrlCase& c : LoadCases()) {
    const std::optional<std::string> got = normalizer.Resolve(c.has_base ? c.base : "", c.input);
    if (c.failure) {
      EXPECT_FALSE(got.has_value()) << Show(c) << " -> " << *got;
      got ? ++wrong : ++exact;
      continue;
    }
    const std::optional<std::string> want = normalizer.Normalize(c.href);
    if (got && *got == c.href) {
      ++exact;
      continue;
    }
    const bool same_key = got.has_value() && got == want;
    EXPECT_TRUE(same_key) << Show(c) << "\n  key  " << got.value_or("<none>") << "\n  want "
                          << want.value_or("<none>");
    if (!same_key) {
      ++wrong;
      continue;
    }
    const WebUrl href = *ParseWebUrl(c.href);
    const WebUrl key = *ParseWebUrl(*got);
    bool explained = false;
    for (size_t i = 0; i < per_step.size(); ++i) {
      if (!kIntendedNormalizations[i].applies(href, key)) continue;
      ++per_step[i];
      explained = true;
    }
    EXPECT_TRUE(explained) << Show(c) << ": key " << *got << " differs from " << c.href;
    ++intended;
  }
  std::cout << "key: " << exact << " as browsers, " << intended << " by intended normalization, "
            << wrong << " wrong\n";
  for (size_t i = 0; i < per_step.size(); ++i) {
    std::cout << "  " << kIntendedNormalizations[i].name << ": " << per_step[i] << "\n";
  }
  EXPECT_EQ(wrong, 0);
}

}  // namespace
}  // namespace tincrawl

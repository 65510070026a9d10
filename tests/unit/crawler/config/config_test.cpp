#include "crawler/config/config.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "crawler/config/yaml_reader.h"

namespace tincrawl {
namespace {

const std::string kDir = std::string(TINCRAWL_FIXTURES_DIR) + "/config/";

std::vector<ConfigError> LoadErrors(const std::string& c) {
  std::vector<ConfigError> errors;
  LoadConfig(kDir + "broken/" + c + "/tincrawl.yaml", &errors);
  return errors;
}

// True when some error is located at `line` of a file ending in `file_suffix` and its message
// contains `text`.
bool HasError(const std::vector<ConfigError>& errors, const std::string& file_suffix, int line,
              const std::string& text) {
  return std::any_of(errors.begin(), errors.end(), [&](const ConfigError& e) {
    bool file_ok =
        e.file.size() >= file_suffix.size() &&
        e.file.compare(e.file.size() - file_suffix.size(), file_suffix.size(), file_suffix) == 0;
    return file_ok && e.line == line && e.message.find(text) != std::string::npos;
  });
}

std::string Dump(const std::vector<ConfigError>& errors) {
  std::string s;
  for (const auto& e : errors) s += e.ToString() + "\n";
  return s;
}

TEST(ConfigTest, LoadsValidConfigWithDefaultsAndOverrides) {
  std::vector<ConfigError> errors;
  Config c = LoadConfig(kDir + "valid/tincrawl.yaml", &errors);
  ASSERT_TRUE(errors.empty()) << Dump(errors);
  ASSERT_EQ(c.sites.size(), 2u);
  EXPECT_EQ(c.daemon.state_dir, kDir + "valid/state");
  EXPECT_FALSE(c.daemon.metrics.enabled);
  EXPECT_EQ(c.daemon.network.resolve.size(), 1u);
  EXPECT_EQ(c.daemon.output.spool_dir, kDir + "valid/state/spool");

  const SiteConfig* a = c.FindSite("site-a");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->politeness.max_connections_per_host, 2);    // Site override.
  EXPECT_DOUBLE_EQ(a->politeness.min_delay_seconds, 2.0);  // Daemon default.
  EXPECT_DOUBLE_EQ(a->recrawl.listing_min_seconds, 300.0);
  EXPECT_EQ(a->hosts, std::vector<std::string>{"a.example.gov.vn"});
  EXPECT_EQ(a->locality.province, "Hà Nội");

  const SiteConfig* b = c.FindSite("site-b");
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->hosts, (std::vector<std::string>{"b.example.gov.vn", "www.b.example.gov.vn"}));
  EXPECT_FALSE(b->enabled);
  EXPECT_EQ(b->locality.level, "commune");
  EXPECT_EQ(b->locality.merged_into, "site-a");
  EXPECT_EQ(b->extract.title, "h1.title");
  EXPECT_EQ(b->extract.remove.size(), 2u);
}

TEST(ConfigTest, MalformedYamlIsLocated) {
  auto errors = LoadErrors("malformed_yaml");
  ASSERT_EQ(errors.size(), 1u) << Dump(errors);
  EXPECT_NE(errors[0].message.find("YAML syntax error"), std::string::npos);
  EXPECT_GE(errors[0].line, 3);
  EXPECT_NE(errors[0].file.find("malformed_yaml/sites/s.yaml"), std::string::npos);
}

TEST(ConfigTest, WrongTypesAreEachReported) {
  auto errors = LoadErrors("wrong_types");
  EXPECT_TRUE(HasError(errors, "s.yaml", 5, "must be a list of strings")) << Dump(errors);
  EXPECT_TRUE(HasError(errors, "s.yaml", 7, "must be an integer")) << Dump(errors);
  EXPECT_TRUE(HasError(errors, "s.yaml", 8, "must be between")) << Dump(errors);
  EXPECT_TRUE(HasError(errors, "s.yaml", 9, "true or false")) << Dump(errors);
}

TEST(ConfigTest, UnknownKeysSuggestTheRightOne) {
  auto errors = LoadErrors("unknown_keys");
  EXPECT_TRUE(HasError(errors, "s.yaml", 6, "did you mean \"seeds\"")) << Dump(errors);
  EXPECT_TRUE(HasError(errors, "s.yaml", 8, "did you mean \"min_delay_seconds\"")) << Dump(errors);
}

TEST(ConfigTest, BadRegexIsCaughtAtLoad) {
  auto errors = LoadErrors("bad_regex");
  ASSERT_EQ(errors.size(), 1u) << Dump(errors);
  EXPECT_TRUE(HasError(errors, "s.yaml", 9, "invalid regular expression")) << Dump(errors);
}

TEST(ConfigTest, DuplicateIdsNameBothFiles) {
  auto errors = LoadErrors("duplicate_ids");
  ASSERT_EQ(errors.size(), 1u) << Dump(errors);
  EXPECT_TRUE(HasError(errors, "two.yaml", 2, "duplicate site id \"same\"")) << Dump(errors);
  EXPECT_NE(errors[0].message.find("one.yaml"), std::string::npos);
}

TEST(ConfigTest, MissingFieldsAreAllListed) {
  auto errors = LoadErrors("missing_fields");
  EXPECT_TRUE(HasError(errors, "s.yaml", 1, "missing required key \"name\"")) << Dump(errors);
  EXPECT_TRUE(HasError(errors, "s.yaml", 1, "missing required key \"base_url\"")) << Dump(errors);
  EXPECT_TRUE(HasError(errors, "s.yaml", 2, "missing required key \"level\"")) << Dump(errors);
  EXPECT_TRUE(HasError(errors, "s.yaml", 1, "at least one of")) << Dump(errors);
}

TEST(ConfigTest, BadSelectorsAndUnknownCms) {
  auto errors = LoadErrors("bad_selector");
  EXPECT_TRUE(HasError(errors, "s.yaml", 6, "did you mean \"liferay\"")) << Dump(errors);
  EXPECT_TRUE(HasError(errors, "s.yaml", 8, "invalid CSS selector \"h1..title\"")) << Dump(errors);
  EXPECT_TRUE(HasError(errors, "s.yaml", 9, "invalid CSS selector \"div[class=\"")) << Dump(errors);
  EXPECT_EQ(errors.size(), 3u) << Dump(errors);
}

TEST(ConfigTest, DaemonConfigErrors) {
  auto errors = LoadErrors("bad_daemon");
  EXPECT_TRUE(HasError(errors, "tincrawl.yaml", 3, "listen must be HOST:PORT")) << Dump(errors);
  EXPECT_TRUE(HasError(errors, "tincrawl.yaml", 5, "HOST:PORT:ADDRESS")) << Dump(errors);
  EXPECT_TRUE(HasError(errors, "tincrawl.yaml", 6, "not an IP address or CIDR")) << Dump(errors);
  EXPECT_TRUE(HasError(errors, "tincrawl.yaml", 7, "proxy must be")) << Dump(errors);
  EXPECT_TRUE(HasError(errors, "tincrawl.yaml", 8, "level must be one of")) << Dump(errors);
  EXPECT_TRUE(HasError(errors, "tincrawl.yaml", 9, "did you mean \"workers\"")) << Dump(errors);
}

// Through a proxy the address guard cannot see the target: refused unless the user opts out.
TEST(ConfigTest, ProxyNeedsAnExplicitOptOutOfTheAddressGuard) {
  auto errors = LoadErrors("unguarded_proxy");
  EXPECT_TRUE(HasError(errors, "tincrawl.yaml", 4, "network.proxy_unguarded: true"))
      << Dump(errors);
  EXPECT_EQ(errors.size(), 1u) << Dump(errors);
  std::vector<ConfigError> opted_out;
  const Config config =
      LoadConfig(kDir + "broken/unguarded_proxy/opted_out/tincrawl.yaml", &opted_out);
  EXPECT_TRUE(opted_out.empty()) << Dump(opted_out);
  EXPECT_TRUE(config.daemon.network.proxy_unguarded);
}

TEST(ConfigTest, MissingFileIsAnError) {
  std::vector<ConfigError> errors;
  LoadConfig(kDir + "does-not-exist.yaml", &errors);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].message.find("cannot read file"), std::string::npos);
}

TEST(ConfigTest, ShippedConfigIsValid) {
  std::vector<ConfigError> errors;
  Config c = LoadConfig(std::string(TINCRAWL_SOURCE_DIR) + "/config/tincrawl.yaml", &errors);
  EXPECT_TRUE(errors.empty()) << Dump(errors);
  EXPECT_FALSE(c.sites.empty());
}

TEST(ConfigTest, SuggestFindsTypos) {
  EXPECT_EQ(Suggest("seed", {"seeds", "feeds", "sitemaps"}), "seeds");
  EXPECT_EQ(Suggest("zzzzzz", {"seeds", "feeds"}), "");
  EXPECT_EQ(EditDistance("kitten", "sitting"), 3u);
}

TEST(ConfigTest, ErrorFormatIsFileLineColumn) {
  ConfigError e{"a.yaml", 3, 7, "bad"};
  EXPECT_EQ(e.ToString(), "a.yaml:3:7: bad");
  ConfigError whole{"a.yaml", 0, 0, "bad"};
  EXPECT_EQ(whole.ToString(), "a.yaml: bad");
}

}  // namespace
}  // namespace tincrawl

// output.postgres: the connection string from the config, a file or the environment, and
// located errors for everything wrong with the section.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <fstream>
#include <string>
#include <vector>

#include "crawler/config/config.h"
#include "support/temp_dir.h"

namespace tincrawl {
namespace {

using test_support::TempDir;

class PostgresConfigTest : public ::testing::Test {
 protected:
  // Loads a daemon config whose output section is `output` (YAML lines, indented by two).
  Config Load(const std::string& output) {
    const std::string path = tmp_.Sub("tincrawl.yaml");
    std::ofstream(path) << "state_dir: state\nsites: " TINCRAWL_FIXTURES_DIR
                           "/config/valid/sites/\nmetrics: {enabled: false}\noutput:\n"
                        << output;
    errors_.clear();
    return LoadConfig(path, &errors_);
  }
  std::string Errors() const {
    std::string s;
    for (const auto& e : errors_) s += e.ToString() + "\n";
    return s;
  }
  TempDir tmp_;
  std::vector<ConfigError> errors_;
};

TEST_F(PostgresConfigTest, AbsentMeansOffAndDefaultsApply) {
  Config c = Load("  fsync: batch\n");
  ASSERT_TRUE(errors_.empty()) << Errors();
  EXPECT_FALSE(c.daemon.output.postgres.enabled);
  c = Load("  postgres:\n    dsn: \"dbname=news\"\n");
  ASSERT_TRUE(errors_.empty()) << Errors();
  const PostgresConfig& pg = c.daemon.output.postgres;
  EXPECT_TRUE(pg.enabled);
  EXPECT_EQ(pg.dsn, "dbname=news");
  EXPECT_EQ(pg.dsn_from, "dsn");
  EXPECT_EQ(pg.schema, "tincrawl");
  EXPECT_EQ(pg.batch, 500);
  EXPECT_EQ(pg.line, 6);  // The section (its first key), for errors found when connecting.
}

TEST_F(PostgresConfigTest, ReadsTheDsnFromAFileOrTheEnvironment) {
  std::ofstream(tmp_.Sub("pg.dsn")) << "  host=db password=s3cret dbname=news\n\n";
  Config c = Load("  postgres:\n    dsn_file: pg.dsn\n    schema: press\n    batch: 50\n");
  ASSERT_TRUE(errors_.empty()) << Errors();
  EXPECT_EQ(c.daemon.output.postgres.dsn, "host=db password=s3cret dbname=news");
  EXPECT_EQ(c.daemon.output.postgres.dsn_from, "dsn_file " + tmp_.Sub("pg.dsn"));
  EXPECT_EQ(c.daemon.output.postgres.schema, "press");
  ASSERT_EQ(setenv("TINCRAWL_TEST_PG_DSN", "postgresql://u:p@db/news", 1), 0);
  c = Load("  postgres:\n    dsn_env: TINCRAWL_TEST_PG_DSN\n");
  ASSERT_TRUE(errors_.empty()) << Errors();
  EXPECT_EQ(c.daemon.output.postgres.dsn, "postgresql://u:p@db/news");
}

TEST_F(PostgresConfigTest, EveryMistakeIsLocatedAndNoneQuotesTheSecret) {
  unsetenv("TINCRAWL_TEST_PG_UNSET");
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"  postgres:\n    schema: x\n", ":6:5: postgres needs one of dsn, dsn_file or dsn_env"},
      {"  postgres:\n    dsn: a\n    dsn_env: B\n", ":6:5: postgres takes only one of"},
      {"  postgres:\n    dsn_env: TINCRAWL_TEST_PG_UNSET\n",
       ":6:14: environment variable TINCRAWL_TEST_PG_UNSET (dsn_env) is not set"},
      {"  postgres:\n    dsn_file: missing.dsn\n", ":6:15: cannot read dsn_file"},
      {"  postgres:\n    dsn: \"password=zz\"\n    schema: Bad-Name\n",
       ":7:13: schema must be a lower-case SQL identifier"},
      {"  postgres:\n    dsn: \"password=zz\"\n    bacth: 5\n", "did you mean \"batch\""},
      {"  postgres:\n    dsn: \"password=zz\"\n    batch: 0\n", ":7:12:"},
      {"  postgres:\n    dsn: \"   \"\n", "connection string (dsn) is empty"},
  };
  for (const auto& [yaml, want] : cases) {
    Load(yaml);
    EXPECT_NE(Errors().find(want), std::string::npos) << yaml << "\n" << Errors();
    EXPECT_EQ(Errors().find("zz"), std::string::npos) << Errors();
  }
}

}  // namespace
}  // namespace tincrawl

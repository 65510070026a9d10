// The command-line contract: help, version, exit codes, check-config and extract.
#include <gtest/gtest.h>

#include <string>

#include "support/subprocess.h"

namespace tincrawl {
namespace {

using testing::RunProcess;

const std::string kBin = TINCRAWL_BINARY;
const std::string kFixtures = std::string(TINCRAWL_FIXTURES_DIR) + "/config/";

TEST(CliTest, HelpAndVersionExitZero) {
  auto help = RunProcess({kBin, "--help"});
  EXPECT_EQ(help.exit_code, 0);
  for (const char* cmd : {"run", "crawl", "check-config", "extract", "export", "sites"}) {
    EXPECT_NE(help.out.find(cmd), std::string::npos) << cmd;
  }
  auto version = RunProcess({kBin, "--version"});
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_EQ(version.out.rfind("tincrawl ", 0), 0u);
  auto sub = RunProcess({kBin, "crawl", "--help"});
  EXPECT_EQ(sub.exit_code, 0);
  EXPECT_NE(sub.out.find("--max-pages"), std::string::npos);
}

TEST(CliTest, UsageErrorsExitTwo) {
  EXPECT_EQ(RunProcess({kBin}).exit_code, 2);
  EXPECT_EQ(RunProcess({kBin, "frobnicate"}).exit_code, 2);
  EXPECT_EQ(RunProcess({kBin, "crawl", "--max-pages", "many"}).exit_code, 2);
  EXPECT_EQ(RunProcess({kBin, "extract"}).exit_code, 2);
  auto both = RunProcess({kBin, "extract", "--site", "x", "--generic", "a.html"});
  EXPECT_EQ(both.exit_code, 2);
  EXPECT_NE(both.err.find("mutually exclusive"), std::string::npos);
  EXPECT_EQ(RunProcess({kBin, "check-config", "-c"}).exit_code, 2);
}

TEST(CliTest, CheckConfigAcceptsValidConfig) {
  auto r = RunProcess({kBin, "check-config", "-c", kFixtures + "valid/tincrawl.yaml"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("2 sites (1 enabled)"), std::string::npos) << r.out;
}

TEST(CliTest, CheckConfigPassesOnShippedConfig) {
  auto r = RunProcess(
      {kBin, "check-config", "-c", std::string(TINCRAWL_SOURCE_DIR) + "/config/tincrawl.yaml"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

TEST(CliTest, CheckConfigReportsEveryErrorWithLocation) {
  auto r = RunProcess({kBin, "check-config", "-c", kFixtures + "broken/wrong_types/tincrawl.yaml"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("wrong_types/sites/s.yaml:5:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("wrong_types/sites/s.yaml:7:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("wrong_types/sites/s.yaml:9:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("4 errors"), std::string::npos) << r.err;
}

TEST(CliTest, ConfigDefaultsToEnvironmentVariable) {
  auto r = RunProcess({kBin, "check-config"},
                      {"TINCRAWL_CONFIG=" + kFixtures + "broken/duplicate_ids/tincrawl.yaml"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("duplicate site id"), std::string::npos) << r.err;
}

TEST(CliTest, ExtractReadsStdinAndFiles) {
  const std::string html =
      "<html><head><title>Hội nghị tổng kết công tác năm 2024 - Cổng thông tin điện tử</title>"
      "</head><body><h1>Hội nghị tổng kết công tác năm 2024</h1><p>Ngày 12/03/2024 08:30</p>"
      "<div class='content'><p>Sáng ngày 12/3, Ủy ban nhân dân tỉnh đã tổ chức hội nghị tổng "
      "kết công tác năm 2024 và triển khai nhiệm vụ năm 2025, với sự tham dự của các sở, "
      "ban, ngành và địa phương trong tỉnh.</p><p>Tại hội nghị, các đại biểu đã thảo luận, "
      "đánh giá kết quả đạt được, những tồn tại, hạn chế và đề ra giải pháp trong thời gian "
      "tới để hoàn thành thắng lợi các chỉ tiêu đề ra.</p></div></body></html>";
  auto r =
      RunProcess({kBin, "extract", "--generic", "--url", "http://t.gov.vn/a.html", "-"}, {}, html);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("\"source\":\"-\""), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"title\":\"Hội nghị tổng kết công tác năm 2024\""), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("2024-03-12T08:30:00+07:00"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.back(), '\n');
  EXPECT_EQ(r.out.find('\n'), r.out.size() - 1);  // One line per input.

  auto missing = RunProcess({kBin, "extract", "--generic", "/nonexistent/page.html"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.out.find("\"source\":\"/nonexistent/page.html\""), std::string::npos);
}

}  // namespace
}  // namespace tincrawl

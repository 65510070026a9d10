// Spool lines back into records (the sink's JSON reader) and records into COPY rows.
#include "crawler/sink/copy_rows.h"

#include <gtest/gtest.h>

#include "crawler/output/spool.h"
#include "crawler/sink/json_value.h"
#include "crawler/sink/search_vector.h"

namespace tincrawl {
namespace {

ArticleRecord Full() {
  ArticleRecord r;
  r.id = "00000000000000ab";
  r.revision = 3;
  r.url = "http://a.gov.vn/tin/1?x=1";
  r.canonical_url = "http://a.gov.vn/tin/1";
  r.site = "a";
  r.locality = {"district", "Quảng Ninh", "Quảng Yên", "", ""};
  r.title = "Tiêu đề \"trích\" \\ tab\there";
  r.published = "2024-05-01T08:00:00+07:00";
  r.author = "Nguyễn Văn A";
  r.body = "Dòng một\nDòng hai\r\n\xF0\x9F\x98\x80 và \u2028";
  r.body_html = "<p>x</p>";
  r.images = {{"http://a.gov.vn/1.jpg", "Ảnh"}};
  r.attachments = {{"http://a.gov.vn/1.pdf", "Tải về", "pdf"}};
  r.lang = "vi";
  r.fetched_at = 1714550400;
  r.first_seen = 1714550000;
  r.content_hash = 0xFEDCBA9876543210ULL;
  r.simhash = 0x0123456789ABCDEFULL;
  r.duplicate_of = "00000000000000cd";
  r.confidence = 0.75;
  r.sightings = {{"00000000000000ab", "a", r.url, 1714550000}};
  return r;
}

TEST(SpoolLineTest, ReadsBackEverythingTheSpoolWrites) {
  const ArticleRecord in = Full();
  ArticleRecord out;
  std::string error;
  ASSERT_TRUE(ParseSpoolLine(ArticleRecordToJson(in), &out, &error)) << error;
  ArticleRecord expect = in;
  expect.version_hash = 0;  // Not part of the line.
  EXPECT_EQ(out.title, expect.title);
  EXPECT_EQ(out.body, expect.body);
  EXPECT_EQ(out.locality.district, "Quảng Yên");
  EXPECT_EQ(out.content_hash, expect.content_hash);
  EXPECT_EQ(out.simhash, expect.simhash);
  EXPECT_EQ(out.sightings, expect.sightings);
  EXPECT_EQ(out.images.at(0).caption, "Ảnh");
  EXPECT_EQ(out.attachments.at(0).type, "pdf");
  EXPECT_EQ(out.revision, 3);
  EXPECT_EQ(out.fetched_at, in.fetched_at);
  EXPECT_DOUBLE_EQ(out.confidence, 0.75);
  EXPECT_EQ(ArticleRecordToJson(out), ArticleRecordToJson(in));
}

TEST(SpoolLineTest, RejectsLinesThatAreNoArticle) {
  ArticleRecord out;
  std::string error;
  const std::string good = ArticleRecordToJson(Full());
  for (
      const std::string& bad :
      {std::string("{\"id\":\"x\""), std::string("[1,2]"), std::string("{\"id\":\"x\"}"),
       good.substr(0, good.size() - 1), good + "x", std::string("{\"id\":\"\xC3\x28\"}"),
       std::string("{\"id\":\"\\ud800\"}"),
       std::string(
           R"({"id":"x","revision":0,"site":"a","url":"u","fetched_at":"2024-05-01T00:00:00Z","first_seen":"2024-05-01T00:00:00Z"})"),
       std::string(
           R"({"id":"x","revision":1,"site":"a","url":"u","fetched_at":"yesterday","first_seen":"2024-05-01T00:00:00Z"})"),
       std::string(
           R"({"id":"x","revision":1,"site":7,"url":"u","fetched_at":"2024-05-01T00:00:00Z","first_seen":"2024-05-01T00:00:00Z"})")}) {
    EXPECT_FALSE(ParseSpoolLine(bad, &out, &error)) << bad;
    EXPECT_FALSE(error.empty());
  }
  EXPECT_TRUE(ParseSpoolLine(
      R"({"id":"x","revision":1,"site":"a","url":"u","fetched_at":"2024-05-01T00:00:00Z","first_seen":"2024-05-01T00:00:00Z"})",
      &out, &error))
      << error;
}

TEST(JsonValueTest, ParsesStrictJson) {
  JsonValue v;
  std::string error;
  ASSERT_TRUE(
      ParseJson(R"( {"a":[1,-2.5e3,true,null,"\u00e9\ud83d\ude00\n"],"b":{}} )", &v, &error))
      << error;
  ASSERT_EQ(v.Find("a")->items.size(), 5u);
  EXPECT_EQ(v.Find("a")->items[1].text, "-2.5e3");
  EXPECT_EQ(v.Find("a")->items[4].text, "é\xF0\x9F\x98\x80\n");
  EXPECT_EQ(v.Find("b")->kind, JsonValue::Kind::kObject);
  for (const char* bad : {"", "{", "[1,]", "01", "1.", "\"\t\"", "{\"a\" 1}", "nul", "\"\\x\"",
                          "[1] [2]", "\"\\ud800\""}) {
    EXPECT_FALSE(ParseJson(bad, &v, &error)) << bad;
  }
  EXPECT_NE(error.find("at byte"), std::string::npos);
  ASSERT_TRUE(ParseJson("\"\\ud800x\"", &v, &error, /*lone_surrogates_to_fffd=*/true));
  EXPECT_EQ(v.text, "\xEF\xBF\xBDx");
  EXPECT_FALSE(ParseJson(std::string(100, '[') + std::string(100, ']'), &v, &error));
}

TEST(CopyRowTest, EscapesFieldsAndMapsTypes) {
  ArticleRecord r = Full();
  r.body = std::string("a\tb\nc\\d") + '\0' + "e";
  r.modified = "not a date";
  std::string row;
  AppendCopyRow(r, 7, &row);
  ASSERT_EQ(row.back(), '\n');
  std::vector<std::string> fields;
  size_t start = 0;
  for (size_t tab = row.find('\t'); tab != std::string::npos; tab = row.find('\t', start)) {
    fields.push_back(row.substr(start, tab - start));
    start = tab + 1;
  }
  fields.push_back(row.substr(start, row.size() - start - 1));
  ASSERT_EQ(fields.size(), 31u);  // The columns of tincrawl_staging.
  EXPECT_EQ(fields[0], "7");
  EXPECT_EQ(fields[1], r.id);
  EXPECT_EQ(fields[12], "2024-05-01T01:00:00Z");  // published, in UTC.
  EXPECT_EQ(fields[13], "\\N");                   // modified is no RFC 3339 time.
  EXPECT_EQ(fields[18], "a\\tb\\nc\\\\de");       // body: escaped, NUL dropped.
  EXPECT_EQ(fields[21], std::to_string(static_cast<int64_t>(0xFEDCBA9876543210ULL)));
  EXPECT_EQ(fields[25], "0.75");
  EXPECT_EQ(fields[28], r.duplicate_of);
  EXPECT_NE(fields[29].find("\"id\":\"00000000000000ab\""), std::string::npos);
  EXPECT_EQ(fields[30], SearchVectorLiteral(r.title, r.body));  // The search column.
}

TEST(SearchVectorTest, WordsAreFoldedRunsNumberedInOrder) {
  EXPECT_EQ(SearchVectorLiteral("Chuyển đổi số", "“chuyển đổi”… COVID-19, ngày 19/4/2021"),
            "'19':7,9 '2021':11 '4':10 'chuyen':1,4 'covid':6 'doi':2,5 'ngay':8 'so':3");
  EXPECT_EQ(SearchVectorLiteral("", ""), "");
  EXPECT_EQ(SearchVectorLiteral("", " -- … "), "");
  // Folded as unaccent folds: Vietnamese, Latin letters without a decomposition, Greek, ё.
  EXPECT_EQ(SearchVectorLiteral("Ærø Łódź Straße", "Đà Nẵng Ελλάδα Ёж"),
            "'aero':1 'da':4 'lodz':2 'nang':5 'strasse':3 'ελλαδα':6 'еж':7");
}

TEST(SearchVectorTest, LimitsAreThoseOfPostgreSql) {
  std::string many;
  for (int i = 0; i < 300; ++i) many += "lap ";
  std::string literal = SearchVectorLiteral("", many);
  EXPECT_EQ(std::count(literal.begin(), literal.end(), ','), 254);  // 255 positions kept.
  std::string endless;
  for (int i = 0; i < 17000; ++i) endless += "w" + std::to_string(i % 100) + " ";
  endless += "cuoi";
  literal = SearchVectorLiteral("", endless);
  EXPECT_NE(literal.find("'cuoi':16383"), std::string::npos);  // Positions stop at 16383.
  EXPECT_EQ(SearchVectorLiteral("", std::string(3000, 'x') + " ngan"), "'ngan':1");
}

}  // namespace
}  // namespace tincrawl

// The PostgreSQL sink against a real, private server (tests/support/pg_server.py).
#include "crawler/sink/sink.h"

#include <gtest/gtest.h>
#include <unicode/uchar.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "crawler/output/spool.h"
#include "crawler/sink/pg_conn.h"
#include "crawler/sink/pg_schema.h"
#include "crawler/sink/search_vector.h"
#include "extractors/text.h"
#include "support/pg_test_server.h"
#include "support/temp_dir.h"

namespace tincrawl {
namespace {

using test_support::TempDir;
using testing::PgTestServer;

ArticleRecord Record(int i, int revision = 1, const std::string& title = "") {
  ArticleRecord r;
  r.id = "a" + std::to_string(1000 + i);
  r.revision = revision;
  r.site = i % 2 == 0 ? "hanoi" : "quangninh";
  r.locality = {"province", i % 2 == 0 ? "Hà Nội" : "Quảng Ninh", "", "", ""};
  r.url = "http://" + r.site + ".gov.vn/tin/" + std::to_string(i);
  r.canonical_url = r.url;
  r.title = title.empty() ? "Tin số " + std::to_string(i) : title;
  r.published = "2024-05-01T08:00:00+07:00";
  r.body = "Nội dung bài " + std::to_string(i) + " về công tác năm 2024.";
  r.fetched_at = 1714550400 + i;
  r.first_seen = 1714550400 + i;
  r.content_hash = 0xF000000000000000ULL + static_cast<uint64_t>(i);
  r.sightings.push_back({r.id, r.site, r.url, r.first_seen});
  return r;
}

class SinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.Start()) << server_.error();
    ASSERT_TRUE(Spool::Open(SpoolOpts(), nullptr, &spool_).ok());
  }

  SpoolOptions SpoolOpts() {
    SpoolOptions so;
    so.dir = tmp_.Sub("spool");
    so.fsync = FsyncPolicy::kAlways;
    return so;
  }

  SinkOptions Options(int batch = 500) {
    SinkOptions o;
    o.postgres.enabled = true;
    o.postgres.dsn = server_.Dsn();
    o.postgres.batch = batch;
    o.postgres.max_backoff_seconds = 0.5;
    o.spool_dir = tmp_.Sub("spool");
    o.durable_end = [this] { return spool_->durable_end(); };
    o.poll_seconds = 0.05;
    return o;
  }

  // Loads everything durable with a fresh sink, as a restarted daemon would.
  void Load(int batch = 500) {
    PostgresSink sink(Options(batch), &metrics_);
    ASSERT_TRUE(sink.Open().ok());
    Status s = sink.RunUntilCaughtUp(60);
    ASSERT_TRUE(s.ok()) << s.message();
  }

  void Emit(const ArticleRecord& r) { ASSERT_TRUE(spool_->Emit(r).ok()); }

  std::string Position(const std::string& column) {
    return server_.Value("SELECT " + column + " FROM tincrawl.spool_position");
  }

  // Polls `sql` until it returns `want`, for at most `seconds`.
  bool WaitFor(const std::string& sql, const std::string& want, double seconds = 60) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    while (std::chrono::steady_clock::now() < until) {
      if (server_.Value(sql) == want) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return server_.Value(sql) == want;
  }

  TempDir tmp_;
  PgTestServer server_;
  std::unique_ptr<Spool> spool_;
  Metrics metrics_;
};

TEST_F(SinkTest, RevisionsUpdateTheirRowInPlace) {
  for (int i = 0; i < 3; ++i) Emit(Record(i));
  Emit(Record(1, 2, "Tin số 1 (đã sửa)"));
  Load();
  EXPECT_EQ(server_.Value("SELECT count(*) FROM tincrawl.articles"), "3");
  EXPECT_EQ(server_.Value("SELECT revision || ' ' || title FROM tincrawl.articles WHERE id = "
                          "'a1001'"),
            "2 Tin số 1 (đã sửa)");
  Emit(Record(1, 3, "Tin số 1 (lần ba)"));
  Load();
  EXPECT_EQ(server_.Value("SELECT count(*) || ' ' || max(revision) FROM tincrawl.articles WHERE "
                          "id = 'a1001'"),
            "1 3");
  EXPECT_EQ(Position("lines || ' ' || inserted || ' ' || updated || ' ' || skipped"), "5 3 2 0");
  EXPECT_EQ(metrics_.SinkRows("update")->Value(), 2);
  EXPECT_EQ(server_.Value("SELECT province FROM tincrawl.sites WHERE id = 'hanoi'"), "Hà Nội");
  EXPECT_EQ(server_.Value("SELECT max(version) FROM tincrawl.schema_version"),
            std::to_string(LatestSchemaVersion()));
}

// A database created by schema version 1 (generated search column) is upgraded in place: its
// rows get the new vector, and new rows load with the one tincrawl computes.
TEST_F(SinkTest, VersionOneDatabaseIsUpgraded) {
  std::string v1 =
      "CREATE EXTENSION IF NOT EXISTS unaccent; CREATE SCHEMA tincrawl; "
      "CREATE TABLE tincrawl.schema_version (version integer PRIMARY KEY, "
      "description text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now());\n" +
      MigrationSql(Migrations()[0], "tincrawl") +
      "\nINSERT INTO tincrawl.schema_version VALUES (1, 'v1');"
      "INSERT INTO tincrawl.sites (id) VALUES ('hanoi');"
      "INSERT INTO tincrawl.articles (id, site, url, canonical_url, title, author, "
      "posted_by, source, summary, body, body_html, lang, level, province, district, "
      "commune, merged_into, content_hash, simhash, revision, first_seen, fetched_at, "
      "confidence, images, attachments) VALUES ('old', 'hanoi', 'u', 'u', "
      "'Phòng chống COVID-19', '', '', '', '', 'ngày 19/4/2021', '', 'vi', '', '', "
      "'', '', '', 0, 0, 1, now(), now(), 1, '[]', '[]');";
  bool ok = false;
  server_.Query(v1, &ok);
  ASSERT_TRUE(ok) << server_.last_psql_error();
  Emit(Record(1, 1, "Chuyển đổi số"));
  Load();
  EXPECT_EQ(server_.Value("SELECT max(version) FROM tincrawl.schema_version"),
            std::to_string(LatestSchemaVersion()));
  const std::string query =
      "SELECT string_agg(id, ',' ORDER BY id) FROM tincrawl.articles WHERE search @@ ";
  EXPECT_EQ(server_.Value(query + "tincrawl.search_query('covid-19 \"19/4/2021\"')"), "old");
  EXPECT_EQ(server_.Value(query + "tincrawl.search_query('chuyen doi so')"), "a1001");
  EXPECT_EQ(server_.Value("SELECT attgenerated FROM pg_attribute WHERE attrelid = "
                          "'tincrawl.articles'::regclass AND attname = 'search'"),
            "");
}

// The search column tincrawl computes is the server's definition, search_vector(), on text with
// every kind of token: punctuation of all sorts, numbers, dates, addresses, other scripts,
// ligatures, and the limits (positions, long words).
TEST_F(SinkTest, SearchVectorIsTheServerDefinition) {
  Load();  // Creates the schema.
  std::string repeated, endless;
  for (int i = 0; i < 300; ++i) repeated += "lap ";
  for (int i = 0; i < 17000; ++i) endless += "a ";  // Past the last position (16383).
  const std::vector<std::string> texts = {
      "Đẩy mạnh “chuyển đổi số” – nâng cao… hiệu quả\u00a0phục vụ (Người dân)!",
      "COVID-19 ngày 19/04/2021 lúc 15:17 GMT+7; 3,5% và 2.000 tỷ đồng",
      "Liên hệ: a.b@quangninh.gov.vn, http://x.gov.vn/a/b?c=1#d don't x_y",
      "Ærø Łódź Straße Œuvre ıstanbul ﬁne Ñandú Ελλάδα Ёлка й 中文汉字 한국어 ไทย",
      "©2024 ½ x² 👍 №5 ™ «quote» ‹q› „q“ ¿qué? ¡sí! § ¶ • · ° ± × ÷",
      "Ha\xCC\x80 No\xCC\xA3\xCC\x82i (decomposed) \xEF\xBF\xBD \xEF\xBB\xBF"
      "bom",
      repeated,
      endless + "cuoi",
      std::string(3000, 'x') + " ngan",
  };
  for (const std::string& text : texts) {
    const std::string same =
        server_.Value("SELECT " + QuoteLiteral(SearchVectorLiteral(text, "")) +
                      "::tsvector = " + "tincrawl.search_vector(" + QuoteLiteral(text + " ") + ")");
    EXPECT_EQ(same, "t") << text.substr(0, 200)
                         << "\nclient: " << SearchVectorLiteral(text, "").substr(0, 400)
                         << "\nserver: "
                         << server_.Value("SELECT left(tincrawl.search_vector(" +
                                          QuoteLiteral(text) + ")::text, 400)");
  }
  // Every letter unaccent folds (its rules file, as installed with the server) folds the same.
  const std::string share = server_.Value("SELECT setting FROM pg_config WHERE name = 'SHAREDIR'");
  std::ifstream rules(share + "/tsearch_data/unaccent.rules");
  ASSERT_TRUE(rules) << share;
  std::string line, letters;
  int checked = 0;
  while (std::getline(rules, line)) {
    const std::string source = line.substr(0, line.find('\t'));
    size_t pos = 0;
    if (source.empty() || source.find(' ') != std::string::npos) continue;
    const char32_t c = NextCodePoint(source, &pos);
    if (pos != source.size() || !u_isalpha(static_cast<UChar32>(c))) continue;
    letters += "q" + source + "q ";
    ++checked;
  }
  EXPECT_GT(checked, 1000);
  std::string values;
  for (size_t start = 0; start < letters.size();) {
    const size_t end = letters.find(' ', start);
    const std::string word = letters.substr(start, end - start);
    start = end + 1;
    values += std::string(values.empty() ? "" : ",") + "(" + QuoteLiteral(word) + "," +
              QuoteLiteral(SearchVectorLiteral(word, "")) + ")";
  }
  const std::string bad = server_.Value(
      "SELECT coalesce(string_agg(w || ' ' || tincrawl.search_vector(w)::text || ' / ' || c, "
      "'; '), '') FROM (VALUES " +
      values +
      ") v(w, c) WHERE c::tsvector <> "
      "tincrawl.search_vector(w)");
  EXPECT_EQ(bad, "");
}

TEST_F(SinkTest, VietnameseFullTextFindsAccentedTextFromAnUnaccentedQuery) {
  ArticleRecord a = Record(1, 1, "Đẩy mạnh chuyển đổi số trong cơ quan nhà nước");
  ArticleRecord b = Record(2, 1, "Hội nghị về xây dựng nông thôn mới");
  b.body = "Huyện Đông Triều tổng kết năm 2024.";
  ArticleRecord nfd = Record(3, 1, "Tin Ha\xCC\x80 No\xCC\xA3\xCC\x82i");  // "Hà Nội" decomposed.
  nfd.body =
      "Chuye\xCC\x82\xCC\x89n \xC4\x91o\xCC\x82\xCC\x89i so\xCC\x82\xCC\x81 o\xCC\x9B\xCC\x89 "
      "thu\xCC\x89 \xC4\x91o\xCC\x82";
  for (const auto& r : {a, b, nfd}) Emit(r);
  Load();
  const std::string query =
      "SELECT string_agg(id, ',' ORDER BY id) FROM tincrawl.articles WHERE search @@ ";
  EXPECT_EQ(server_.Value(query + "tincrawl.search_query('chuyen doi so')"), "a1001,a1003");
  EXPECT_EQ(server_.Value(query + "tincrawl.search_query('\"chuyển đổi số\"')"), "a1001,a1003");
  EXPECT_EQ(server_.Value(query + "tincrawl.search_query('dong trieu')"), "a1002");
  EXPECT_EQ(server_.Value(query + "tincrawl.search_query('ha noi')"), "a1003");
  EXPECT_EQ(server_.Value(query + "tincrawl.search_query('chuyen -nong')"), "a1001,a1003");
  EXPECT_EQ(server_.Value(query + "tincrawl.search_query('chuyen or nong')"), "a1001,a1002,a1003");
  // Hyphenated words, dates and addresses search as their parts, as they were indexed.
  ArticleRecord c = Record(4, 1, "Phòng chống COVID-19");
  c.body = "Ngày 19/4/2021, Sở Y tế (soyte@quangninh.gov.vn) họp – trực tuyến.";
  Emit(c);
  Load();
  EXPECT_EQ(server_.Value(query + "tincrawl.search_query('covid-19')"), "a1004");
  EXPECT_EQ(server_.Value(query + "tincrawl.search_query('\"19/4/2021\"')"), "a1004");
  EXPECT_EQ(server_.Value(query + "tincrawl.search_query('quangninh.gov.vn truc tuyen')"), "a1004");
  EXPECT_EQ(server_.Value(query + "tincrawl.search_query('so y te -covid')"), "");
  // The GIN index serves the query.
  std::string plan;
  for (const auto& row : server_.Query("SET enable_seqscan = off; EXPLAIN SELECT id FROM "
                                       "tincrawl.articles WHERE search @@ "
                                       "tincrawl.search_query('chuyen doi so')")) {
    plan += row + "\n";
  }
  EXPECT_NE(plan.find("articles_search"), std::string::npos) << plan;
}

TEST_F(SinkTest, ResumesAfterRestartsOfEitherSideWithoutLosingOrDoublingALine) {
  int next = 0;
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 40; ++i, ++next) Emit(Record(next, 1));
    for (int i = 0; i < 5; ++i) Emit(Record(next - 1 - i, 2, "sửa " + std::to_string(round)));
    Load(7);  // Small batches: many commits, each with its position.
    ASSERT_TRUE(server_.Stop(round % 2 == 0 ? "immediate" : "fast"));
    ASSERT_TRUE(server_.Start()) << server_.error();
  }
  Load(7);
  EXPECT_EQ(server_.Value("SELECT count(*) FROM tincrawl.articles"), "120");
  EXPECT_EQ(Position("lines || ' ' || inserted || ' ' || updated || ' ' || skipped"),
            "135 120 15 0");
  EXPECT_EQ(server_.Value("SELECT count(*) FROM tincrawl.articles WHERE revision = 2"), "15");
}

TEST_F(SinkTest, DownAtStartTheCrawlGoesOnAndTheBacklogDrainsLater) {
  ASSERT_TRUE(server_.Stop());
  PostgresSink sink(Options(10), &metrics_);
  ASSERT_TRUE(sink.Open().ok());  // Unreachable is not an error: the thread keeps trying.
  sink.Start();
  for (int i = 0; i < 25; ++i) Emit(Record(i));  // The producer never waits for the sink.
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (metrics_.SinkErrors("connect")->Value() < 2 && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_GE(metrics_.SinkErrors("connect")->Value(), 2);
  EXPECT_FALSE(sink.stats().connected);
  ASSERT_TRUE(server_.Start()) << server_.error();
  EXPECT_TRUE(WaitFor("SELECT count(*) FROM tincrawl.articles", "25"));
  for (int i = 25; i < 30; ++i) Emit(Record(i));
  EXPECT_TRUE(WaitFor("SELECT count(*) FROM tincrawl.articles", "30"));
  sink.Stop(10);
  EXPECT_TRUE(sink.stats().caught_up);
  EXPECT_EQ(metrics_.sink_lag->Value(), 0);
  EXPECT_EQ(metrics_.SinkRows("insert")->Value(), 30);
}

TEST_F(SinkTest, BadCredentialsAndAMissingDatabaseAreClearErrors) {
  SinkOptions wrong = Options();
  wrong.postgres.dsn = server_.Dsn("postgres", "not-the-password");
  PostgresSink bad(wrong, nullptr);
  Status s = bad.Open();
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(s.message().find("password authentication failed"), std::string::npos) << s.message();
  EXPECT_EQ(s.message().find("not-the-password"), std::string::npos);
  std::string report;
  s = CheckPostgres(wrong.postgres, &report);
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  wrong.postgres.dsn = server_.Dsn("no_such_db");
  s = CheckPostgres(wrong.postgres, &report);
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(s.message().find("\"no_such_db\" does not exist"), std::string::npos) << s.message();
  EXPECT_TRUE(CheckPostgres(Options().postgres, &report).ok());
  EXPECT_NE(report.find("does not exist yet"), std::string::npos) << report;
  const std::string redacted = RedactDsn(server_.Dsn("postgres", "not-the-password"));
  EXPECT_NE(redacted.find("password=***"), std::string::npos) << redacted;
  EXPECT_EQ(redacted.find("not-the-password"), std::string::npos) << redacted;
}

TEST_F(SinkTest, LinesThatAreNoArticleOrThatTheServerRefusesAreRecordedAndSkipped) {
  for (int i = 0; i < 6; ++i) Emit(Record(i));
  // A line no producer of ours writes, appended to the spool file between two restarts.
  const std::string file = spool_->current_file();
  ASSERT_TRUE(spool_->Close().ok());
  {
    std::ofstream out(file, std::ios::app | std::ios::binary);
    out << "{\"id\":\"broken\", truncated\n";
  }
  ASSERT_TRUE(Spool::Open(SpoolOpts(), nullptr, &spool_).ok());
  ArticleRecord refused = Record(6);
  refused.fetched_at = 900000000000000LL;  // Far beyond timestamptz: the server refuses it.
  Emit(refused);
  for (int i = 7; i < 12; ++i) Emit(Record(i));
  Load(50);
  EXPECT_EQ(server_.Value("SELECT count(*) FROM tincrawl.articles"), "11");
  EXPECT_EQ(server_.Value("SELECT count(*) FROM tincrawl.rejected_lines"), "2");
  EXPECT_EQ(Position("lines || ' ' || inserted || ' ' || rejected"), "13 11 2");
  EXPECT_EQ(metrics_.SinkRows("reject")->Value(), 2);
  EXPECT_NE(server_.Value("SELECT error FROM tincrawl.rejected_lines WHERE convert_from(line, "
                          "'UTF8') LIKE '%a1006%'"),
            "");
}

TEST_F(SinkTest, CopiesShareTheStoryOfTheirFirstPublisherAlsoAfterAReroot) {
  ArticleRecord root = Record(1);
  ArticleRecord copy = Record(2);
  copy.duplicate_of = root.id;
  copy.sightings.clear();
  Emit(root);
  Emit(copy);
  Load();
  EXPECT_EQ(server_.Value("SELECT string_agg(article || '>' || story, ',' ORDER BY article) FROM "
                          "tincrawl.sightings"),
            "a1001>a1001,a1002>a1001");
  // An earlier publication turns up: it becomes the first publisher of all three.
  ArticleRecord first = Record(3);
  first.sightings = {
      root.sightings[0], {copy.id, copy.site, copy.url, copy.first_seen}, first.sightings[0]};
  Emit(first);
  // A copy whose line was written before the reroot committed, and arrives after it.
  ArticleRecord late = Record(4);
  late.duplicate_of = root.id;
  late.sightings.clear();
  Emit(late);
  Load();
  EXPECT_EQ(server_.Value("SELECT string_agg(article || '>' || story, ',' ORDER BY article) FROM "
                          "tincrawl.sightings"),
            "a1001>a1003,a1002>a1003,a1003>a1003,a1004>a1003");
  EXPECT_EQ(server_.Value("SELECT string_agg(id, ',') FROM tincrawl.stories"), "a1003");
}

}  // namespace
}  // namespace tincrawl

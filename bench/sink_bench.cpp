// Rows per second into PostgreSQL: writes a spool of N synthetic articles (Vietnamese text of a
// typical article's size, 10% syndicated copies, 5% revisions), then loads it with the sink on
// this thread, as the daemon's sink thread would, and prints the rate.
//
//   sink_bench [articles] [--batch N] [--dsn DSN]
//
// Without --dsn it starts a private server with tests/support/pg_server.py (initdb + pg_ctl on
// 127.0.0.1, fsync off as in the tests) and removes it afterwards.
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>

#include "crawler/output/spool.h"
#include "crawler/sink/json_value.h"
#include "crawler/sink/sink.h"

namespace fs = std::filesystem;
using tincrawl::ArticleRecord;

namespace {

const char* kWords[] = {"chuyển", "đổi",  "số",    "tỉnh",  "huyện", "xã",   "công", "tác",
                        "năm",    "kế",   "hoạch", "triển", "khai",  "nhân", "dân",  "ủy",
                        "ban",    "hội",  "nghị",  "phát",  "triển", "kinh", "tế",   "xây",
                        "dựng",   "nông", "thôn",  "mới",   "giáo",  "dục",  "y",    "tế",
                        "đầu",    "tư",   "Quảng", "Ninh"};

std::string Text(std::mt19937_64* rng, int words) {
  std::string out;
  for (int i = 0; i < words; ++i) {
    if (i > 0) out += (i % 17 == 0) ? ".\n" : " ";
    out += kWords[(*rng)() % (sizeof kWords / sizeof kWords[0])];
  }
  return out;
}

ArticleRecord Article(int i, std::mt19937_64* rng) {
  ArticleRecord r;
  char id[17];
  std::snprintf(id, sizeof id, "%016x", i + 1);
  r.id = id;
  r.site = "site-" + std::to_string(i % 200);
  r.locality = {"district", "Quảng Ninh", "Quảng Yên " + std::to_string(i % 200), "", ""};
  r.url = "http://" + r.site + ".gov.vn/tin-tuc/bai-" + std::to_string(i) + ".html";
  r.canonical_url = r.url;
  r.title = Text(rng, 12);
  r.published = "2024-05-01T08:00:00+07:00";
  r.author = "Nguyễn Văn A";
  r.body = Text(rng, 600);  // ~3.5 KB, a typical gov.vn news item.
  r.body_html = "<p>" + r.body.substr(0, 1000) + "</p>";
  r.fetched_at = 1714550400 + i;
  r.first_seen = r.fetched_at;
  r.content_hash = (*rng)();
  r.simhash = (*rng)();
  if (i % 10 == 9) {  // A syndicated copy of the article before it.
    char first[17];
    std::snprintf(first, sizeof first, "%016x", i);
    r.duplicate_of = first;
  } else {
    r.sightings.push_back({r.id, r.site, r.url, r.first_seen});
  }
  return r;
}

fs::path Script() {
  return fs::path(__FILE__).parent_path().parent_path() / "tests/support/pg_server.py";
}

// Starts the private server; returns its DSN and sets *dir (empty on failure).
std::string StartServer(std::string* dir) {
  std::FILE* p = popen(("/usr/bin/python3 " + Script().string() + " start").c_str(), "r");
  if (p == nullptr) return "";
  std::string out;
  char buf[512];
  while (std::fgets(buf, sizeof buf, p) != nullptr) out += buf;
  if (pclose(p) != 0) return "";
  tincrawl::JsonValue info;
  std::string error;
  if (!tincrawl::ParseJson(out, &info, &error)) return "";
  *dir = info.Find("dir")->text;
  return info.Find("dsn")->text;
}

double CpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// Writes the spool; returns its size in bytes (-1 on failure).
int64_t WriteSpool(const std::string& dir, int articles) {
  tincrawl::SpoolOptions so;
  so.dir = dir;
  so.fsync = tincrawl::FsyncPolicy::kNever;
  std::unique_ptr<tincrawl::Spool> spool;
  if (!tincrawl::Spool::Open(so, nullptr, &spool).ok()) return -1;
  std::mt19937_64 rng(16);
  int64_t bytes = 0;
  for (int i = 0; i < articles + articles / 20; ++i) {
    ArticleRecord r = Article(i < articles ? i : (i - articles) * 20 + 5, &rng);
    if (i >= articles) r.revision = 2;  // Revisits that changed 5% of the articles.
    bytes += static_cast<int64_t>(tincrawl::ArticleRecordToJson(r).size()) + 1;
    if (!spool->Emit(r).ok()) return -1;
  }
  return spool->Close().ok() ? bytes : -1;
}

// Loads the spool in `dir` and prints the figures.
bool Load(const std::string& dsn, const std::string& dir, int batch, int64_t bytes) {
  tincrawl::SinkOptions options;
  options.postgres.dsn = dsn;
  options.postgres.batch = batch;
  options.spool_dir = dir;
  tincrawl::PostgresSink sink(options, nullptr);
  if (tincrawl::Status s = sink.Open(); !s.ok()) {
    std::fprintf(stderr, "sink_bench: %s\n", s.message().c_str());
    return false;
  }
  const double cpu0 = CpuSeconds();
  const auto t0 = std::chrono::steady_clock::now();
  tincrawl::Status s = sink.RunUntilCaughtUp(3600);
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double cpu = CpuSeconds() - cpu0;
  const tincrawl::SinkStats st = sink.stats();
  std::printf(
      "loaded %lld lines in %lld commits (batch %d): %.2f s, %.0f lines/s, "
      "%.1f MB/s; tincrawl CPU %.2f s (%.0f%% of one core; the rest is the server)\n",
      static_cast<long long>(st.counts.lines), static_cast<long long>(st.counts.commits), batch,
      wall, static_cast<double>(st.counts.lines) / wall, static_cast<double>(bytes) / 1e6 / wall,
      cpu, 100 * cpu / wall);
  std::printf("insert %lld, update %lld, skip %lld, reject %lld%s\n",
              static_cast<long long>(st.counts.inserted), static_cast<long long>(st.counts.updated),
              static_cast<long long>(st.counts.skipped), static_cast<long long>(st.counts.rejected),
              s.ok() ? "" : (" -- stopped: " + s.message()).c_str());
  return s.ok();
}

}  // namespace

int main(int argc, char** argv) {
  int articles = 100000, batch = 500;
  std::string dsn, server_dir;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--batch" && i + 1 < argc) {
      batch = std::atoi(argv[++i]);
    } else if (a == "--dsn" && i + 1 < argc) {
      dsn = argv[++i];
    } else {
      articles = std::atoi(argv[i]);
    }
  }
  if (dsn.empty() && (dsn = StartServer(&server_dir)).empty()) {
    std::fprintf(stderr, "sink_bench: cannot start a PostgreSQL server (pg_server.py)\n");
    return 1;
  }
  const fs::path tmp = fs::temp_directory_path() / ("sink_bench_" + std::to_string(getpid()));
  const int64_t bytes = WriteSpool((tmp / "spool").string(), articles);
  std::printf("spool: %d articles + %d revisions, %.1f MB\n", articles, articles / 20,
              static_cast<double>(bytes) / 1e6);
  const bool ok = bytes > 0 && Load(dsn, (tmp / "spool").string(), batch, bytes);
  std::error_code ec;
  fs::remove_all(tmp, ec);
  if (!server_dir.empty()) {
    (void)std::system(
        ("/usr/bin/python3 " + Script().string() + " destroy --dir " + server_dir).c_str());
  }
  return ok ? 0 : 1;
}

// Ingest benchmark for the store + deduper: synthetic Vietnamese-like articles (~300 words,
// ~10% exact and ~10% near duplicates), every dedup lookup on, one thread.
//
//   store_bench [articles=1000000] [dir=/tmp/tincrawl_store_bench]
//
// Prints articles/s (ingest only; text generation is excluded) by wall clock and by the ingest
// thread's CPU time (the machine may be shared), per million (marginal and cumulative, with RSS,
// RocksDB stall time and write amplification), near-duplicate query latency (median, p99)
// against the final index for probes that are half edited copies of stored bodies (hits) and
// half new bodies (misses), RSS and disk bytes per article.
#include <rocksdb/write_batch.h>
#include <time.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "bench/scale_curve.h"
#include "crawler/dedup/dedup.h"
#include "crawler/store/store.h"
#include "extractors/text.h"

namespace {

using tincrawl::Article;
using Clock = std::chrono::steady_clock;

std::vector<std::string> MakeSyllables() {
  const char* onsets[] = {"",  "b",  "c",  "ch", "d",  "đ", "g", "h",  "kh", "l", "m",
                          "n", "ng", "nh", "ph", "qu", "s", "t", "th", "tr", "v", "x"};
  const char* rhymes[] = {"a",   "à",    "á",   "ạ",   "an",   "ảnh", "ân", "ầu", "ê",   "ết",
                          "i",   "iệp",  "inh", "o",   "ô",    "ộng", "ơ",  "ời", "u",   "ư",
                          "ước", "ương", "ý",   "oàn", "uyết", "iểm", "ăm", "ắc", "ong", "ung"};
  std::vector<std::string> out;
  for (const char* o : onsets) {
    for (const char* r : rhymes) out.push_back(std::string(o) + r);
  }
  return out;
}

class Generator {
 public:
  explicit Generator(uint64_t seed) : rng_(seed), syllables_(MakeSyllables()) {}

  std::string Sentence(int words) {
    // Zipf-ish: small ranks are much more frequent, like real function words.
    std::string s;
    for (int i = 0; i < words; ++i) {
      const double u = std::uniform_real_distribution<double>(0, 1)(rng_);
      const auto rank = static_cast<size_t>(std::pow(syllables_.size(), u)) - 1;
      if (i > 0) s += ' ';
      s += syllables_[std::min(rank, syllables_.size() - 1)];
    }
    s[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(s[0])));
    return s + ".";
  }

  std::vector<std::string> Body() {
    std::vector<std::string> sentences;
    int words = 0;
    while (words < 300) {
      const int n = 10 + static_cast<int>(rng_() % 15);
      sentences.push_back(Sentence(n));
      words += n;
    }
    return sentences;
  }

  std::mt19937_64& rng() { return rng_; }

 private:
  std::mt19937_64 rng_;
  std::vector<std::string> syllables_;
};

std::string Join(const std::vector<std::string>& sentences) {
  std::string body;
  for (size_t i = 0; i < sentences.size(); ++i) {
    if (i > 0) body += (i % 5 == 0) ? "\n\n" : " ";
    body += sentences[i];
  }
  return body;
}

double ThreadCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

long RssKb() { return tincrawl::bench::ProcStatusKb("VmRSS:"); }

uint64_t DirBytes(const std::string& dir) {
  uint64_t total = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) total += e.file_size();
  }
  return total;
}

}  // namespace

int main(int argc, char** argv) {
  const long n = argc > 1 ? std::atol(argv[1]) : 1000000;
  const std::string dir = argc > 2 ? argv[2] : "/tmp/tincrawl_store_bench";
  std::filesystem::remove_all(dir);
  tincrawl::StoreConfig config;
  std::unique_ptr<tincrawl::Store> store;
  if (auto st = tincrawl::Store::Open(dir, config, &store); !st.ok()) {
    std::fprintf(stderr, "open: %s\n", st.ToString().c_str());
    return 1;
  }
  std::unique_ptr<tincrawl::Deduper> deduper;
  if (auto st = tincrawl::Deduper::Open(store.get(), {}, &deduper); !st.ok()) {
    std::fprintf(stderr, "dedup: %s\n", st.ToString().c_str());
    return 1;
  }
  Generator gen(1);
  std::vector<std::vector<std::string>> recent;  // Bodies that duplicates copy from.
  long counts[5] = {};
  double ingest_seconds = 0;
  double ingest_cpu_seconds = 0;
  uint64_t body_bytes = 0;
  const long chunk = 10000;
  tincrawl::bench::ScaleCurve curve(store.get(), "articles", 1000000);
  tincrawl::bench::HeapTrimmer trimmer;
  for (long base = 0; base < n; base += chunk) {
    std::vector<Article> batch_articles;
    for (long i = base; i < std::min(n, base + chunk); ++i) {
      const auto r = gen.rng()() % 10;
      std::vector<std::string> body;
      if (r == 0 && !recent.empty()) {
        body = recent[gen.rng()() % recent.size()];  // Exact copy.
      } else if (r == 1 && !recent.empty()) {
        body = recent[gen.rng()() % recent.size()];  // Near copy: one short sentence added.
        body.insert(body.begin() + static_cast<long>(body.size() / 2), gen.Sentence(5));
      } else {
        body = gen.Body();
        if (recent.size() < 5000) {
          recent.push_back(body);
        } else {
          recent[gen.rng()() % recent.size()] = body;
        }
      }
      Article a;
      a.url = "https://site" + std::to_string(i % 700) + ".gov.vn/tin/" + std::to_string(i);
      a.title = gen.Sentence(10);
      a.body = Join(body);
      a.body_html = "<p>" + a.body + "</p>";
      a.published = "2024-05-01T08:00:00+07:00";
      a.lang = "vi";
      body_bytes += a.body.size();
      batch_articles.push_back(std::move(a));
    }
    const auto t0 = Clock::now();
    const double cpu0 = ThreadCpuSeconds();
    for (size_t k = 0; k < batch_articles.size(); ++k) {
      const Article& a = batch_articles[k];
      tincrawl::IngestContext ctx;
      ctx.site = "site";
      ctx.url = a.url;
      ctx.fetched_at = 1714550400 + base + static_cast<long>(k);
      rocksdb::WriteBatch batch;
      tincrawl::IngestResult result;
      if (auto st = deduper->Ingest(a, ctx, &batch, &result); !st.ok()) {
        std::fprintf(stderr, "ingest: %s\n", st.ToString().c_str());
        return 1;
      }
      ++counts[static_cast<int>(result.decision)];
    }
    ingest_seconds += std::chrono::duration<double>(Clock::now() - t0).count();
    ingest_cpu_seconds += ThreadCpuSeconds() - cpu0;
    curve.Progress(std::min(n, base + chunk), ingest_seconds);
    trimmer.Maybe();
  }
  // Near-duplicate query latency (full lookup as Ingest does it: SimHash bands, then sentence
  // sketches verified against the store). Even probes: a stored body with a 15-word sentence
  // appended (should hit); odd probes: a new body (should miss).
  std::vector<double> lat;
  std::vector<tincrawl::BodyFingerprint> probes(20000);
  for (size_t i = 0; i < probes.size(); ++i) {
    std::vector<std::string> body;
    if (i % 2 == 0) {
      body = recent[gen.rng()() % recent.size()];
      body.back() += " " + gen.Sentence(15);
    } else {
      body = gen.Body();
    }
    tincrawl::FingerprintClean(tincrawl::CleanText(Join(body)), &probes[i]);
  }
  long hits = 0, hits_even = 0;
  for (size_t i = 0; i < probes.size(); ++i) {
    tincrawl::NearMatch m;
    const auto t0 = Clock::now();
    const bool hit = deduper->FindNear(probes[i], &m).ok();
    lat.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
    hits += hit;
    hits_even += hit && i % 2 == 0;
  }
  std::sort(lat.begin(), lat.end());
  if (auto st = store->Flush(); !st.ok())
    std::fprintf(stderr, "flush: %s\n", st.ToString().c_str());
  const long rss = RssKb();
  const size_t index_bytes = deduper->IndexMemoryBytes();
  const size_t indexed = deduper->indexed();
  tincrawl::bench::PrintIo(*store, "store at end:");
  deduper.reset();
  store.reset();  // Close so the WAL is gone and the SST sizes are final.
  const uint64_t disk = DirBytes(dir);
  std::printf(
      "articles            %ld (new %ld, exact %ld, near %ld, updated %ld, unchanged %ld)\n", n,
      counts[0], counts[1], counts[2], counts[3], counts[4]);
  std::printf(
      "ingest              %.0f articles/s wall (%.1f s), %.0f articles/s thread CPU "
      "(%.1f s), avg body %.0f bytes\n",
      static_cast<double>(n) / ingest_seconds, ingest_seconds,
      static_cast<double>(n) / ingest_cpu_seconds, ingest_cpu_seconds,
      static_cast<double>(body_bytes) / static_cast<double>(n));
  std::printf(
      "near query          median %.2f us, p99 %.2f us, max %.2f us (hits: %ld of %zu edited "
      "copies, %ld of %zu new bodies)\n",
      lat[lat.size() / 2], lat[lat.size() * 99 / 100], lat.back(), hits_even, lat.size() / 2,
      hits - hits_even, lat.size() / 2);
  std::printf("index memory        %.1f MiB for %zu articles\n",
              static_cast<double>(index_bytes) / (1 << 20), indexed);
  std::printf("rss                 %ld MiB\n", rss / 1024);
  std::printf("disk                %.1f MiB, %.0f bytes/article\n",
              static_cast<double>(disk) / (1 << 20),
              static_cast<double>(disk) / static_cast<double>(n));
  return 0;
}

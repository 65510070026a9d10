// Extraction throughput: full Extract() versus a bare gumbo_parse of the same bytes, single
// threaded and with 2 threads. Corpus: the shared real pages and the extract fixtures, repeated
// to about 50 MB. Each figure is the median of several rounds; parse and extract alternate within
// a round so that load from other processes hits both alike. Besides wall-clock rates the bench
// prints thread CPU time (getrusage RUSAGE_THREAD), which a busy machine disturbs far less.
//
// Usage: extract_bench [--rounds N] [--mb M] [--only parse|extract] [corpus_dir...]
// `--only` runs one side single-threaded, for profilers (valgrind --tool=callgrind).
#include <gumbo.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "extractors/extract.h"

namespace {

namespace fs = std::filesystem;

std::vector<std::string> LoadCorpus(const std::vector<fs::path>& dirs) {
  std::vector<std::string> docs;
  for (const fs::path& dir : dirs) {
    if (!fs::is_directory(dir)) continue;
    for (const auto& entry : fs::directory_iterator(dir)) {
      if (entry.path().extension() != ".html") continue;
      std::ifstream in(entry.path(), std::ios::binary);
      std::stringstream ss;
      ss << in.rdbuf();
      docs.push_back(ss.str());
    }
  }
  return docs;
}

using Work = void (*)(const std::string&);

void BareParse(const std::string& doc) {
  GumboOutput* out = gumbo_parse_with_options(&kGumboDefaultOptions, doc.data(), doc.size());
  gumbo_destroy_output(&kGumboDefaultOptions, out);
}

std::atomic<size_t> g_sink{0};

void FullExtract(const std::string& doc) {
  tincrawl::ExtractInput in;
  in.bytes = doc;
  in.url = "https://example.gov.vn/tin-tuc/bai-viet.html";
  tincrawl::Article a = tincrawl::Extract(in);
  g_sink += a.body.size();
}

double ThreadCpuSeconds() {
  rusage ru{};
  getrusage(RUSAGE_THREAD, &ru);
  return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
         (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

struct Timing {
  double wall = 0;  // Seconds, start of the first thread to the end of the last.
  double cpu = 0;   // Thread CPU seconds summed over the workers.
};

// The document order of one round: the corpus repeated until it holds `target` bytes.
std::vector<size_t> Order(const std::vector<std::string>& docs, size_t target, size_t* bytes) {
  std::vector<size_t> order;
  *bytes = 0;
  while (*bytes < target) {
    for (size_t i = 0; i < docs.size(); ++i) {
      order.push_back(i);
      *bytes += docs[i].size();
    }
  }
  return order;
}

Timing Run(const std::vector<std::string>& docs, const std::vector<size_t>& order, Work work,
           int threads) {
  Timing t;
  std::mutex mu;
  auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> pool;
  for (int w = 0; w < threads; ++w) {
    pool.emplace_back([&, w] {
      double cpu0 = ThreadCpuSeconds();
      for (size_t k = w; k < order.size(); k += threads) work(docs[order[k]]);
      double cpu = ThreadCpuSeconds() - cpu0;
      std::lock_guard<std::mutex> lock(mu);
      t.cpu += cpu;
    });
  }
  for (auto& th : pool) th.join();
  t.wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return t;
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

void Report(int threads, size_t bytes, size_t count, const std::vector<Timing>& parse,
            const std::vector<Timing>& extract) {
  std::vector<double> pw, pc, ew, ec, ratio_wall, ratio_cpu;
  for (size_t r = 0; r < parse.size(); ++r) {
    pw.push_back(parse[r].wall);
    pc.push_back(parse[r].cpu);
    ew.push_back(extract[r].wall);
    ec.push_back(extract[r].cpu);
    ratio_wall.push_back(parse[r].wall / extract[r].wall);
    ratio_cpu.push_back(parse[r].cpu / extract[r].cpu);
  }
  double mb = bytes / 1e6;
  std::printf("threads=%d bytes=%.1fMB docs=%zu rounds=%zu (medians)\n", threads, mb, count,
              parse.size());
  std::printf("  gumbo_parse : %8.1f docs/s %7.2f MB/s wall | %8.1f docs/cpu-s %7.2f MB/cpu-s\n",
              count / Median(pw), mb / Median(pw), count / Median(pc), mb / Median(pc));
  std::printf("  Extract     : %8.1f docs/s %7.2f MB/s wall | %8.1f docs/cpu-s %7.2f MB/cpu-s\n",
              count / Median(ew), mb / Median(ew), count / Median(ec), mb / Median(ec));
  std::printf(
      "  Extract/parse throughput: %.0f%% wall (min %.0f%% max %.0f%%), %.0f%% cpu\n",
      100 * Median(ratio_wall), 100 * *std::min_element(ratio_wall.begin(), ratio_wall.end()),
      100 * *std::max_element(ratio_wall.begin(), ratio_wall.end()), 100 * Median(ratio_cpu));
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<fs::path> dirs;
  int rounds = 5;
  size_t target = 50u << 20;
  std::string only;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--rounds" && i + 1 < argc) {
      rounds = std::max(1, std::atoi(argv[++i]));
    } else if (arg == "--mb" && i + 1 < argc) {
      target = static_cast<size_t>(std::max(1, std::atoi(argv[++i]))) << 20;
    } else if (arg == "--only" && i + 1 < argc) {
      only = argv[++i];
    } else {
      dirs.emplace_back(arg);
    }
  }
  if (dirs.empty()) {
    fs::path src = fs::path(__FILE__).parent_path().parent_path();
    dirs = {src / "../shared/corpus/real", src / "tests/fixtures/extract"};
  }
  std::vector<std::string> docs = LoadCorpus(dirs);
  if (docs.empty()) {
    std::fprintf(stderr, "no .html documents found\n");
    return 1;
  }
  size_t bytes = 0;
  std::vector<size_t> order = Order(docs, target, &bytes);
  std::printf("corpus: %zu documents\n", docs.size());
  if (!only.empty()) {
    Timing t = Run(docs, order, only == "parse" ? BareParse : FullExtract, 1);
    std::printf("%s: %zu docs %.1fMB in %.3fs wall %.3fs cpu\n", only.c_str(), order.size(),
                bytes / 1e6, t.wall, t.cpu);
    return 0;
  }
  for (int threads : {1, 2}) {
    std::vector<Timing> parse, extract;
    for (int r = 0; r < rounds; ++r) {
      parse.push_back(Run(docs, order, BareParse, threads));
      extract.push_back(Run(docs, order, FullExtract, threads));
    }
    Report(threads, bytes, order.size(), parse, extract);
  }
  return g_sink.load() == 0 ? 1 : 0;
}

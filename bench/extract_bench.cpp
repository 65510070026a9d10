// Extraction throughput: full Extract() versus a bare gumbo_parse of the same bytes, single
// threaded and with 2 threads. Corpus: the shared real pages and the extract fixtures, repeated
// to about 50 MB. Usage: extract_bench [corpus_dir...] (defaults to the built-in paths).
#include <gumbo.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "extractors/extract.h"

namespace {

namespace fs = std::filesystem;
constexpr size_t kTargetBytes = 50u << 20;

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

// Runs `work` over the corpus repeated to kTargetBytes, split across `threads`; returns seconds.
double Run(const std::vector<std::string>& docs, Work work, int threads, size_t* bytes,
           size_t* count) {
  std::vector<size_t> order;
  size_t total = 0;
  while (total < kTargetBytes) {
    for (size_t i = 0; i < docs.size(); ++i) {
      order.push_back(i);
      total += docs[i].size();
    }
  }
  *bytes = total;
  *count = order.size();
  auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      for (size_t k = t; k < order.size(); k += threads) work(docs[order[k]]);
    });
  }
  for (auto& th : pool) th.join();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<fs::path> dirs;
  for (int i = 1; i < argc; ++i) dirs.emplace_back(argv[i]);
  if (dirs.empty()) {
    fs::path src = fs::path(__FILE__).parent_path().parent_path();
    dirs = {src / "../shared/corpus/real", src / "tests/fixtures/extract"};
  }
  std::vector<std::string> docs = LoadCorpus(dirs);
  if (docs.empty()) {
    std::fprintf(stderr, "no .html documents found\n");
    return 1;
  }
  std::printf("corpus: %zu documents\n", docs.size());
  for (int threads : {1, 2}) {
    size_t bytes = 0, count = 0;
    double parse = Run(docs, BareParse, threads, &bytes, &count);
    double extract = Run(docs, FullExtract, threads, &bytes, &count);
    double mb = bytes / 1e6;
    std::printf("threads=%d bytes=%.1fMB docs=%zu\n", threads, mb, count);
    std::printf("  gumbo_parse : %8.1f docs/s %7.2f MB/s\n", count / parse, mb / parse);
    std::printf("  Extract     : %8.1f docs/s %7.2f MB/s  (%.0f%% of bare parse)\n",
                count / extract, mb / extract, 100.0 * parse / extract);
  }
  return g_sink.load() == 0 ? 1 : 0;
}

// Main-text quality of the generic extractor on trafilatura's evaluation corpus (990 real pages
// in many languages, ../shared/bench-data/trafilatura-eval), scored by the corpus's own rule:
// a "with" segment found in the extracted text (title, lead and body, whitespace-normalized) is a
// true positive, else a false negative; a "without" segment found is a false positive, else a
// true negative. Prints precision, recall, F1, accuracy, the pages given no body, the extraction
// time, and the worst pages with what was missed and what leaked.
//
// Usage: trafilatura_bench [--worst N] [--show SUBSTRING] [corpus_dir]
// `--show` prints the page kind and full extracted text of every page whose URL contains it.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "extractors/extract.h"
#include "extractors/text.h"

namespace {

namespace fs = std::filesystem;

struct Doc {
  std::string url, file;
  std::vector<std::string> with, without;
};

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A reader for the shape of evaldata.json only: {url: {"file": s, "with": [s], "without": [s]}}.
// Unknown keys are skipped when their value is a string or an array of strings.
class EvalReader {
 public:
  explicit EvalReader(std::string_view s) : s_(s) {}

  bool Read(std::vector<Doc>* docs) {
    if (!Expect('{')) return false;
    while (Peek() == '"') {
      Doc doc;
      if (!String(&doc.url) || !Expect(':') || !ReadDoc(&doc)) return false;
      docs->push_back(std::move(doc));
      if (Peek() != ',') break;
      ++pos_;
    }
    return Expect('}');
  }

 private:
  bool ReadDoc(Doc* doc) {
    if (!Expect('{')) return false;
    while (Peek() == '"') {
      std::string key;
      if (!String(&key) || !Expect(':')) return false;
      bool ok = key == "with"      ? Strings(&doc->with)
                : key == "without" ? Strings(&doc->without)
                : Peek() == '['    ? Strings(nullptr)
                                   : String(key == "file" ? &doc->file : nullptr);
      if (!ok) return false;
      if (Peek() != ',') break;
      ++pos_;
    }
    return Expect('}');
  }

  bool Strings(std::vector<std::string>* out) {
    if (!Expect('[')) return false;
    while (Peek() == '"') {
      std::string value;
      if (!String(&value)) return false;
      if (out != nullptr) out->push_back(std::move(value));
      if (Peek() != ',') break;
      ++pos_;
    }
    return Expect(']');
  }

  bool String(std::string* out) {
    std::string value;
    if (!Expect('"')) return false;
    while (pos_ < s_.size() && s_[pos_] != '"') {
      char c = s_[pos_++];
      if (c != '\\') {
        value.push_back(c);
      } else if (!Escape(&value)) {
        return false;
      }
    }
    ++pos_;
    if (out != nullptr) *out = std::move(value);
    return pos_ <= s_.size();
  }

  bool Escape(std::string* value) {
    if (pos_ >= s_.size()) return false;
    char c = s_[pos_++];
    static constexpr std::string_view kFrom = "nrtbf/\\\"", kTo = "\n\r\t\b\f/\\\"";
    if (size_t k = kFrom.find(c); k != std::string_view::npos) {
      value->push_back(kTo[k]);
      return true;
    }
    if (c != 'u') return false;
    char32_t cp = Hex4();
    if (cp >= 0xD800 && cp <= 0xDBFF && s_.substr(pos_, 2) == "\\u") {
      pos_ += 2;
      cp = 0x10000 + ((cp - 0xD800) << 10) + (Hex4() - 0xDC00);
    }
    tincrawl::AppendUtf8(cp, value);
    return true;
  }

  char32_t Hex4() {
    char32_t cp = 0;
    for (int i = 0; i < 4 && pos_ < s_.size(); ++i) {
      char h = s_[pos_++];
      cp = cp * 16 + static_cast<char32_t>(h <= '9' ? h - '0' : (h | 0x20) - 'a' + 10);
    }
    return cp;
  }

  char Peek() {
    while (pos_ < s_.size() &&
           (s_[pos_] == ' ' || s_[pos_] == '\n' || s_[pos_] == '\t' || s_[pos_] == '\r')) {
      ++pos_;
    }
    return pos_ < s_.size() ? s_[pos_] : '\0';
  }

  bool Expect(char c) {
    if (Peek() != c) return false;
    ++pos_;
    return true;
  }

  std::string_view s_;
  size_t pos_ = 0;
};

struct PageScore {
  const Doc* doc = nullptr;
  std::string kind;
  std::vector<std::string> missed, leaked;
  size_t tp = 0, tn = 0;
  bool empty = false;
};

std::string MainText(const tincrawl::Article& a) {
  return tincrawl::CleanText(a.title + "\n" + a.summary + "\n" + a.body);
}

bool Contains(const std::string& text, const std::string& segment) {
  std::string s = tincrawl::CleanText(segment);
  return !s.empty() && text.find(s) != std::string::npos;
}

PageScore Score(const Doc& doc, const tincrawl::Article& a) {
  PageScore p;
  p.doc = &doc;
  p.kind = tincrawl::PageKindName(a.page_kind);
  p.empty = a.body.empty();
  std::string text = MainText(a);
  for (const std::string& w : doc.with) {
    if (Contains(text, w)) {
      ++p.tp;
    } else {
      p.missed.push_back(w);
    }
  }
  for (const std::string& w : doc.without) {
    if (Contains(text, w)) {
      p.leaked.push_back(w);
    } else {
      ++p.tn;
    }
  }
  return p;
}

std::string Short(std::string_view s) {
  std::string out = tincrawl::CleanText(s);
  if (out.size() > 70) {
    size_t cut = 70;
    while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;
    out = out.substr(0, cut) + "...";
  }
  return out;
}

void PrintWorst(std::vector<PageScore> pages, size_t n) {
  std::stable_sort(pages.begin(), pages.end(), [](const PageScore& a, const PageScore& b) {
    return a.missed.size() + a.leaked.size() > b.missed.size() + b.leaked.size();
  });
  std::printf("\nworst %zu pages (missed = with-segments not found, leaked = without found):\n", n);
  for (size_t i = 0; i < n && i < pages.size(); ++i) {
    const PageScore& p = pages[i];
    std::printf("%2zu. %s [%s%s] %s\n", i + 1, p.doc->file.c_str(), p.kind.c_str(),
                p.empty ? ", empty body" : "", p.doc->url.c_str());
    for (const std::string& m : p.missed) std::printf("      missed: %s\n", Short(m).c_str());
    for (const std::string& l : p.leaked) std::printf("      leaked: %s\n", Short(l).c_str());
  }
}

fs::path FindPage(const fs::path& dir, const std::string& file) {
  fs::path cached = dir / "cache" / file;
  return fs::exists(cached) ? cached : dir / "eval" / file;
}

struct Options {
  fs::path dir = fs::path(__FILE__).parent_path() / "../../shared/bench-data/trafilatura-eval";
  size_t worst = 20;
  std::string show;
};

Options ParseArgs(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--worst" && i + 1 < argc) {
      o.worst = static_cast<size_t>(std::atoi(argv[++i]));
    } else if (arg == "--show" && i + 1 < argc) {
      o.show = argv[++i];
    } else {
      o.dir = arg;
    }
  }
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  const Options opt = ParseArgs(argc, argv);
  const fs::path& dir = opt.dir;
  const std::string& show = opt.show;
  std::vector<Doc> docs;
  if (!EvalReader(ReadFile(dir / "evaldata.json")).Read(&docs) || docs.empty()) {
    std::fprintf(stderr, "trafilatura_bench: cannot read %s/evaldata.json\n", dir.c_str());
    return 1;
  }
  std::vector<PageScore> pages;
  std::map<std::string, size_t> kinds;
  size_t tp = 0, fp = 0, tn = 0, fn = 0, empty = 0, bytes = 0;
  double seconds = 0;
  for (const Doc& doc : docs) {
    std::string html = ReadFile(FindPage(dir, doc.file));
    bytes += html.size();
    tincrawl::ExtractInput in;
    in.bytes = html;
    in.url = doc.url;
    in.generic_only = true;
    auto start = std::chrono::steady_clock::now();
    tincrawl::Article a = tincrawl::Extract(in);
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    PageScore p = Score(doc, a);
    tp += p.tp;
    tn += p.tn;
    fn += p.missed.size();
    fp += p.leaked.size();
    empty += p.empty;
    ++kinds[p.kind];
    if (!show.empty() && doc.url.find(show) != std::string::npos) {
      std::printf("== %s [%s] confidence %.2f %s\n%s\n\n", doc.url.c_str(), p.kind.c_str(),
                  a.confidence, a.signals.c_str(), MainText(a).c_str());
    }
    pages.push_back(std::move(p));
  }
  double precision = tp + fp ? static_cast<double>(tp) / (tp + fp) : 0;
  double recall = tp + fn ? static_cast<double>(tp) / (tp + fn) : 0;
  double f1 = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0;
  double accuracy = static_cast<double>(tp + tn) / (tp + tn + fp + fn);
  std::printf("pages %zu (%.1f MB), segments: %zu with, %zu without\n", docs.size(), bytes / 1e6,
              tp + fn, tn + fp);
  std::printf("precision %.3f  recall %.3f  F1 %.3f  accuracy %.3f\n", precision, recall, f1,
              accuracy);
  std::printf("empty body: %zu pages (%.1f%%);", empty, 100.0 * empty / docs.size());
  for (const auto& [kind, n] : kinds) std::printf(" %s %zu", kind.c_str(), n);
  std::printf("\nextraction: %.2f s, %.1f MB/s\n", seconds, bytes / 1e6 / seconds);
  PrintWorst(std::move(pages), opt.worst);
  return 0;
}

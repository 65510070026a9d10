#pragma once

// Generated NukeViet article pages for pipeline and crawler tests: the markup the "nukeviet"
// preset extracts (title, date, summary, body), with a body of seeded random words so pages of
// different seeds share no sentence and the deduper sees different stories.

#include <iterator>
#include <random>
#include <string>

namespace tincrawl::test_support {

inline std::string NukeVietArticleHtml(int seed) {
  static const char* const kWords[] = {
      "huyện",    "tỉnh",       "xã",       "hội nghị",     "cán bộ",    "nhân dân",
      "kế hoạch", "triển khai", "đánh giá", "kết quả",      "nông thôn", "giao thông",
      "y tế",     "giáo dục",   "đầu tư",   "dự án",        "thủy lợi",  "môi trường",
      "an ninh",  "văn hóa",    "du lịch",  "doanh nghiệp", "thuế",      "đất đai"};
  std::mt19937 rng(static_cast<unsigned>(1000 + seed));
  std::string body;
  for (int p = 0; p < 4; ++p) {
    body += "<p>";
    for (int s = 0; s < 3; ++s) {
      for (int w = 0; w < 14; ++w) {
        body += std::string(kWords[rng() % std::size(kWords)]) + (w == 13 ? ". " : " ");
      }
    }
    body += "</p>";
  }
  const std::string n = std::to_string(seed);
  const std::string title = "Bài số " + n + ": tin hoạt động của huyện";
  return "<!DOCTYPE html><html lang=\"vi\"><head><meta charset=\"utf-8\"><title>" + title +
         "</title></head><body><div id=\"news-detail\"><h1 class=\"title\">" + title +
         "</h1><span class=\"h-date\">Thứ hai - 15/04/2024 08:" + std::to_string(10 + seed % 50) +
         "</span><div class=\"hometext\">Tóm tắt bài số " + n +
         ".</div><div id=\"news-bodyhtml\" class=\"bodytext\">" + body +
         "</div></div></body></html>";
}

}  // namespace tincrawl::test_support

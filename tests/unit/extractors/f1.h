#pragma once

#include <string>
#include <string_view>
#include <unordered_map>

namespace tincrawl::testing {

// Token-level F1 of `got` against `want`: tokens are whitespace-separated, compared as
// multisets (bag of words), so paragraph order changes cost nothing but lost or extra text
// does. Two empty texts score 1.
inline double TokenF1(std::string_view got, std::string_view want) {
  auto bag = [](std::string_view s) {
    std::unordered_map<std::string, int> counts;
    size_t i = 0;
    while (i < s.size()) {
      while (i < s.size() && (s[i] == ' ' || s[i] == '\n' || s[i] == '\t' || s[i] == '\r')) ++i;
      size_t start = i;
      while (i < s.size() && !(s[i] == ' ' || s[i] == '\n' || s[i] == '\t' || s[i] == '\r')) ++i;
      if (i > start) ++counts[std::string(s.substr(start, i - start))];
    }
    return counts;
  };
  auto g = bag(got), w = bag(want);
  size_t total_g = 0, total_w = 0, common = 0;
  for (const auto& [tok, n] : g) total_g += n;
  for (const auto& [tok, n] : w) {
    total_w += n;
    auto it = g.find(tok);
    if (it != g.end()) common += std::min(n, it->second);
  }
  if (total_g == 0 && total_w == 0) return 1.0;
  if (common == 0) return 0.0;
  double precision = static_cast<double>(common) / total_g;
  double recall = static_cast<double>(common) / total_w;
  return 2 * precision * recall / (precision + recall);
}

}  // namespace tincrawl::testing

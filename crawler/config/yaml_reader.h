#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "crawler/config/config.h"

namespace tincrawl {

// Typed, located access to a YAML mapping. Every problem is appended to the shared error list
// with the file, line and column of the offending node; reading never throws and a wrong value
// leaves the destination untouched (its default stays in place).
class YamlReader {
 public:
  YamlReader(std::string file, std::vector<ConfigError>* errors)
      : file_(std::move(file)), errors_(errors) {}

  const std::string& file() const { return file_; }

  // Records an error located at `node` (or at the file when the node has no mark).
  void Error(const YAML::Node& node, const std::string& message);

  // True when `node` is a mapping; otherwise records "<what> must be a mapping".
  bool ExpectMap(const YAML::Node& node, std::string_view what);

  // Records an error for every key of `map` not in `allowed`, with a "did you mean" hint.
  void CheckKeys(const YAML::Node& map, std::initializer_list<std::string_view> allowed,
                 std::string_view section);

  // Each getter leaves *out unchanged when the key is absent or null and returns whether a
  // value was read. Type errors are recorded.
  bool Get(const YAML::Node& map, const char* key, std::string* out);
  bool Get(const YAML::Node& map, const char* key, bool* out);
  bool Get(const YAML::Node& map, const char* key, int* out, int64_t min, int64_t max);
  bool Get(const YAML::Node& map, const char* key, int64_t* out, int64_t min, int64_t max);
  bool Get(const YAML::Node& map, const char* key, double* out, double min, double max);
  bool Get(const YAML::Node& map, const char* key, std::vector<std::string>* out);

  // Requires `key` to be present with a non-empty value.
  bool Require(const YAML::Node& map, const char* key, std::string_view section);

 private:
  bool ScalarAt(const YAML::Node& map, const char* key, YAML::Node* value, const char* type);

  std::string file_;
  std::vector<ConfigError>* errors_;
};

// Levenshtein distance, for "did you mean" suggestions.
size_t EditDistance(std::string_view a, std::string_view b);

// The candidate closest to `word` when it is close enough to be a plausible typo, else "".
std::string Suggest(std::string_view word, const std::vector<std::string_view>& candidates);

}  // namespace tincrawl

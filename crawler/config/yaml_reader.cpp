#include "crawler/config/yaml_reader.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace tincrawl {

namespace {

std::string Describe(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Map:
      return "a mapping";
    case YAML::NodeType::Null:
      return "null";
    default:
      return "\"" + node.Scalar() + "\"";
  }
}

// True when the scalar was written without quotes (YAML then types it by its spelling).
bool IsPlain(const YAML::Node& node) { return node.Tag() != "!"; }

bool ParseInt(const std::string& text, int64_t* out) {
  if (text.empty()) return false;
  errno = 0;
  char* end = nullptr;
  long long v = std::strtoll(text.c_str(), &end, 10);
  if (errno != 0 || end == nullptr || *end != '\0') return false;
  *out = v;
  return true;
}

bool ParseDouble(const std::string& text, double* out) {
  if (text.empty()) return false;
  errno = 0;
  char* end = nullptr;
  double v = std::strtod(text.c_str(), &end);
  if (errno != 0 || end == nullptr || *end != '\0' || !std::isfinite(v)) return false;
  *out = v;
  return true;
}

// Plain scalars that YAML (and so the JSON Schema) reads as numbers or booleans.
bool LooksTyped(const std::string& s) {
  static const char* kWords[] = {"true", "false", "yes", "no", "on", "off", "null", "~"};
  for (const char* w : kWords) {
    if (s == w) return true;
  }
  int64_t i = 0;
  double d = 0;
  return ParseInt(s, &i) || ParseDouble(s, &d);
}

std::string FormatNumber(double d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", d);
  return buf;
}

}  // namespace

size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string Suggest(std::string_view word, const std::vector<std::string_view>& candidates) {
  std::string best;
  size_t best_distance = std::max<size_t>(2, word.size() / 3) + 1;
  for (std::string_view c : candidates) {
    size_t d = EditDistance(word, c);
    bool prefix = word.size() >= 3 && c.substr(0, word.size()) == word;
    if (prefix) d = std::min<size_t>(d, 1);
    if (d < best_distance) {
      best_distance = d;
      best = std::string(c);
    }
  }
  return best;
}

void YamlReader::Error(const YAML::Node& node, const std::string& message) {
  ConfigError e;
  e.file = file_;
  if (node.IsDefined() && !node.Mark().is_null()) {
    e.line = node.Mark().line + 1;
    e.column = node.Mark().column + 1;
  }
  e.message = message;
  errors_->push_back(std::move(e));
}

bool YamlReader::ExpectMap(const YAML::Node& node, std::string_view what) {
  if (node.IsMap()) return true;
  Error(node, std::string(what) + " must be a mapping, got " + Describe(node));
  return false;
}

void YamlReader::CheckKeys(const YAML::Node& map, std::initializer_list<std::string_view> allowed,
                           std::string_view section) {
  std::vector<std::string_view> names(allowed);
  for (const auto& kv : map) {
    if (!kv.first.IsScalar()) {
      Error(kv.first, "keys must be plain strings");
      continue;
    }
    const std::string& key = kv.first.Scalar();
    if (std::find(names.begin(), names.end(), key) != names.end()) continue;
    std::string msg = "unknown key \"" + key + "\"";
    if (!section.empty()) msg += " in " + std::string(section);
    std::string hint = Suggest(key, names);
    if (!hint.empty()) msg += "; did you mean \"" + hint + "\"?";
    Error(kv.first, msg);
  }
}

bool YamlReader::ScalarAt(const YAML::Node& map, const char* key, YAML::Node* value,
                          const char* type) {
  YAML::Node v = map[key];
  if (!v.IsDefined() || v.IsNull()) return false;
  if (!v.IsScalar()) {
    Error(v, std::string("\"") + key + "\" must be " + type + ", got " + Describe(v));
    return false;
  }
  *value = v;
  return true;
}

bool YamlReader::Get(const YAML::Node& map, const char* key, std::string* out) {
  YAML::Node v;
  if (!ScalarAt(map, key, &v, "a string")) return false;
  if (IsPlain(v) && LooksTyped(v.Scalar())) {
    Error(v, std::string("\"") + key + "\" must be a string, got " + Describe(v) +
                 " (quote it if it is meant as text)");
    return false;
  }
  *out = v.Scalar();
  return true;
}

bool YamlReader::Get(const YAML::Node& map, const char* key, bool* out) {
  YAML::Node v;
  if (!ScalarAt(map, key, &v, "true or false")) return false;
  const std::string& s = IsPlain(v) ? v.Scalar() : std::string();
  if (s == "true" || s == "yes" || s == "on") {
    *out = true;
  } else if (s == "false" || s == "no" || s == "off") {
    *out = false;
  } else {
    Error(v, std::string("\"") + key + "\" must be true or false, got " + Describe(v));
    return false;
  }
  return true;
}

bool YamlReader::Get(const YAML::Node& map, const char* key, int64_t* out, int64_t min,
                     int64_t max) {
  YAML::Node v;
  if (!ScalarAt(map, key, &v, "an integer")) return false;
  int64_t n = 0;
  if (!IsPlain(v) || !ParseInt(v.Scalar(), &n)) {
    Error(v, std::string("\"") + key + "\" must be an integer, got " + Describe(v));
    return false;
  }
  if (n < min || n > max) {
    Error(v, std::string("\"") + key + "\" must be between " + std::to_string(min) + " and " +
                 std::to_string(max) + ", got " + v.Scalar());
    return false;
  }
  *out = n;
  return true;
}

bool YamlReader::Get(const YAML::Node& map, const char* key, int* out, int64_t min, int64_t max) {
  int64_t n = *out;
  if (!Get(map, key, &n, min, max)) return false;
  *out = static_cast<int>(n);
  return true;
}

bool YamlReader::Get(const YAML::Node& map, const char* key, double* out, double min, double max) {
  YAML::Node v;
  if (!ScalarAt(map, key, &v, "a number")) return false;
  double d = 0;
  if (!IsPlain(v) || !ParseDouble(v.Scalar(), &d)) {
    Error(v, std::string("\"") + key + "\" must be a number, got " + Describe(v));
    return false;
  }
  if (d < min || d > max) {
    Error(v, std::string("\"") + key + "\" must be between " + FormatNumber(min) + " and " +
                 FormatNumber(max) + ", got " + v.Scalar());
    return false;
  }
  *out = d;
  return true;
}

bool YamlReader::Get(const YAML::Node& map, const char* key, std::vector<std::string>* out) {
  YAML::Node v = map[key];
  if (!v.IsDefined() || v.IsNull()) return false;
  if (!v.IsSequence()) {
    Error(v, std::string("\"") + key + "\" must be a list of strings, got " + Describe(v));
    return false;
  }
  std::vector<std::string> items;
  for (const auto& item : v) {
    if (!item.IsScalar() || (IsPlain(item) && LooksTyped(item.Scalar()))) {
      Error(item, std::string("items of \"") + key + "\" must be strings, got " + Describe(item));
      return false;
    }
    items.push_back(item.Scalar());
  }
  *out = std::move(items);
  return true;
}

bool YamlReader::Require(const YAML::Node& map, const char* key, std::string_view section) {
  YAML::Node v = map[key];
  if (v.IsDefined() && !v.IsNull() && !(v.IsScalar() && v.Scalar().empty())) return true;
  std::string where = section.empty() ? "" : " in " + std::string(section);
  Error(map, std::string("missing required key \"") + key + "\"" + where);
  return false;
}

}  // namespace tincrawl

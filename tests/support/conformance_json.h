#pragma once

// The conformance data under ../shared/bench-data/conformance, read with the sink's JSON parser
// (crawler/sink/json_value.h). Lone surrogate escapes become U+FFFD, as a JavaScript string
// turned into a URL would; numbers keep their text.

#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "crawler/sink/json_value.h"

namespace tincrawl::testing_json {

struct Value {
  enum class Kind { kNull, kBool, kNumber, kString, kArray, kObject } kind = Kind::kNull;
  bool boolean = false;
  std::string text;  // String contents, or a number as written.
  std::vector<Value> items;
  std::map<std::string, Value, std::less<>> members;

  bool IsString() const { return kind == Kind::kString; }
  bool IsObject() const { return kind == Kind::kObject; }
  // The member `key`, or a null value when absent.
  const Value& operator[](std::string_view key) const {
    static const Value kNullValue;
    const auto it = members.find(key);
    return it == members.end() ? kNullValue : it->second;
  }
};

inline Value FromJson(const JsonValue& j) {
  Value v;
  v.kind = static_cast<Value::Kind>(j.kind);
  v.boolean = j.boolean;
  v.text = j.text;
  for (const JsonValue& item : j.items) v.items.push_back(FromJson(item));
  for (const auto& [key, member] : j.members) v.members.emplace(key, FromJson(member));
  return v;
}

// Reads and parses the file at `path`; sets *ok to false when it cannot be read or parsed.
inline Value ReadJsonFile(const std::string& path, bool* ok) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buf;
  buf << in.rdbuf();
  const std::string text = buf.str();
  JsonValue parsed;
  std::string error;
  *ok = in.is_open() && !text.empty() && ParseJson(text, &parsed, &error, true);
  return FromJson(parsed);
}

}  // namespace tincrawl::testing_json

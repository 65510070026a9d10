#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tincrawl {

// A parsed JSON value (RFC 8259). Numbers keep their text; object members keep their order.
struct JsonValue {
  enum class Kind { kNull, kBool, kNumber, kString, kArray, kObject };
  Kind kind = Kind::kNull;
  bool boolean = false;
  std::string text;  // A string's contents (UTF-8), or a number as written.
  std::vector<JsonValue> items;
  std::vector<std::pair<std::string, JsonValue>> members;

  // The first member named `key`, or nullptr (also when this is not an object).
  const JsonValue* Find(std::string_view key) const;
};

// Parses exactly one JSON value (surrounding whitespace allowed). Strict: invalid UTF-8, control
// characters in strings, trailing text and nesting deeper than 64 are errors, and so is a lone
// surrogate escape unless `lone_surrogates_to_fffd` (JavaScript-made test data) turns it into
// U+FFFD. On failure returns false with a message naming the byte offset.
bool ParseJson(std::string_view text, JsonValue* out, std::string* error,
               bool lone_surrogates_to_fffd = false);

}  // namespace tincrawl

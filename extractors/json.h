#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace tincrawl {

// Appends `text` as a JSON string literal (with the quotes) to *out, per RFC 8259: '"' and '\'
// are escaped, \b \f \n \r \t use their short forms, other control characters (and U+2028,
// U+2029, which break JavaScript parsers) become \uXXXX. Valid UTF-8 passes through unchanged;
// each byte of an invalid sequence becomes U+FFFD, so the output is always valid JSON.
void AppendJsonString(std::string_view text, std::string* out);

// Streaming builder for one JSON value. Commas and colons are inserted automatically; callers
// must balance Begin/End calls and call Key() before every value inside an object. Doubles that
// are not finite are written as null (JSON has no NaN/Infinity).
//
//   JsonWriter w;
//   w.BeginObject().Key("n").Int(3).Key("tags").BeginArray().String("a").EndArray().EndObject();
//   w.str() == R"({"n":3,"tags":["a"]})"
class JsonWriter {
 public:
  JsonWriter& BeginObject();
  JsonWriter& EndObject();
  JsonWriter& BeginArray();
  JsonWriter& EndArray();
  JsonWriter& Key(std::string_view key);
  JsonWriter& String(std::string_view value);
  JsonWriter& Int(long long value);
  JsonWriter& Double(double value);
  JsonWriter& Bool(bool value);
  JsonWriter& Null();
  // Inserts `json` verbatim as one value; the caller guarantees it is valid JSON.
  JsonWriter& Raw(std::string_view json);

  // Shorthands for Key(key).<Value>(value).
  JsonWriter& Field(std::string_view key, std::string_view value) { return Key(key).String(value); }
  JsonWriter& Field(std::string_view key, const char* value) { return Key(key).String(value); }
  JsonWriter& Field(std::string_view key, bool value) { return Key(key).Bool(value); }
  JsonWriter& Field(std::string_view key, long long value) { return Key(key).Int(value); }

  const std::string& str() const { return out_; }
  std::string Take() { return std::move(out_); }

 private:
  void BeforeValue();

  std::string out_;
  std::vector<bool> has_items_;  // One entry per open object/array.
  bool after_key_ = false;
};

}  // namespace tincrawl

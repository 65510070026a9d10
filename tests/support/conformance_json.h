#pragma once

// A small JSON reader for the conformance data under ../shared/bench-data/conformance (the
// project itself only writes JSON). Enough for those files: objects, arrays, strings with every
// escape (lone surrogates become U+FFFD, as a JavaScript string turned into a URL would),
// true, false, null and numbers (kept as their text).

#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "extractors/text.h"

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

class Reader {
 public:
  explicit Reader(std::string_view text) : s_(text) {}

  // Parses the whole text; `ok()` tells whether it was valid.
  Value Parse() {
    Value v = ParseValue();
    SkipSpace();
    if (pos_ != s_.size()) ok_ = false;
    return v;
  }
  bool ok() const { return ok_; }

 private:
  void SkipSpace() {
    while (pos_ < s_.size() &&
           (s_[pos_] == ' ' || s_[pos_] == '\n' || s_[pos_] == '\r' || s_[pos_] == '\t')) {
      ++pos_;
    }
  }
  bool Eat(char c) {
    SkipSpace();
    if (pos_ < s_.size() && s_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }

  Value ParseValue() {
    SkipSpace();
    Value v;
    if (pos_ >= s_.size() || depth_ > 64) {
      ok_ = false;
      return v;
    }
    const char c = s_[pos_];
    if (c == '{') return ParseObject();
    if (c == '[') return ParseArray();
    if (c == '"') {
      v.kind = Value::Kind::kString;
      v.text = ParseString();
      return v;
    }
    for (std::string_view word : {"true", "false", "null"}) {
      if (s_.substr(pos_, word.size()) == word) {
        pos_ += word.size();
        v.kind = word == "null" ? Value::Kind::kNull : Value::Kind::kBool;
        v.boolean = word == "true";
        return v;
      }
    }
    const size_t start = pos_;
    while (pos_ < s_.size() &&
           std::string_view("+-.eE0123456789").find(s_[pos_]) != std::string_view::npos) {
      ++pos_;
    }
    if (pos_ == start) ok_ = false;
    v.kind = Value::Kind::kNumber;
    v.text = std::string(s_.substr(start, pos_ - start));
    return v;
  }

  Value ParseObject() {
    Value v;
    v.kind = Value::Kind::kObject;
    ++pos_;
    ++depth_;
    if (!Eat('}')) {
      do {
        SkipSpace();
        if (pos_ >= s_.size() || s_[pos_] != '"') {
          ok_ = false;
          break;
        }
        std::string key = ParseString();
        if (!Eat(':')) ok_ = false;
        v.members[std::move(key)] = ParseValue();
      } while (ok_ && Eat(','));
      if (!Eat('}')) ok_ = false;
    }
    --depth_;
    return v;
  }

  Value ParseArray() {
    Value v;
    v.kind = Value::Kind::kArray;
    ++pos_;
    ++depth_;
    if (!Eat(']')) {
      do {
        v.items.push_back(ParseValue());
      } while (ok_ && Eat(','));
      if (!Eat(']')) ok_ = false;
    }
    --depth_;
    return v;
  }

  unsigned Hex4() {
    unsigned v = 0;
    for (int i = 0; i < 4; ++i, ++pos_) {
      const char c = pos_ < s_.size() ? s_[pos_] : 'x';
      const int d = (c >= '0' && c <= '9')   ? c - '0'
                    : (c >= 'a' && c <= 'f') ? c - 'a' + 10
                    : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                             : -1;
      if (d < 0) ok_ = false;
      v = v * 16 + static_cast<unsigned>(d < 0 ? 0 : d);
    }
    return v;
  }

  // \uXXXX (and a following low surrogate), pos_ just after the 'u'.
  unsigned UnicodeEscape() {
    unsigned cp = Hex4();
    if (cp >= 0xD800 && cp < 0xDC00 && s_.substr(pos_, 2) == "\\u") {
      const size_t save = pos_;
      pos_ += 2;
      const unsigned low = Hex4();
      if (low >= 0xDC00 && low < 0xE000) return 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
      pos_ = save;
    }
    return cp;  // AppendUtf8 turns a lone surrogate into U+FFFD.
  }

  std::string ParseString() {
    std::string out;
    ++pos_;
    while (pos_ < s_.size() && s_[pos_] != '"') {
      const char c = s_[pos_++];
      if (c != '\\') {
        out.push_back(c);
        continue;
      }
      const char e = pos_ < s_.size() ? s_[pos_++] : '\0';
      switch (e) {
        case 'b':
          out.push_back('\b');
          break;
        case 'f':
          out.push_back('\f');
          break;
        case 'n':
          out.push_back('\n');
          break;
        case 'r':
          out.push_back('\r');
          break;
        case 't':
          out.push_back('\t');
          break;
        case 'u':
          AppendUtf8(static_cast<char32_t>(UnicodeEscape()), &out);
          break;
        default:
          out.push_back(e);
      }
    }
    if (pos_ >= s_.size()) ok_ = false;
    ++pos_;
    return out;
  }

  std::string_view s_;
  size_t pos_ = 0;
  int depth_ = 0;
  bool ok_ = true;
};

// Reads and parses the file at `path`; sets *ok to false when it cannot be read or parsed.
inline Value ReadJsonFile(const std::string& path, bool* ok) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buf;
  buf << in.rdbuf();
  const std::string text = buf.str();
  Reader reader(text);
  Value v = reader.Parse();
  *ok = in.is_open() && reader.ok() && !text.empty();
  return v;
}

}  // namespace tincrawl::testing_json

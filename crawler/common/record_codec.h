#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace tincrawl {

// The compact binary encoding shared by the store's records (URL state, site state, articles).
// Every record starts with a one-byte format version; fields follow in a fixed order as LEB128
// varints (unsigned, zig-zag for signed), length-prefixed strings, or 8-byte little-endian
// doubles. A decoder that meets a newer version refuses the record instead of misreading it,
// and a reader of version N accepts any record whose trailing optional fields are absent.
class RecordWriter {
 public:
  RecordWriter() = default;
  // Starts a record of format `version`.
  explicit RecordWriter(uint64_t version) { U64(version); }
  void U64(uint64_t v) {
    while (v >= 0x80) {
      out_.push_back(static_cast<char>(v | 0x80));
      v >>= 7;
    }
    out_.push_back(static_cast<char>(v));
  }
  void I64(int64_t v) { U64((static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63)); }
  void Str(std::string_view s) {
    U64(s.size());
    out_.append(s.data(), s.size());
  }
  void F64(double d) {
    char buf[8];
    std::memcpy(buf, &d, 8);
    out_.append(buf, 8);
  }
  std::string Take() { return std::move(out_); }
  std::string& out() { return out_; }

 private:
  std::string out_;
};

// Reads what RecordWriter wrote. Every getter returns false on truncated or malformed input and
// leaves the reader failed, so callers can chain them and check once.
class RecordReader {
 public:
  explicit RecordReader(std::string_view in) : in_(in) {}

  // Reads the leading format version; false unless it is `expected`.
  bool Version(uint64_t expected) {
    uint64_t version = 0;
    return U64(&version) && (version == expected || Fail());
  }

  bool U64(uint64_t* v) {
    uint64_t result = 0;
    for (int shift = 0; shift <= 63; shift += 7) {
      if (pos_ >= in_.size()) return Fail();
      const auto byte = static_cast<uint8_t>(in_[pos_++]);
      result |= static_cast<uint64_t>(byte & 0x7F) << shift;
      if ((byte & 0x80) == 0) {
        *v = result;
        return true;
      }
    }
    return Fail();
  }
  bool I64(int64_t* v) {
    uint64_t u = 0;
    if (!U64(&u)) return false;
    *v = static_cast<int64_t>((u >> 1) ^ (~(u & 1) + 1));
    return true;
  }
  template <typename T>
  bool Int(T* v) {
    int64_t x = 0;
    if (!I64(&x)) return false;
    *v = static_cast<T>(x);
    return true;
  }
  bool Str(std::string* s) {
    uint64_t n = 0;
    if (!U64(&n) || n > in_.size() - pos_) return Fail();
    s->assign(in_.data() + pos_, n);
    pos_ += n;
    return true;
  }
  bool F64(double* d) {
    if (in_.size() - pos_ < 8) return Fail();
    std::memcpy(d, in_.data() + pos_, 8);
    pos_ += 8;
    return true;
  }
  bool done() const { return pos_ == in_.size(); }
  bool ok() const { return ok_; }

 private:
  bool Fail() {
    ok_ = false;
    return false;
  }
  std::string_view in_;
  size_t pos_ = 0;
  bool ok_ = true;
};

// Big-endian fixed-width integers keep byte-wise key order equal to numeric order.
inline void PutBigEndian64(std::string* out, uint64_t v) {
  for (int i = 7; i >= 0; --i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}
inline void PutBigEndian32(std::string* out, uint32_t v) {
  for (int i = 3; i >= 0; --i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}
inline uint64_t GetBigEndian64(std::string_view in) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8 && i < in.size(); ++i) v = (v << 8) | static_cast<uint8_t>(in[i]);
  return v;
}
inline uint32_t GetBigEndian32(std::string_view in) {
  uint32_t v = 0;
  for (size_t i = 0; i < 4 && i < in.size(); ++i) v = (v << 8) | static_cast<uint8_t>(in[i]);
  return v;
}

}  // namespace tincrawl

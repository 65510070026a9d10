#include "crawler/output/warc.h"

#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <random>

#include "crawler/output/spool.h"

namespace tincrawl {
namespace {

namespace fs = std::filesystem;

inline uint32_t Rotl32(uint32_t x, int n) { return (x << n) | (x >> (32 - n)); }

void Sha1Block(const uint8_t* p, uint32_t h[5]) {
  uint32_t w[80];
  for (int i = 0; i < 16; ++i) {
    w[i] = (uint32_t{p[4 * i]} << 24) | (uint32_t{p[4 * i + 1]} << 16) |
           (uint32_t{p[4 * i + 2]} << 8) | uint32_t{p[4 * i + 3]};
  }
  for (int i = 16; i < 80; ++i) w[i] = Rotl32(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
  uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
  for (int i = 0; i < 80; ++i) {
    uint32_t f, k;
    if (i < 20) {
      f = (b & c) | (~b & d), k = 0x5A827999;
    } else if (i < 40) {
      f = b ^ c ^ d, k = 0x6ED9EBA1;
    } else if (i < 60) {
      f = (b & c) | (b & d) | (c & d), k = 0x8F1BBCDC;
    } else {
      f = b ^ c ^ d, k = 0xCA62C1D6;
    }
    const uint32_t t = Rotl32(a, 5) + f + e + k + w[i];
    e = d, d = c, c = Rotl32(b, 30), b = a, a = t;
  }
  h[0] += a, h[1] += b, h[2] += c, h[3] += d, h[4] += e;
}

// WARC-Date: RFC 3339 UTC, as in spool lines.
std::string WarcDate(int64_t unix_seconds) { return UnixToRfc3339(unix_seconds); }

std::string NewRecordId() {
  thread_local std::mt19937_64 rng(
      std::random_device{}() ^
      static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()));
  uint8_t b[16];
  const uint64_t hi = rng(), lo = rng();
  std::memcpy(b, &hi, 8);
  std::memcpy(b + 8, &lo, 8);
  b[6] = (b[6] & 0x0F) | 0x40;  // Version 4.
  b[8] = (b[8] & 0x3F) | 0x80;  // RFC 4122 variant.
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "<urn:uuid:";
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    out += kHex[b[i] >> 4];
    out += kHex[b[i] & 0xF];
  }
  return out + ">";
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

// The HTTP response header block as stored: status line, headers minus those describing a
// transfer form the body no longer has, blank line.
std::string ResponseHead(const HttpExchange& x) {
  std::string head = "HTTP/1.1 " + std::to_string(x.status) + " " + x.reason + "\r\n";
  for (const auto& [name, value] : x.response_headers) {
    if (EqualsIgnoreCase(name, "Transfer-Encoding")) continue;
    if (x.body_decoded &&
        (EqualsIgnoreCase(name, "Content-Encoding") || EqualsIgnoreCase(name, "Content-Length"))) {
      continue;
    }
    head += name + ": " + value + "\r\n";
  }
  if (x.body_decoded) head += "Content-Length: " + std::to_string(x.body.size()) + "\r\n";
  return head + "\r\n";
}

std::string RequestBlock(const HttpExchange& x) {
  if (!x.request_head.empty()) return x.request_head;
  std::string path = x.target_uri;
  const size_t scheme = path.find("://");
  if (scheme != std::string::npos) {
    const size_t slash = path.find('/', scheme + 3);
    path = slash == std::string::npos ? "/" : path.substr(slash);
  }
  std::string block = x.request_method + " " + path + " HTTP/1.1\r\n";
  for (const auto& [name, value] : x.request_headers) block += name + ": " + value + "\r\n";
  return block + "\r\n";
}

}  // namespace

std::array<uint8_t, 20> Sha1(std::string_view data) {
  uint32_t h[5] = {0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0};
  const auto* p = reinterpret_cast<const uint8_t*>(data.data());
  size_t n = data.size();
  while (n >= 64) {
    Sha1Block(p, h);
    p += 64;
    n -= 64;
  }
  uint8_t last[128] = {};
  std::memcpy(last, p, n);
  last[n] = 0x80;
  const size_t total = n + 9 <= 64 ? 64 : 128;
  const uint64_t bits = static_cast<uint64_t>(data.size()) * 8;
  for (int i = 0; i < 8; ++i) last[total - 1 - i] = static_cast<uint8_t>(bits >> (8 * i));
  Sha1Block(last, h);
  if (total == 128) Sha1Block(last + 64, h);
  std::array<uint8_t, 20> out;
  for (int i = 0; i < 5; ++i) {
    for (int j = 0; j < 4; ++j) out[4 * i + j] = static_cast<uint8_t>(h[i] >> (24 - 8 * j));
  }
  return out;
}

std::string Base32(const uint8_t* data, size_t size) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  std::string out;
  uint64_t buffer = 0;
  int bits = 0;
  for (size_t i = 0; i < size; ++i) {
    buffer = (buffer << 8) | data[i];
    bits += 8;
    while (bits >= 5) {
      out += kAlphabet[(buffer >> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += kAlphabet[(buffer << (5 - bits)) & 31];
  while (out.size() % 8 != 0) out += '=';
  return out;
}

std::string WarcSha1Digest(std::string_view data) {
  const auto d = Sha1(data);
  return "sha1:" + Base32(d.data(), d.size());
}

std::string GzipMember(std::string_view data) {
  z_stream z{};
  // windowBits 15 + 16: write a gzip header and trailer.
  if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) return {};
  std::string out(deflateBound(&z, data.size()) + 32, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return rc == Z_STREAM_END ? out : std::string();
}

WarcWriter::WarcWriter(WarcOptions options) : options_(std::move(options)) {}

WarcWriter::~WarcWriter() { static_cast<void>(Close()); }  // Close() first to see errors.

int64_t WarcWriter::Now() const {
  if (options_.now) return options_.now();
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Status WarcWriter::EnsureFile() {
  if (fd_ >= 0 && size_ < options_.rotate_bytes) return Status::Ok();
  if (Status st = CloseLocked(); !st.ok()) return st;
  std::error_code ec;
  fs::create_directories(options_.dir, ec);
  std::string stamp = WarcDate(Now());
  std::erase_if(stamp, [](char c) { return c == '-' || c == ':' || c == 'T' || c == 'Z'; });
  char seq[16];
  std::snprintf(seq, sizeof(seq), "%05llu", static_cast<unsigned long long>(++seq_));
  path_ =
      (fs::path(options_.dir) / (options_.prefix + "-" + stamp + "-" + seq + ".warc.gz")).string();
  fd_ =
      ::open((path_ + ".open").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
  if (fd_ < 0) {
    return errno == ENOSPC ? Status::NoSpace("cannot create " + path_ + ".open: disk full")
                           : Status::IoError("cannot create " + path_ + ".open");
  }
  size_ = 0;
  std::string info = "software: " + options_.software + "\r\nformat: WARC File Format 1.1\r\n" +
                     "conformsTo: http://iipc.github.io/warc-specifications/specifications/"
                     "warc-format/warc-1.1/\r\n";
  if (!options_.operator_info.empty()) info += "operator: " + options_.operator_info + "\r\n";
  Status st = WriteRecord({{"WARC-Type", "warcinfo"},
                           {"WARC-Filename", fs::path(path_).filename().string()},
                           {"Content-Type", "application/warc-fields"}},
                          info);
  if (!st.ok() && fd_ >= 0) {
    // A file must start with its warcinfo record: drop this one and start afresh next time.
    ::close(fd_);
    fd_ = -1;
    ::unlink((path_ + ".open").c_str());
  }
  return st;
}

Status WarcWriter::WriteAll(const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    errno = 0;
    const ssize_t n = options_.write ? options_.write(fd_, data.data() + done, data.size() - done)
                                     : ::write(fd_, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int e = n == 0 ? ENOSPC : errno;
      const std::string what = "writing " + path_ + ".open: " + std::strerror(e);
      return e == ENOSPC || e == EDQUOT ? Status::NoSpace(what) : Status::IoError(what);
    }
    done += static_cast<size_t>(n);
  }
  return Status::Ok();
}

Status WarcWriter::TruncateBack(int64_t good_size, Status error) {
  if (fd_ >= 0 && ftruncate(fd_, good_size) == 0) {
    size_ = good_size;
    return error;
  }
  // The torn member cannot be cut away: end this file here so nothing is appended after it.
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  const std::string why =
      "; could not truncate " + path_ + ".open, left incomplete: " + std::strerror(errno);
  return error.code() == Status::Code::kNoSpace ? Status::NoSpace(error.message() + why)
                                                : Status::IoError(error.message() + why);
}

Status WarcWriter::WriteRecord(std::vector<std::pair<std::string, std::string>> headers,
                               std::string_view block) {
  std::string rec = "WARC/1.1\r\n";
  bool has_id = false, has_date = false;
  for (const auto& [k, v] : headers) {
    has_id |= k == "WARC-Record-ID";
    has_date |= k == "WARC-Date";
  }
  if (!has_id) headers.emplace(headers.begin() + 1, "WARC-Record-ID", NewRecordId());
  if (!has_date) headers.emplace(headers.begin() + 1, "WARC-Date", WarcDate(Now()));
  for (const auto& [k, v] : headers) rec += k + ": " + v + "\r\n";
  rec += "WARC-Block-Digest: " + WarcSha1Digest(block) + "\r\n";
  rec += "Content-Length: " + std::to_string(block.size()) + "\r\n\r\n";
  rec.append(block);
  rec += "\r\n\r\n";
  const std::string gz = GzipMember(rec);
  if (gz.empty()) return Status::Internal("gzip failed");
  if (Status st = WriteAll(gz); !st.ok()) return TruncateBack(size_, std::move(st));
  size_ += static_cast<int64_t>(gz.size());
  ++records_;
  return Status::Ok();
}

Status WarcWriter::WriteExchange(const HttpExchange& x) {
  std::lock_guard<std::mutex> lock(mu_);
  if (Status st = EnsureFile(); !st.ok()) return st;
  const std::string date = WarcDate(x.fetched_at);
  const std::string response_id = NewRecordId();
  std::vector<std::pair<std::string, std::string>> h = {
      {"WARC-Type", "response"},
      {"WARC-Record-ID", response_id},
      {"WARC-Date", date},
      {"WARC-Target-URI", x.target_uri},
      {"Content-Type", "application/http;msgtype=response"},
      {"WARC-Payload-Digest", WarcSha1Digest(x.body)}};
  if (!x.ip.empty()) h.emplace_back("WARC-IP-Address", x.ip);
  const int64_t start = size_;
  if (Status st = WriteRecord(std::move(h), ResponseHead(x) + x.body); !st.ok()) return st;
  std::vector<std::pair<std::string, std::string>> r = {
      {"WARC-Type", "request"},
      {"WARC-Date", date},
      {"WARC-Target-URI", x.target_uri},
      {"WARC-Concurrent-To", response_id},
      {"Content-Type", "application/http;msgtype=request"}};
  if (!x.ip.empty()) r.emplace_back("WARC-IP-Address", x.ip);
  Status st = WriteRecord(std::move(r), RequestBlock(x));
  if (!st.ok() && fd_ >= 0) {
    --records_;  // The response record goes too: an exchange is archived whole or not at all.
    return TruncateBack(start, std::move(st));
  }
  return st;
}

Status WarcWriter::WriteRevisit(const HttpExchange& x, std::string_view refers_to_digest,
                                std::string_view refers_to_date) {
  std::lock_guard<std::mutex> lock(mu_);
  if (Status st = EnsureFile(); !st.ok()) return st;
  std::vector<std::pair<std::string, std::string>> h = {
      {"WARC-Type", "revisit"},
      {"WARC-Date", WarcDate(x.fetched_at)},
      {"WARC-Target-URI", x.target_uri},
      {"WARC-Profile", "http://netpreserve.org/warc/1.1/revisit/server-not-modified"},
      {"Content-Type", "application/http;msgtype=response"}};
  if (!refers_to_digest.empty()) {
    h.emplace_back("WARC-Payload-Digest", std::string(refers_to_digest));
  }
  if (!refers_to_date.empty()) h.emplace_back("WARC-Refers-To-Date", std::string(refers_to_date));
  h.emplace_back("WARC-Refers-To-Target-URI", x.target_uri);
  HttpExchange head_only = x;
  head_only.body.clear();
  head_only.body_decoded = false;
  return WriteRecord(std::move(h), ResponseHead(head_only));  // Headers only: no payload.
}

Status WarcWriter::CloseLocked() {
  if (fd_ < 0) return Status::Ok();
  const bool synced = ::fsync(fd_) == 0;
  const bool closed = ::close(fd_) == 0;
  fd_ = -1;
  if (!synced || !closed) return Status::IoError("closing " + path_ + ".open");
  std::error_code ec;
  fs::rename(path_ + ".open", path_, ec);
  if (ec) return Status::IoError("renaming " + path_ + ".open: " + ec.message());
  finished_.push_back(path_);
  return Status::Ok();
}

Status WarcWriter::Close() {
  std::lock_guard<std::mutex> lock(mu_);
  return CloseLocked();
}

std::vector<std::string> WarcWriter::finished_files() const {
  std::lock_guard<std::mutex> lock(mu_);
  return finished_;
}

int64_t WarcWriter::records_written() const {
  std::lock_guard<std::mutex> lock(mu_);
  return records_;
}

}  // namespace tincrawl

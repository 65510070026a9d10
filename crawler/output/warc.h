#pragma once

#include <sys/types.h>

#include <array>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "crawler/common/status.h"

namespace tincrawl {

// SHA-1 (FIPS 180-4) of `data`, and the WARC digest form "sha1:<RFC 4648 base32>".
std::array<uint8_t, 20> Sha1(std::string_view data);
std::string Base32(const uint8_t* data, size_t size);
std::string WarcSha1Digest(std::string_view data);

// A fetched HTTP exchange as the fetcher saw it.
struct HttpExchange {
  std::string target_uri;
  std::string ip;          // WARC-IP-Address; may be empty.
  int64_t fetched_at = 0;  // Unix seconds.
  std::string request_method = "GET";
  std::vector<std::pair<std::string, std::string>> request_headers;
  // The request header block exactly as sent (request line, headers, blank line), as the
  // fetcher captured it; when set, the request record holds it instead of a block built from
  // request_method, target_uri and request_headers.
  std::string request_head;
  int status = 200;
  std::string reason = "OK";
  std::vector<std::pair<std::string, std::string>> response_headers;
  std::string body;           // As delivered by curl: de-chunked and, when decoded, decompressed.
  bool body_decoded = false;  // Content-Encoding was undone: drop it from the stored headers.
};

struct WarcOptions {
  std::string dir;
  std::string prefix = "tincrawl";
  int64_t rotate_bytes = 1024LL * 1024 * 1024;  // Compressed bytes per file.
  std::string software = "tincrawl";
  std::string operator_info;
  std::function<int64_t()> now;  // Unix seconds; system clock when empty.
  // The write(2) used for records; ::write when empty. A test seam for disk-full and torn writes.
  std::function<ssize_t(int fd, const void* data, size_t size)> write;
};

// Writes WARC/1.1 files "<prefix>-YYYYMMDDHHMMSS-<seq>.warc.gz" (".open" appended while being
// written; renamed when rotated or closed). Each file starts with a warcinfo record; every record
// is its own gzip member, so files can be split and indexed per record. A record whose write
// fails (disk full, EIO) is truncated away, so the file always ends at a complete member and
// later records stay readable; an exchange is kept whole (a response without its request
// record is removed too). When even the truncation fails, the file is closed as is (keeping
// ".open") and the next record starts a new file. Thread-safe.
class WarcWriter {
 public:
  explicit WarcWriter(WarcOptions options);
  ~WarcWriter();
  WarcWriter(const WarcWriter&) = delete;
  WarcWriter& operator=(const WarcWriter&) = delete;

  // Writes a response record and its request record (WARC-Concurrent-To the response).
  Status WriteExchange(const HttpExchange& exchange);
  // Writes a revisit record (profile server-not-modified) for a 304 or an unchanged body:
  // `exchange` holds the new response headers (its body is not stored); `refers_to_digest` and
  // `refers_to_date` (RFC 3339) identify the earlier capture, when known.
  Status WriteRevisit(const HttpExchange& exchange, std::string_view refers_to_digest,
                      std::string_view refers_to_date);
  Status Close();

  // Files completed so far (closed and renamed), oldest first.
  std::vector<std::string> finished_files() const;
  int64_t records_written() const;

 private:
  Status WriteRecord(std::vector<std::pair<std::string, std::string>> headers,
                     std::string_view block);
  Status WriteAll(const std::string& data);
  // Cuts the file back to `good_size` bytes (the end of the last complete member) after a
  // failed write and returns `error`, annotated when the cut failed too.
  Status TruncateBack(int64_t good_size, Status error);
  Status EnsureFile();
  Status CloseLocked();
  int64_t Now() const;

  WarcOptions options_;
  mutable std::mutex mu_;
  int fd_ = -1;
  std::string path_;  // Final name (without ".open").
  int64_t size_ = 0;
  uint64_t seq_ = 0;
  int64_t records_ = 0;
  std::vector<std::string> finished_;
};

// Gzip-compresses `data` as one complete member.
std::string GzipMember(std::string_view data);

}  // namespace tincrawl

#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "crawler/common/outcome.h"

namespace tincrawl {

// One URL to fetch, as the crawl pipeline hands it over.
struct FetchRequest {
  std::string url;
  std::string site_id;
  std::string etag;            // Sent as If-None-Match when not empty.
  std::string last_modified;   // Sent as If-Modified-Since when not empty.
  int priority = 0;            // Higher runs first within a host's queue.
  int64_t max_body_bytes = 0;  // 0 = NetworkConfig::max_body_bytes. Caps DECODED bytes too.
  bool keep_headers = false;   // Fill FetchResult::response_headers (for WARC records).
  bool truncate = false;       // Keep the first max_body_bytes and succeed instead of kTooLarge.
  // Redirects: at most this many hops (-1 = NetworkConfig::max_redirects). With
  // follow_cross_host false, a redirect to another host is not followed: the fetch ends with
  // kRedirect and the hop (its Location) last in FetchResult::redirects, so HttpClient can send
  // the target through that host's politeness, robots.txt and TLS policy.
  int max_redirects = -1;
  bool follow_cross_host = true;
};

// One redirect answered on the way: `url` answered `status` pointing at `location`.
struct RedirectHop {
  long status = 0;
  std::string url;
  std::string location;
};

// Phase durations in seconds of the last hop (dns, tcp connect, tls handshake, time to first
// byte measured from the start of the hop) plus the wall time over all hops.
struct FetchTimings {
  double dns = 0;
  double connect = 0;
  double tls = 0;
  double first_byte = 0;
  double total = 0;
  double queued = 0;  // Time spent waiting in HttpClient's queues (filled by HttpClient).
};

// Relaxed TLS settings that were in effect for a fetch (bit mask), so callers can count
// tincrawl_tls_relaxed_fetches_total{site,setting}.
enum TlsRelaxation : unsigned {
  kTlsExtraCa = 1u << 0,
  kTlsLegacyServerConnect = 1u << 1,
  kTlsSecurityLevel = 1u << 2,
  kTlsNoVerify = 1u << 3,
};

// Label values ("ca_file", "legacy_server_connect", "security_level", "verify_off") of a mask.
std::vector<std::string_view> TlsRelaxationNames(unsigned mask);

struct FetchResult {
  FetchRequest request;
  std::string final_url;
  long http_status = 0;  // Of the last response received; 0 when none.
  Outcome outcome = Outcome::kError;
  std::string body;  // Decoded (Content-Encoding removed) bytes.
  std::string content_type;
  std::string etag;
  std::string last_modified;
  std::string retry_after;  // Raw Retry-After header value, empty when absent.
  std::vector<RedirectHop> redirects;
  FetchTimings timings;
  std::string error;  // Human-readable cause when outcome is not ok/not_modified.
  // The host's robots.txt could not be fetched for longer than the wait allows: the outcome is
  // that of the robots.txt fetch, and the URL itself was not contacted.
  bool robots_unavailable = false;
  unsigned tls_relaxed = 0;    // TlsRelaxation bits.
  int64_t bytes_received = 0;  // Decoded body bytes seen (also when capped).
  bool truncated = false;      // The body was cut at the cap (only with FetchRequest::truncate).
  std::string primary_ip;      // Address of the last connection, empty when none.
  long http_version = 0;       // CURL_HTTP_VERSION_* of the last response.
  // Every header of the final response, in order (only when request.keep_headers).
  std::vector<std::pair<std::string, std::string>> response_headers;
  // The request header block of the last request exactly as curl sent it: request line,
  // headers, blank line, "\r\n"-separated (only when request.keep_headers).
  std::string request_headers;
};

using FetchCallback = std::function<void(FetchResult)>;

}  // namespace tincrawl

#pragma once

// Internals shared by the fetcher's sources (fetcher.cpp: lifecycle, completion and redirects;
// fetcher_socket.cpp: curl's socket and timer callbacks on libuv; fetcher_transfer.cpp: easy
// handle set-up and TLS policy). Not part of the fetcher's API.

#include <curl/curl.h>
#include <curl/header.h>
#include <uv.h>

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_set>

#include "crawler/net/fetcher.h"

namespace tincrawl {
namespace fetcher_internal {

inline uint64_t NowNs() { return uv_hrtime(); }

// Loop time one finisher turn may spend on completions (curl bookkeeping plus user callbacks)
// before it yields to I/O and timers.
constexpr uint64_t kFinishBudgetNs = 2'000'000;

// Transfers handed to curl per loop turn. curl connects every new handle in the next timeout
// call, so thousands at once would block the loop for ~100 ms; the rest wait for the next turn.
constexpr int kMaxStartsPerTurn = 64;

inline std::string HeaderValue(CURL* easy, const char* name) {
  curl_header* header = nullptr;
  if (curl_easy_header(easy, name, 0, CURLH_HEADER, -1, &header) != CURLHE_OK) return {};
  return header->value != nullptr ? header->value : "";
}

inline double InfoSeconds(CURL* easy, CURLINFO info) {
  curl_off_t us = 0;
  if (curl_easy_getinfo(easy, info, &us) != CURLE_OK) return 0;
  return static_cast<double>(us) / 1e6;
}

// The TLS knobs that need the SSL_CTX. libssl is loaded by libcurl; its symbols are looked up at
// run time so tincrawl_core does not need to link OpenSSL itself.
struct SslCtxSettings {
  bool legacy_server_connect = false;
  int security_level = -1;
};

// Installs `settings` (a SslCtxSettings) on the SSL_CTX curl is about to use.
CURLcode OnSslCtx(CURL* easy, void* ssl_ctx, void* userp);

}  // namespace fetcher_internal

struct Fetcher::Transfer {
  uint64_t id = 0;
  Fetcher* fetcher = nullptr;
  FetchCallback done;
  FetchResult result;
  EasyPtr easy;
  SlistPtr headers;
  char errbuf[CURL_ERROR_SIZE] = {};
  int64_t body_cap = 0;
  int64_t header_bytes = 0;
  bool too_large = false;
  std::string too_large_what;
  bool private_refused = false;
  std::string refused_class;
  std::unordered_set<std::string> visited;
  uint64_t start_ns = 0;
  fetcher_internal::SslCtxSettings ssl_settings;
  std::shared_ptr<const std::string> ca_blob;  // Kept alive while curl may read it.
  ResolveEntries* resolve = nullptr;           // Host entries this hop carries (not yet cached).
};

struct Fetcher::SocketContext {
  uv_poll_t poll;
  Fetcher* fetcher = nullptr;
  curl_socket_t fd = CURL_SOCKET_BAD;
  int events = 0;       // UV_READABLE/UV_WRITABLE being polled for; 0 when stopped.
  bool parked = false;  // curl removed the socket (idle connection) but may reuse it.
  bool own = false;     // Opened by OnOpenSocket, so curl closes it through OnCloseSocket.
  bool closing = false;
};

}  // namespace tincrawl

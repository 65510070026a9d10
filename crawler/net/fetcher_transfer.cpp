#include <dlfcn.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>

#include "crawler/common/host.h"
#include "crawler/net/fetcher.h"
#include "crawler/net/fetcher_internal.h"

namespace tincrawl {
namespace {

bool ReadFile(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream buf;
  buf << in.rdbuf();
  *out = buf.str();
  return true;
}

// CURLOPT_DEBUGFUNCTION: keeps the request header block curl actually sent (for WARC request
// records). A block that follows a complete one belongs to the next request (a redirect hop).
int OnDebug(CURL* /*easy*/, curl_infotype type, char* data, size_t size, void* userp) {
  if (type != CURLINFO_HEADER_OUT) return 0;
  std::string& head = static_cast<FetchResult*>(userp)->request_headers;
  if (head.size() >= 4 && head.compare(head.size() - 4, 4, "\r\n\r\n") == 0) head.clear();
  head.append(data, size);
  return 0;
}

}  // namespace

namespace fetcher_internal {

CURLcode OnSslCtx(CURL* /*easy*/, void* ssl_ctx, void* userp) {
  using SetOptionsFn = uint64_t (*)(SSL_CTX*, uint64_t);
  using SetLevelFn = void (*)(SSL_CTX*, int);
  static const auto set_options =
      reinterpret_cast<SetOptionsFn>(dlsym(RTLD_DEFAULT, "SSL_CTX_set_options"));
  static const auto set_level =
      reinterpret_cast<SetLevelFn>(dlsym(RTLD_DEFAULT, "SSL_CTX_set_security_level"));
  const auto* settings = static_cast<const SslCtxSettings*>(userp);
  auto* ctx = static_cast<SSL_CTX*>(ssl_ctx);
  if (settings->legacy_server_connect) {
    if (set_options == nullptr) return CURLE_NOT_BUILT_IN;
    set_options(ctx, SSL_OP_LEGACY_SERVER_CONNECT);
  }
  if (settings->security_level >= 0) {
    if (set_level == nullptr) return CURLE_NOT_BUILT_IN;
    set_level(ctx, settings->security_level);
  }
  return CURLE_OK;
}

}  // namespace fetcher_internal

using namespace fetcher_internal;  // NOLINT(google-build-using-namespace): internal helpers.

size_t Fetcher::OnWrite(char* data, size_t size, size_t nmemb, void* userp) {
  auto* t = static_cast<Transfer*>(userp);
  const size_t n = size * nmemb;
  t->result.bytes_received += static_cast<int64_t>(n);
  if (static_cast<int64_t>(t->result.body.size() + n) > t->body_cap) {
    if (t->result.request.truncate) {
      const size_t room = static_cast<size_t>(t->body_cap) - t->result.body.size();
      t->result.body.append(data, room);
      t->fetcher->buffered_body_bytes_ += room;
      t->result.truncated = true;
      return 0;  // Ends the transfer; Finish() treats it as complete.
    }
    t->too_large = true;
    t->too_large_what = "decoded body over " + std::to_string(t->body_cap) + " bytes";
    return 0;  // Aborts the transfer with CURLE_WRITE_ERROR.
  }
  t->result.body.append(data, n);
  t->fetcher->buffered_body_bytes_ += n;
  return n;
}

size_t Fetcher::OnHeader(char* data, size_t size, size_t nmemb, void* userp) {
  auto* t = static_cast<Transfer*>(userp);
  const size_t n = size * nmemb;
  (void)data;
  t->header_bytes += static_cast<int64_t>(n);
  if (t->header_bytes > t->fetcher->net_.max_header_bytes) {
    t->too_large = true;
    t->too_large_what =
        "headers over " + std::to_string(t->fetcher->net_.max_header_bytes) + " bytes";
    return 0;
  }
  return n;
}

Status Fetcher::ConfigureEasy(Transfer* t, const TlsPolicy* tls) {
  CURL* e = t->easy.get();
  const auto ms = [](double seconds) { return static_cast<long>(seconds * 1000.0); };
  CURLcode c = CURLE_OK;
  const auto set = [&](CURLoption opt, auto value) {
    if (c == CURLE_OK) c = curl_easy_setopt(e, opt, value);
  };
  set(CURLOPT_URL, t->result.request.url.c_str());
  set(CURLOPT_PRIVATE, static_cast<void*>(t));
  set(CURLOPT_ERRORBUFFER, t->errbuf);
  set(CURLOPT_NOSIGNAL, 1L);
  set(CURLOPT_WRITEFUNCTION, &Fetcher::OnWrite);
  set(CURLOPT_WRITEDATA, static_cast<void*>(t));
  set(CURLOPT_HEADERFUNCTION, &Fetcher::OnHeader);
  set(CURLOPT_HEADERDATA, static_cast<void*>(t));
  set(CURLOPT_OPENSOCKETFUNCTION, &Fetcher::OnOpenSocket);
  set(CURLOPT_OPENSOCKETDATA, static_cast<void*>(t));
  set(CURLOPT_CLOSESOCKETFUNCTION, &Fetcher::OnCloseSocket);
  set(CURLOPT_CLOSESOCKETDATA, static_cast<void*>(this));
  set(CURLOPT_TCP_NODELAY, 1L);
  set(CURLOPT_TCP_KEEPALIVE, 1L);
  set(CURLOPT_PROTOCOLS_STR, "http,https");
  set(CURLOPT_FOLLOWLOCATION, 0L);
  // Decoding needs ACCEPT_ENCODING; the header line itself comes from base_headers_.
  set(CURLOPT_ACCEPT_ENCODING, accept_encoding_.empty() ? "" : accept_encoding_.c_str());
  set(CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_2TLS));
  // Waiting for a possibly multiplexed connection only makes sense where HTTP/2 can be offered.
  if (t->result.request.url.rfind("https:", 0) == 0) set(CURLOPT_PIPEWAIT, 1L);
  // A CONNECT to a proxy does not carry custom headers, so only then curl builds the line too.
  if (!net_.proxy.empty()) set(CURLOPT_USERAGENT, net_.user_agent.c_str());
  set(CURLOPT_CONNECTTIMEOUT_MS, ms(net_.connect_timeout_seconds));
  set(CURLOPT_TIMEOUT_MS, ms(net_.timeout_seconds));
  set(CURLOPT_LOW_SPEED_LIMIT, static_cast<long>(net_.low_speed_limit_bytes));
  set(CURLOPT_LOW_SPEED_TIME, static_cast<long>(net_.low_speed_time_seconds));
  if (!t->result.request.truncate) {
    set(CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(t->body_cap));
  }
  // Only network.proxy is used: $http_proxy and friends are ignored, since through a proxy
  // the address guard would judge the proxy's address instead of the target's.
  set(CURLOPT_PROXY, net_.proxy.c_str());
  if (net_.proxy.empty()) set(CURLOPT_NOPROXY, "");
  if (t->result.request.keep_headers) {
    set(CURLOPT_DEBUGFUNCTION, &OnDebug);
    set(CURLOPT_DEBUGDATA, static_cast<void*>(&t->result));
    set(CURLOPT_VERBOSE, 1L);  // Delivered to OnDebug only, never to stderr.
  }
  if (c == CURLE_OK) c = SetResolve(t, t->result.request.url);
  if (c != CURLE_OK) return Status::Internal(curl_easy_strerror(c));
  Status headers = SetHeaders(t);
  if (!headers.ok()) return headers;
  return tls != nullptr ? ApplyTls(t, *tls) : Status::Ok();
}

// Plain requests share base_headers_; conditional ones get a copy with their validators.
Status Fetcher::SetHeaders(Transfer* t) {
  const FetchRequest& req = t->result.request;
  curl_slist* list = base_headers_.get();
  if (!req.etag.empty() || !req.last_modified.empty()) {
    for (const curl_slist* h = base_headers_.get(); h != nullptr; h = h->next) {
      curl_slist* next = curl_slist_append(t->headers.get(), h->data);
      if (next == nullptr) return Status::Internal("curl_slist_append failed");
      (void)t->headers.release();
      t->headers.reset(next);
    }
    for (const auto& [name, value] : {std::pair{"If-None-Match: ", &req.etag},
                                      std::pair{"If-Modified-Since: ", &req.last_modified}}) {
      if (value->empty()) continue;
      curl_slist* next = curl_slist_append(t->headers.get(), (name + *value).c_str());
      if (next == nullptr) return Status::Internal("curl_slist_append failed");
      (void)t->headers.release();
      t->headers.reset(next);
    }
    list = t->headers.get();
  }
  if (list != nullptr && curl_easy_setopt(t->easy.get(), CURLOPT_HTTPHEADER, list) != CURLE_OK) {
    return Status::Internal("CURLOPT_HTTPHEADER failed");
  }
  return Status::Ok();
}

CURLcode Fetcher::SetResolve(Transfer* t, const std::string& url) {
  CURL* easy = t->easy.get();
  if (resolve_.empty()) return CURLE_OK;
  // An unparsable URL simply gets no entries.
  auto it = resolve_.find(HostKey(url));
  t->resolve = it != resolve_.end() && !it->second.cached ? &it->second : nullptr;
  return curl_easy_setopt(easy, CURLOPT_RESOLVE,
                          t->resolve != nullptr ? t->resolve->list.get() : nullptr);
}

Status Fetcher::PreloadCaFile(const std::string& ca_file) {
  if (ca_blobs_.count(ca_file) != 0) return Status::Ok();
  std::string extra;
  if (!ReadFile(ca_file, &extra)) return Status::IoError("cannot read CA file " + ca_file);
  std::string bundle;
  if (!system_ca_file_.empty() && !ReadFile(system_ca_file_, &bundle)) bundle.clear();
  bundle += "\n";
  bundle += extra;
  ca_blobs_[ca_file] = std::make_shared<const std::string>(std::move(bundle));
  return Status::Ok();
}

Status Fetcher::ApplyTls(Transfer* t, const TlsPolicy& tls) {
  CURL* e = t->easy.get();
  CURLcode c = CURLE_OK;
  if (!tls.ca_file.empty()) {
    Status loaded = PreloadCaFile(tls.ca_file);
    if (!loaded.ok()) return loaded;
    t->ca_blob = ca_blobs_[tls.ca_file];
    curl_blob blob{const_cast<char*>(t->ca_blob->data()), t->ca_blob->size(), CURL_BLOB_NOCOPY};
    c = curl_easy_setopt(e, CURLOPT_CAINFO_BLOB, &blob);
    t->result.tls_relaxed |= kTlsExtraCa;
  }
  if (c == CURLE_OK && !tls.verify) {
    c = curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
    if (c == CURLE_OK) c = curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
    t->result.tls_relaxed |= kTlsNoVerify;
  }
  t->ssl_settings.legacy_server_connect = tls.legacy_server_connect;
  t->ssl_settings.security_level = tls.security_level;
  if (c == CURLE_OK && (tls.legacy_server_connect || tls.security_level >= 0)) {
    c = curl_easy_setopt(e, CURLOPT_SSL_CTX_FUNCTION, &OnSslCtx);
    if (c == CURLE_OK) c = curl_easy_setopt(e, CURLOPT_SSL_CTX_DATA, &t->ssl_settings);
    if (tls.legacy_server_connect) t->result.tls_relaxed |= kTlsLegacyServerConnect;
    if (tls.security_level >= 0) t->result.tls_relaxed |= kTlsSecurityLevel;
  }
  return c == CURLE_OK ? Status::Ok() : Status::Internal(curl_easy_strerror(c));
}

// A parked handle keeps its share attachment across curl_easy_reset(), so only fresh handles
// are attached (re-attaching detaches and re-links the caches each time).
EasyPtr Fetcher::AcquireEasy() {
  if (!idle_easy_.empty()) {
    EasyPtr easy = std::move(idle_easy_.back());
    idle_easy_.pop_back();
    return easy;
  }
  EasyPtr easy(curl_easy_init());
  if (easy && curl_easy_setopt(easy.get(), CURLOPT_SHARE, share_.get()) != CURLE_OK) {
    easy.reset();
  }
  return easy;
}

void Fetcher::ReleaseEasy(EasyPtr easy) {
  if (!easy || shutting_down_) return;
  // Enough for every transfer curl may run at once; more would only hold memory.
  if (idle_easy_.size() >= static_cast<size_t>(std::max(net_.max_connections, 16))) return;
  curl_easy_reset(easy.get());
  idle_easy_.push_back(std::move(easy));
}

}  // namespace tincrawl

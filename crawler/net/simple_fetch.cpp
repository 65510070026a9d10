#include "crawler/net/simple_fetch.h"

#include <curl/curl.h>

#include <memory>

#include "crawler/common/netguard.h"
#include "crawler/net/curl_handles.h"

namespace tincrawl {

namespace {

struct Sink {
  std::string* body;
  int64_t cap;
  bool too_large = false;
};

size_t OnData(char* data, size_t size, size_t n, void* user) {
  auto* sink = static_cast<Sink*>(user);
  size_t len = size * n;
  if (static_cast<int64_t>(sink->body->size() + len) > sink->cap) {
    sink->too_large = true;
    return 0;  // Aborts the transfer with CURLE_WRITE_ERROR.
  }
  sink->body->append(data, len);
  return len;
}

curl_socket_t OnOpenSocket(void* user, curlsocktype purpose, curl_sockaddr* addr) {
  const auto* guard = static_cast<const NetGuard*>(user);
  if (purpose != CURLSOCKTYPE_IPCXN || !guard->Allowed(&addr->addr)) return CURL_SOCKET_BAD;
  return socket(addr->family, addr->socktype, addr->protocol);
}

}  // namespace

bool SimpleFetch(const std::string& url, const NetworkConfig& net, std::string* body,
                 std::string* content_type, std::string* final_url, std::string* error) {
  EasyPtr easy(curl_easy_init());
  if (!easy) {
    *error = "curl_easy_init failed";
    return false;
  }
  NetGuard guard;
  if (Status s = guard.SetAllowList(net.allow_private_networks); !s.ok()) {
    *error = s.message();
    return false;
  }
  SlistPtr resolve;
  for (const auto& r : net.resolve) {
    curl_slist* next = curl_slist_append(resolve.get(), r.c_str());
    if (next == nullptr) {
      *error = "out of memory";
      return false;
    }
    resolve.release();
    resolve.reset(next);
  }
  Sink sink{body, net.max_body_bytes};
  CURL* c = easy.get();
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_USERAGENT, net.user_agent.c_str());
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(c, CURLOPT_MAXREDIRS, static_cast<long>(net.max_redirects));
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(net.connect_timeout_seconds * 1000));
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(net.timeout_seconds * 1000));
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, OnData);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(c, CURLOPT_OPENSOCKETFUNCTION, OnOpenSocket);
  curl_easy_setopt(c, CURLOPT_OPENSOCKETDATA, &guard);
  if (resolve) curl_easy_setopt(c, CURLOPT_RESOLVE, resolve.get());
  if (!net.proxy.empty()) curl_easy_setopt(c, CURLOPT_PROXY, net.proxy.c_str());
  CURLcode rc = curl_easy_perform(c);
  if (sink.too_large) {
    *error = url + ": body larger than max_body_bytes";
    return false;
  }
  if (rc != CURLE_OK) {
    *error = url + ": " + curl_easy_strerror(rc);
    return false;
  }
  long status = 0;
  char* ct = nullptr;
  char* eff = nullptr;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ct);
  curl_easy_getinfo(c, CURLINFO_EFFECTIVE_URL, &eff);
  if (ct != nullptr) *content_type = ct;
  if (eff != nullptr) *final_url = eff;
  if (status >= 400) {
    *error = url + ": HTTP " + std::to_string(status);
    return false;
  }
  return true;
}

}  // namespace tincrawl

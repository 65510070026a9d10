#pragma once

#include <curl/curl.h>
#include <uv.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "crawler/common/fetch_result.h"
#include "crawler/common/netguard.h"
#include "crawler/common/outcome.h"
#include "crawler/common/status.h"
#include "crawler/config/config.h"
#include "crawler/net/curl_handles.h"
#include "crawler/net/deferred_results.h"

namespace tincrawl {

// The transfer engine: libcurl's multi interface driven by a libuv loop (one uv_poll_t per socket,
// one uv_timer_t for curl's timeouts). It only moves bytes; it applies no politeness (see
// HttpClient). Everything runs on the loop thread; no method is thread-safe.
//
// Safety: connections to non-public addresses are refused at connect time (covers redirects and
// DNS rebinding) unless allow-listed; such fetches end with Outcome::kPrivateAddress. When a proxy
// is configured the guard is not applied (the proxy decides what it reaches).
//
// Lifetime: call Shutdown() and run the loop until its callback fires before destroying the
// Fetcher; the loop then has no handle of ours left.
class Fetcher {
 public:
  Fetcher(uv_loop_t* loop, NetworkConfig net);
  ~Fetcher();
  Fetcher(const Fetcher&) = delete;
  Fetcher& operator=(const Fetcher&) = delete;

  // Creates the multi and share handles and the timers. Must succeed before Start().
  Status Init();

  // Starts `req` now. `done` runs exactly once on the loop thread, never inside Start() (early
  // failures are delivered on the next loop iteration; after Shutdown() it runs at once with
  // kCancelled). `tls` may be null (defaults). Returns the
  // transfer id (for Cancel), 0 when the request was rejected (then `done` still runs).
  uint64_t Start(FetchRequest req, const TlsPolicy* tls, FetchCallback done);

  // Reads (and caches) `ca_file` combined with the system bundle so later fetches with this
  // policy do no file I/O. Returns IoError when the file cannot be read.
  Status PreloadCaFile(const std::string& ca_file);

  size_t InFlight() const { return transfers_.size(); }
  // Bytes of response bodies received so far by the running transfers (kept as they arrive).
  size_t BufferedBodyBytes() const { return buffered_body_bytes_; }
  const NetworkConfig& network() const { return net_; }

  // Stops accepting work, cancels every transfer (callbacks see kCancelled), cleans the multi
  // handle up and closes every libuv handle; `closed` runs once the last close callback fired.
  // Safe to call from inside a fetch callback.
  void Shutdown(std::function<void()> closed);

 private:
  struct Transfer;
  struct SocketContext;

  static int OnCurlSocket(CURL* easy, curl_socket_t fd, int action, void* userp, void* socketp);
  static int OnCurlTimer(CURLM* multi, long timeout_ms, void* userp);
  static void OnUvTimer(uv_timer_t* timer);
  static void OnUvPoll(uv_poll_t* poll, int status, int events);
  static void OnDeferred(uv_timer_t* timer);
  static void OnFinisher(uv_idle_t* idle);
  static void OnHandleClosed(uv_handle_t* handle);
  static curl_socket_t OnOpenSocket(void* clientp, curlsocktype purpose, curl_sockaddr* address);
  static int OnCloseSocket(void* clientp, curl_socket_t fd);
  static void OnTurnEnd(uv_check_t* check);
  static size_t OnWrite(char* data, size_t size, size_t nmemb, void* userp);
  static size_t OnHeader(char* data, size_t size, size_t nmemb, void* userp);

  int HandleSocket(curl_socket_t fd, int action, SocketContext* ctx);
  SocketContext* OpenSocketContext(curl_socket_t fd);
  void CloseSocketContext(SocketContext* ctx);
  void SocketAction(curl_socket_t fd, int flags);
  void DrainInfo();
  void RunFinished(uint64_t budget_ns);
  EasyPtr AcquireEasy();
  void ReleaseEasy(EasyPtr easy);
  void Finish(Transfer* t, CURLcode code);
  bool FollowRedirect(Transfer* t);
  CURLcode SetResolve(Transfer* t, const std::string& url);
  Status InitMulti();
  Status BuildHeaders();
  Status SetHeaders(Transfer* t);
  CURLMcode AddToMulti(Transfer* t);
  void StartPending();
  void ArmDeferred();
  void Complete(Transfer* t, Outcome outcome, std::string error);
  void CollectInfo(Transfer* t);
  Status ConfigureEasy(Transfer* t, const TlsPolicy* tls);
  Status ApplyTls(Transfer* t, const TlsPolicy& tls);
  void Defer(FetchResult result, FetchCallback done);
  void FinishShutdown();
  void CloseHandle(uv_handle_t* handle);

  uv_loop_t* loop_;
  NetworkConfig net_;
  NetGuard guard_;
  MultiPtr multi_;
  SharePtr share_;
  // network.resolve entries of one lower-case host. curl parses CURLOPT_RESOLVE on every transfer
  // that carries it and keeps the result in the shared DNS cache for good, so a host's entries
  // travel only with its transfers until one of them has finished (then they are cached).
  struct ResolveEntries {
    SlistPtr list;
    bool cached = false;
  };
  std::unordered_map<std::string, ResolveEntries> resolve_;
  // Headers every request sends ("User-Agent", "Accept-Encoding"), built once: curl formats its
  // own User-Agent and Accept-Encoding lines through its slow printf on every request.
  SlistPtr base_headers_;
  std::string accept_encoding_;  // What curl can decode, as CURLOPT_ACCEPT_ENCODING would offer.
  // Transfers configured but not yet handed to curl: at most kMaxStartsPerTurn enter the multi
  // handle per loop turn, so a burst of thousands of Start() calls never stalls the loop.
  std::deque<uint64_t> pending_;
  int starts_this_turn_ = 0;
  uv_check_t* turn_end_ = nullptr;
  uv_timer_t* timer_ = nullptr;
  uv_timer_t* deferred_timer_ = nullptr;
  DeferredResults deferred_;
  // Transfers curl reported done, finished (info collected, callback run) by `finisher_` in
  // chunks bounded by time, so a burst of thousands of completions never blocks the loop.
  uv_idle_t* finisher_ = nullptr;
  std::deque<std::pair<uint64_t, CURLcode>> finished_;
  // Reset easy handles ready for reuse: curl_easy_init/cleanup per request cost more than the
  // transfer of a small page over a kept-alive connection.
  std::vector<EasyPtr> idle_easy_;
  std::unordered_map<uint64_t, std::unique_ptr<Transfer>> transfers_;
  size_t buffered_body_bytes_ = 0;  // Sum of the running transfers' body sizes.
  // One poll handle per socket, kept (stopped) while curl parks the connection and closed only
  // when curl closes the socket (CURLOPT_CLOSESOCKETFUNCTION), so reuse costs no handle churn.
  std::unordered_map<curl_socket_t, SocketContext*> sockets_;
  std::unordered_set<curl_socket_t> own_fds_;  // Sockets OnOpenSocket made and curl still holds.
  std::unordered_map<std::string, std::shared_ptr<const std::string>> ca_blobs_;
  std::string system_ca_file_;
  uint64_t next_id_ = 1;
  int dispatch_depth_ = 0;
  int open_handles_ = 0;
  bool shutting_down_ = false;
  bool shutdown_done_ = false;
  std::function<void()> on_closed_;
};

}  // namespace tincrawl

#include "crawler/net/fetcher.h"

#include "crawler/common/host.h"
#include "crawler/net/curl_outcome.h"

#include <curl/header.h>
#include <dlfcn.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>

namespace tincrawl {
namespace {

uint64_t NowNs() { return uv_hrtime(); }

// Loop time one finisher turn may spend on completions (curl bookkeeping plus user callbacks)
// before it yields to I/O and timers.
constexpr uint64_t kFinishBudgetNs = 2'000'000;

// Transfers handed to curl per loop turn. curl connects every new handle in the next timeout
// call, so thousands at once would block the loop for ~100 ms; the rest wait for the next turn.
constexpr int kMaxStartsPerTurn = 64;

std::string HeaderValue(CURL* easy, const char* name) {
  curl_header* header = nullptr;
  if (curl_easy_header(easy, name, 0, CURLH_HEADER, -1, &header) != CURLHE_OK) return {};
  return header->value != nullptr ? header->value : "";
}

double InfoSeconds(CURL* easy, CURLINFO info) {
  curl_off_t us = 0;
  if (curl_easy_getinfo(easy, info, &us) != CURLE_OK) return 0;
  return static_cast<double>(us) / 1e6;
}

bool ReadFile(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream buf;
  buf << in.rdbuf();
  *out = buf.str();
  return true;
}

// The TLS knobs that need the SSL_CTX. libssl is loaded by libcurl; its symbols are looked up at
// run time so tincrawl_core does not need to link OpenSSL itself.
struct SslCtxSettings {
  bool legacy_server_connect = false;
  int security_level = -1;
};

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

}  // namespace

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
  SslCtxSettings ssl_settings;
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

Fetcher::Fetcher(uv_loop_t* loop, NetworkConfig net) : loop_(loop), net_(std::move(net)) {}

Fetcher::~Fetcher() {
  // Shutdown() is the orderly path; if it never ran, at least release curl's resources. libuv
  // handles that are still open cannot be freed here (their memory belongs to the close path).
  for (auto& [id, t] : transfers_) {
    if (multi_) (void)curl_multi_remove_handle(multi_.get(), t->easy.get());
  }
  transfers_.clear();
  idle_easy_.clear();
  // Poll handles still open cannot be freed here; forget them so closing sockets skips them.
  sockets_.clear();
  multi_.reset();
  share_.reset();  // Closes cached connections through OnCloseSocket while members still live.
}

Status Fetcher::Init() {
  Status guard_status = guard_.SetAllowList(net_.allow_private_networks);
  if (!guard_status.ok()) return guard_status;
  multi_.reset(curl_multi_init());
  share_.reset(curl_share_init());
  if (!multi_ || !share_) return Status::Internal("curl_multi_init/curl_share_init failed");
  for (curl_lock_data data :
       {CURL_LOCK_DATA_DNS, CURL_LOCK_DATA_SSL_SESSION, CURL_LOCK_DATA_CONNECT}) {
    if (curl_share_setopt(share_.get(), CURLSHOPT_SHARE, data) != CURLSHE_OK) {
      return Status::Internal("curl_share_setopt failed");
    }
  }
  CURLM* m = multi_.get();
  CURLMcode mc = curl_multi_setopt(m, CURLMOPT_SOCKETFUNCTION, &Fetcher::OnCurlSocket);
  if (mc == CURLM_OK) mc = curl_multi_setopt(m, CURLMOPT_SOCKETDATA, this);
  if (mc == CURLM_OK) mc = curl_multi_setopt(m, CURLMOPT_TIMERFUNCTION, &Fetcher::OnCurlTimer);
  if (mc == CURLM_OK) mc = curl_multi_setopt(m, CURLMOPT_TIMERDATA, this);
  if (mc == CURLM_OK) {
    mc = curl_multi_setopt(m, CURLMOPT_MAX_TOTAL_CONNECTIONS, long{net_.max_connections});
  }
  if (mc == CURLM_OK) mc = curl_multi_setopt(m, CURLMOPT_MAXCONNECTS, long{net_.max_connections});
  if (mc == CURLM_OK) mc = curl_multi_setopt(m, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
  if (mc != CURLM_OK) return Status::Internal(curl_multi_strerror(mc));
  for (const std::string& entry : net_.resolve) {
    const std::optional<ResolveEntry> parsed = ParseResolveEntry(entry);
    if (!parsed) return Status::InvalidArgument("bad network.resolve entry \"" + entry + "\"");
    SlistPtr& list = resolve_[parsed->host].list;
    curl_slist* next = curl_slist_append(list.get(), entry.c_str());
    if (next == nullptr) return Status::Internal("curl_slist_append failed");
    (void)list.release();
    list.reset(next);
  }
  EasyPtr probe(curl_easy_init());
  char* cainfo = nullptr;
  if (probe && curl_easy_getinfo(probe.get(), CURLINFO_CAINFO, &cainfo) == CURLE_OK &&
      cainfo != nullptr) {
    system_ca_file_ = cainfo;
  }
  timer_ = new uv_timer_t;
  deferred_timer_ = new uv_timer_t;
  for (uv_timer_t* t : {timer_, deferred_timer_}) {
    const int rc = uv_timer_init(loop_, t);
    if (rc != 0) return Status::Internal(std::string("uv_timer_init: ") + uv_strerror(rc));
    t->data = this;
    ++open_handles_;
  }
  finisher_ = new uv_idle_t;
  const int rc = uv_idle_init(loop_, finisher_);
  if (rc != 0) {
    delete finisher_;
    finisher_ = nullptr;
    return Status::Internal(std::string("uv_idle_init: ") + uv_strerror(rc));
  }
  finisher_->data = this;
  ++open_handles_;
  turn_end_ = new uv_check_t;
  const int check_rc = uv_check_init(loop_, turn_end_);
  if (check_rc != 0) {
    delete turn_end_;
    turn_end_ = nullptr;
    return Status::Internal(std::string("uv_check_init: ") + uv_strerror(check_rc));
  }
  turn_end_->data = this;
  ++open_handles_;
  return BuildHeaders();
}

// The request headers curl would otherwise format per request, and whether the environment
// names a proxy (curl looks it up with several getenv calls per transfer when none is set).
Status Fetcher::BuildHeaders() {
  const curl_version_info_data* info = curl_version_info(CURLVERSION_NOW);
  const int features = info != nullptr ? info->features : 0;
  accept_encoding_.clear();
  // The order and names of curl's own ACCEPT_ENCODING="" list.
  if (features & CURL_VERSION_LIBZ) accept_encoding_ = "deflate, gzip";
  if (features & CURL_VERSION_BROTLI) accept_encoding_ += accept_encoding_.empty() ? "br" : ", br";
  if (features & CURL_VERSION_ZSTD) {
    accept_encoding_ += accept_encoding_.empty() ? "zstd" : ", zstd";
  }
  std::vector<std::string> lines;
  if (!net_.user_agent.empty()) lines.push_back("User-Agent: " + net_.user_agent);
  if (!accept_encoding_.empty()) lines.push_back("Accept-Encoding: " + accept_encoding_);
  for (const std::string& line : lines) {
    curl_slist* next = curl_slist_append(base_headers_.get(), line.c_str());
    if (next == nullptr) return Status::Internal("curl_slist_append failed");
    (void)base_headers_.release();
    base_headers_.reset(next);
  }
  bool env_proxy = false;
  for (const char* name : {"http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy",
                           "ALL_PROXY", "no_proxy", "NO_PROXY"}) {
    if (std::getenv(name) != nullptr) env_proxy = true;
  }
  disable_env_proxy_ = net_.proxy.empty() && !env_proxy;
  return Status::Ok();
}

int Fetcher::OnCurlTimer(CURLM* /*multi*/, long timeout_ms, void* userp) {
  auto* self = static_cast<Fetcher*>(userp);
  if (timeout_ms < 0) return uv_timer_stop(self->timer_) == 0 ? 0 : -1;
  // Zero means "as soon as possible": a zero timer fires on the next loop iteration, outside
  // this callback, as curl requires.
  return uv_timer_start(self->timer_, &Fetcher::OnUvTimer, static_cast<uint64_t>(timeout_ms), 0) ==
                 0
             ? 0
             : -1;
}

void Fetcher::OnUvTimer(uv_timer_t* timer) {
  auto* self = static_cast<Fetcher*>(timer->data);
  self->SocketAction(CURL_SOCKET_TIMEOUT, 0);
}

int Fetcher::OnCurlSocket(CURL* /*easy*/, curl_socket_t fd, int action, void* userp,
                          void* socketp) {
  return static_cast<Fetcher*>(userp)->HandleSocket(fd, action,
                                                    static_cast<SocketContext*>(socketp));
}

int Fetcher::HandleSocket(curl_socket_t fd, int action, SocketContext* ctx) {
  const bool assigned = ctx != nullptr;
  if (ctx == nullptr) {
    // curl forgets its socket data on CURL_POLL_REMOVE; a parked connection keeps its handle.
    auto it = sockets_.find(fd);
    ctx = it != sockets_.end() ? it->second : nullptr;
  }
  if (action == CURL_POLL_REMOVE) {
    // Parked, not stopped: libuv's uv_poll_stop/uv_poll_start each cost an epoll_ctl, and curl
    // usually asks for the same events again when it reuses the connection. An event on a
    // parked socket (peer closed it, or it is writable) stops it in OnUvPoll. curl closes the
    // socket through OnCloseSocket.
    // Unreferenced, so an idle connection does not keep the loop alive. Other sockets (the
    // threaded resolver's wake-up pair) are closed behind our back, so their handle goes now.
    if (ctx != nullptr && ctx->own && !ctx->parked) {
      ctx->parked = true;
      uv_unref(reinterpret_cast<uv_handle_t*>(&ctx->poll));
    } else if (ctx != nullptr && !ctx->own) {
      CloseSocketContext(ctx);
    }
    return 0;
  }
  if (ctx == nullptr) {
    ctx = OpenSocketContext(fd);
    if (ctx == nullptr) return -1;
  }
  if (!assigned && multi_ && curl_multi_assign(multi_.get(), fd, ctx) != CURLM_OK) return -1;
  if (ctx->parked) {
    ctx->parked = false;
    uv_ref(reinterpret_cast<uv_handle_t*>(&ctx->poll));
  }
  int events = 0;
  if (action == CURL_POLL_IN || action == CURL_POLL_INOUT) events |= UV_READABLE;
  if (action == CURL_POLL_OUT || action == CURL_POLL_INOUT) events |= UV_WRITABLE;
  if (events == ctx->events) return 0;  // uv_poll_start would drop and re-add the fd in epoll.
  ctx->events = events;
  const int rc = uv_poll_start(&ctx->poll, events, &Fetcher::OnUvPoll);
  if (rc != 0) {
    std::fprintf(stderr, "tincrawl: uv_poll_start(%d): %s\n", fd, uv_strerror(rc));
    return -1;
  }
  return 0;
}

Fetcher::SocketContext* Fetcher::OpenSocketContext(curl_socket_t fd) {
  auto* ctx = new SocketContext;
  ctx->fetcher = this;
  ctx->fd = fd;
  ctx->own = own_fds_.count(fd) != 0;
  const int rc = uv_poll_init_socket(loop_, &ctx->poll, fd);
  if (rc != 0) {
    std::fprintf(stderr, "tincrawl: uv_poll_init_socket(%d): %s\n", fd, uv_strerror(rc));
    delete ctx;
    return nullptr;
  }
  ctx->poll.data = ctx;
  ++open_handles_;
  sockets_[fd] = ctx;
  return ctx;
}

// curl closes every socket it opened through OnOpenSocket here, also from the connection cache
// long after the transfer that opened it ended, so `clientp` is the Fetcher. The poll handle is
// closed first: libuv forgets the fd at once, before the number can come back from socket().
int Fetcher::OnCloseSocket(void* clientp, curl_socket_t fd) {
  auto* self = static_cast<Fetcher*>(clientp);
  self->own_fds_.erase(fd);
  auto it = self->sockets_.find(fd);
  if (it != self->sockets_.end()) self->CloseSocketContext(it->second);
  return close(fd);
}

void Fetcher::CloseSocketContext(SocketContext* ctx) {
  if (ctx->closing) return;
  ctx->closing = true;
  auto it = sockets_.find(ctx->fd);
  if (it != sockets_.end() && it->second == ctx) sockets_.erase(it);
  (void)uv_poll_stop(&ctx->poll);
  CloseHandle(reinterpret_cast<uv_handle_t*>(&ctx->poll));
}

void Fetcher::CloseHandle(uv_handle_t* handle) {
  if (!uv_is_closing(handle)) uv_close(handle, &Fetcher::OnHandleClosed);
}

void Fetcher::OnHandleClosed(uv_handle_t* handle) {
  Fetcher* self = nullptr;
  if (handle->type == UV_POLL) {
    auto* ctx = static_cast<SocketContext*>(handle->data);
    self = ctx->fetcher;
    delete ctx;
  } else if (handle->type == UV_IDLE) {
    self = static_cast<Fetcher*>(handle->data);
    delete reinterpret_cast<uv_idle_t*>(handle);
  } else if (handle->type == UV_CHECK) {
    self = static_cast<Fetcher*>(handle->data);
    delete reinterpret_cast<uv_check_t*>(handle);
  } else {
    self = static_cast<Fetcher*>(handle->data);
    delete reinterpret_cast<uv_timer_t*>(handle);
  }
  if (--self->open_handles_ == 0 && self->shutdown_done_ && self->on_closed_) {
    auto closed = std::move(self->on_closed_);
    self->on_closed_ = nullptr;
    closed();
  }
}

void Fetcher::OnUvPoll(uv_poll_t* poll, int status, int events) {
  auto* ctx = static_cast<SocketContext*>(poll->data);
  if (ctx->parked) {
    // curl is not watching this idle connection; it notices a closed peer when it next
    // checks the connection before reuse.
    ctx->events = 0;
    (void)uv_poll_stop(poll);
    return;
  }
  int flags = 0;
  if (status < 0) {
    flags = CURL_CSELECT_ERR;
  } else {
    if (events & UV_READABLE) flags |= CURL_CSELECT_IN;
    if (events & UV_WRITABLE) flags |= CURL_CSELECT_OUT;
  }
  ctx->fetcher->SocketAction(ctx->fd, flags);
}

void Fetcher::SocketAction(curl_socket_t fd, int flags) {
  if (!multi_) return;
  ++dispatch_depth_;
  int running = 0;
  const CURLMcode mc = curl_multi_socket_action(multi_.get(), fd, flags, &running);
  if (mc != CURLM_OK) {
    std::fprintf(stderr, "tincrawl: curl_multi_socket_action: %s\n", curl_multi_strerror(mc));
  }
  DrainInfo();
  --dispatch_depth_;
  if (shutting_down_ && dispatch_depth_ == 0 && !shutdown_done_) FinishShutdown();
}

// Only queues the finished transfers: their connection is already back in curl's cache, and
// the easy handle stays parked in the multi handle until RunFinished() gets to it.
void Fetcher::DrainInfo() {
  int pending = 0;
  const size_t before = finished_.size();
  while (multi_ && !shutting_down_) {
    CURLMsg* msg = curl_multi_info_read(multi_.get(), &pending);
    if (msg == nullptr) break;
    if (msg->msg != CURLMSG_DONE) continue;
    Transfer* t = nullptr;
    if (curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &t) != CURLE_OK || t == nullptr) {
      continue;
    }
    if (msg->data.result == CURLE_OK && t->resolve != nullptr) t->resolve->cached = true;
    finished_.emplace_back(t->id, msg->data.result);
  }
  if (before == 0 && !finished_.empty() && finisher_ != nullptr) {
    const int rc = uv_idle_start(finisher_, &Fetcher::OnFinisher);
    if (rc != 0) std::fprintf(stderr, "tincrawl: uv_idle_start: %s\n", uv_strerror(rc));
  }
}

void Fetcher::OnFinisher(uv_idle_t* idle) {
  auto* self = static_cast<Fetcher*>(idle->data);
  ++self->dispatch_depth_;
  self->RunFinished(kFinishBudgetNs);
  --self->dispatch_depth_;
  if (self->shutting_down_ && self->dispatch_depth_ == 0 && !self->shutdown_done_) {
    self->FinishShutdown();
  }
}

// Finishes queued transfers until the queue is empty or `budget_ns` has passed (at least one
// per call, so progress is guaranteed). Transfers cancelled meanwhile are skipped.
void Fetcher::RunFinished(uint64_t budget_ns) {
  const uint64_t deadline = NowNs() + budget_ns;
  while (!finished_.empty()) {
    const auto [id, code] = finished_.front();
    finished_.pop_front();
    auto it = transfers_.find(id);
    if (it != transfers_.end()) Finish(it->second.get(), code);
    if (shutting_down_ && !shutdown_done_) break;  // FinishShutdown() drains the rest.
    if (NowNs() >= deadline) break;
  }
  if (finished_.empty() && finisher_ != nullptr) (void)uv_idle_stop(finisher_);
}

void Fetcher::CollectInfo(Transfer* t) {
  CURL* e = t->easy.get();
  FetchResult& r = t->result;
  (void)curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &r.http_status);
  char* text = nullptr;
  if (curl_easy_getinfo(e, CURLINFO_EFFECTIVE_URL, &text) == CURLE_OK && text) r.final_url = text;
  text = nullptr;
  if (curl_easy_getinfo(e, CURLINFO_PRIMARY_IP, &text) == CURLE_OK && text) r.primary_ip = text;
  text = nullptr;
  if (curl_easy_getinfo(e, CURLINFO_CONTENT_TYPE, &text) == CURLE_OK && text) {
    r.content_type = text;
  }
  (void)curl_easy_getinfo(e, CURLINFO_HTTP_VERSION, &r.http_version);
  const double dns = InfoSeconds(e, CURLINFO_NAMELOOKUP_TIME_T);
  const double connect = InfoSeconds(e, CURLINFO_CONNECT_TIME_T);
  const double app = InfoSeconds(e, CURLINFO_APPCONNECT_TIME_T);
  r.timings.dns = dns;
  r.timings.connect = connect > dns ? connect - dns : 0;
  r.timings.tls = app > connect ? app - connect : 0;
  r.timings.first_byte = InfoSeconds(e, CURLINFO_STARTTRANSFER_TIME_T);
  r.timings.total = static_cast<double>(NowNs() - t->start_ns) / 1e9;
  if (r.http_status > 0) {
    r.etag = HeaderValue(e, "ETag");
    r.last_modified = HeaderValue(e, "Last-Modified");
    r.retry_after = HeaderValue(e, "Retry-After");
    if (r.request.keep_headers) {
      r.response_headers.clear();
      for (curl_header* h = curl_easy_nextheader(e, CURLH_HEADER, -1, nullptr); h != nullptr;
           h = curl_easy_nextheader(e, CURLH_HEADER, -1, h)) {
        r.response_headers.emplace_back(h->name, h->value);
      }
    }
  }
}

void Fetcher::Finish(Transfer* t, CURLcode code) {
  CollectInfo(t);
  if (code == CURLE_WRITE_ERROR && t->result.truncated) code = CURLE_OK;
  if (code != CURLE_OK) {
    if (t->too_large) return Complete(t, Outcome::kTooLarge, t->too_large_what);
    if (t->private_refused) {
      return Complete(t, Outcome::kPrivateAddress, "refused " + t->refused_class + " address");
    }
    long os_errno = 0;
    (void)curl_easy_getinfo(t->easy.get(), CURLINFO_OS_ERRNO, &os_errno);
    std::string error = t->errbuf[0] != '\0' ? t->errbuf : curl_easy_strerror(code);
    return Complete(t, OutcomeFromCurlCode(code, os_errno), std::move(error));
  }
  const long status = t->result.http_status;
  if (status >= 300 && status < 400 && status != 304 && FollowRedirect(t)) return;
  const Outcome outcome = OutcomeFromHttpStatus(status);
  std::string error;
  if (outcome != Outcome::kOk && outcome != Outcome::kNotModified && t->result.error.empty()) {
    error = "HTTP " + std::to_string(status);
  }
  Complete(t, outcome, error.empty() ? t->result.error : error);
}

// Returns true when the transfer was restarted on the redirect target; otherwise sets the error
// text and returns false so the caller completes it with kRedirect.
bool Fetcher::FollowRedirect(Transfer* t) {
  char* target = nullptr;
  if (curl_easy_getinfo(t->easy.get(), CURLINFO_REDIRECT_URL, &target) != CURLE_OK ||
      target == nullptr) {
    t->result.error = "redirect without a usable Location";
    return false;
  }
  const std::string location = target;
  t->result.redirects.push_back({t->result.http_status, t->result.final_url, location});
  if (static_cast<int>(t->result.redirects.size()) > net_.max_redirects) {
    t->result.error = "too many redirects";
    return false;
  }
  if (!t->visited.insert(location).second) {
    t->result.error = "redirect loop at " + location;
    return false;
  }
  CURL* e = t->easy.get();
  if (curl_multi_remove_handle(multi_.get(), e) != CURLM_OK) {
    t->result.error = "curl_multi_remove_handle failed";
    return false;
  }
  t->result.body.clear();
  t->result.truncated = false;
  t->result.bytes_received = 0;
  t->header_bytes = 0;
  t->errbuf[0] = '\0';
  if (curl_easy_setopt(e, CURLOPT_URL, location.c_str()) != CURLE_OK ||
      SetResolve(t, location) != CURLE_OK || curl_multi_add_handle(multi_.get(), e) != CURLM_OK) {
    t->result.error = "could not restart on " + location;
    // Re-add so Complete's remove is balanced; ignore failure, Complete tolerates it.
    (void)curl_multi_add_handle(multi_.get(), e);
    return false;
  }
  return true;
}

void Fetcher::Complete(Transfer* t, Outcome outcome, std::string error) {
  const CURLMcode mc = curl_multi_remove_handle(multi_.get(), t->easy.get());
  if (mc != CURLM_OK) {
    std::fprintf(stderr, "tincrawl: curl_multi_remove_handle: %s\n", curl_multi_strerror(mc));
  }
  t->result.outcome = outcome;
  t->result.error = std::move(error);
  if (outcome != Outcome::kOk) t->result.body.clear();
  auto node = transfers_.extract(t->id);
  FetchCallback done = std::move(t->done);
  FetchResult result = std::move(t->result);
  if (mc == CURLM_OK) ReleaseEasy(std::move(t->easy));
  node.mapped().reset();  // Easy handle parked or gone before user code may shut us down.
  done(std::move(result));
}

size_t Fetcher::OnWrite(char* data, size_t size, size_t nmemb, void* userp) {
  auto* t = static_cast<Transfer*>(userp);
  const size_t n = size * nmemb;
  t->result.bytes_received += static_cast<int64_t>(n);
  if (static_cast<int64_t>(t->result.body.size() + n) > t->body_cap) {
    if (t->result.request.truncate) {
      t->result.body.append(data, static_cast<size_t>(t->body_cap) - t->result.body.size());
      t->result.truncated = true;
      return 0;  // Ends the transfer; Finish() treats it as complete.
    }
    t->too_large = true;
    t->too_large_what = "decoded body over " + std::to_string(t->body_cap) + " bytes";
    return 0;  // Aborts the transfer with CURLE_WRITE_ERROR.
  }
  t->result.body.append(data, n);
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

curl_socket_t Fetcher::OnOpenSocket(void* clientp, curlsocktype purpose, curl_sockaddr* address) {
  auto* t = static_cast<Transfer*>(clientp);
  Fetcher* self = t->fetcher;
  // Connecting means curl ran the transfer's setup, which put its resolve entries in the cache.
  if (t->resolve != nullptr) t->resolve->cached = true;
  if (purpose == CURLSOCKTYPE_IPCXN && self->net_.proxy.empty()) {
    const auto mapped = ToMapped(&address->addr);
    if (!mapped || !self->guard_.Allowed(*mapped)) {
      t->private_refused = true;
      t->refused_class = mapped ? std::string(AddressClassName(ClassifyAddress(*mapped)))
                                : std::string("unknown-family");
      return CURL_SOCKET_BAD;
    }
  }
  const curl_socket_t fd =
      socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
  if (fd != CURL_SOCKET_BAD) self->own_fds_.insert(fd);
  return fd;
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
  if (!net_.proxy.empty()) {
    set(CURLOPT_PROXY, net_.proxy.c_str());
  } else if (disable_env_proxy_) {
    // Same effect as the empty environment, without curl's getenv calls per transfer.
    set(CURLOPT_PROXY, "");
    set(CURLOPT_NOPROXY, "");
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

uint64_t Fetcher::Start(FetchRequest req, const TlsPolicy* tls, FetchCallback done) {
  FetchResult early;
  early.request = req;
  early.final_url = req.url;
  if (shutting_down_ || !multi_) {
    early.outcome = Outcome::kCancelled;
    early.error = "fetcher shutting down";
    Defer(std::move(early), std::move(done));
    return 0;
  }
  auto t = std::make_unique<Transfer>();
  t->id = next_id_++;
  t->fetcher = this;
  t->done = std::move(done);
  t->start_ns = NowNs();
  t->body_cap = req.max_body_bytes > 0 ? req.max_body_bytes : net_.max_body_bytes;
  t->visited.insert(req.url);
  t->result.request = std::move(req);
  t->result.final_url = t->result.request.url;
  t->easy = AcquireEasy();
  Status status = t->easy ? ConfigureEasy(t.get(), tls) : Status::Internal("curl_easy_init");
  if (!status.ok()) {
    early.outcome = Outcome::kError;
    early.error = status.message();
    // An unreadable CA file is a TLS configuration failure of the site, not a crawler bug.
    if (status.code() == Status::Code::kIoError) early.outcome = Outcome::kTls;
    Defer(std::move(early), std::move(t->done));
    return 0;
  }
  const uint64_t id = t->id;
  Transfer* raw = t.get();
  transfers_.emplace(id, std::move(t));
  if (!pending_.empty() || starts_this_turn_ >= kMaxStartsPerTurn) {
    pending_.push_back(id);
    // With the turn's budget spent, OnTurnEnd schedules the queue for the next turn.
    if (starts_this_turn_ < kMaxStartsPerTurn) ArmDeferred();
    return id;
  }
  const CURLMcode mc = AddToMulti(raw);
  if (mc != CURLM_OK) {
    early.outcome = Outcome::kError;
    early.error = curl_multi_strerror(mc);
    auto node = transfers_.extract(id);
    Defer(std::move(early), std::move(node.mapped()->done));
    return 0;
  }
  return id;
}

CURLMcode Fetcher::AddToMulti(Transfer* t) {
  const CURLMcode mc = curl_multi_add_handle(multi_.get(), t->easy.get());
  if (mc == CURLM_OK && starts_this_turn_++ == 0 && turn_end_ != nullptr) {
    const int rc = uv_check_start(turn_end_, &Fetcher::OnTurnEnd);
    if (rc != 0) std::fprintf(stderr, "tincrawl: uv_check_start: %s\n", uv_strerror(rc));
  }
  return mc;
}

// Runs after the poll phase of a turn that handed transfers to curl. Queued transfers go on in
// the next turn's timer phase (a zero timer armed inside a timer callback would run again in
// the same phase, before any I/O).
void Fetcher::OnTurnEnd(uv_check_t* check) {
  auto* self = static_cast<Fetcher*>(check->data);
  self->starts_this_turn_ = 0;
  (void)uv_check_stop(check);
  if (!self->pending_.empty() && !self->shutting_down_) self->ArmDeferred();
}

void Fetcher::ArmDeferred() {
  const int rc = uv_timer_start(deferred_timer_, &Fetcher::OnDeferred, 0, 0);
  if (rc != 0) std::fprintf(stderr, "tincrawl: uv_timer_start: %s\n", uv_strerror(rc));
}

// Hands queued transfers to curl, at most kMaxStartsPerTurn per turn, oldest first. What is
// left waits for OnTurnEnd (the turn's budget is spent then).
void Fetcher::StartPending() {
  while (!pending_.empty() && !shutting_down_ && starts_this_turn_ < kMaxStartsPerTurn) {
    const uint64_t id = pending_.front();
    pending_.pop_front();
    auto it = transfers_.find(id);
    if (it == transfers_.end()) continue;  // Cancelled while queued.
    const CURLMcode mc = AddToMulti(it->second.get());
    if (mc != CURLM_OK) Complete(it->second.get(), Outcome::kError, curl_multi_strerror(mc));
  }
}

bool Fetcher::Cancel(uint64_t id) {
  auto it = transfers_.find(id);
  if (it == transfers_.end()) return false;
  Complete(it->second.get(), Outcome::kCancelled, "cancelled");
  return true;
}

void Fetcher::Defer(FetchResult result, FetchCallback done) {
  if (shutdown_done_ || deferred_timer_ == nullptr) {
    // Our handles are closing: nothing can be scheduled any more, so answer right away.
    done(std::move(result));
    return;
  }
  deferred_.emplace_back(std::move(result), std::move(done));
  {
    const int rc = uv_timer_start(deferred_timer_, &Fetcher::OnDeferred, 0, 0);
    if (rc != 0) std::fprintf(stderr, "tincrawl: uv_timer_start: %s\n", uv_strerror(rc));
  }
}

void Fetcher::OnDeferred(uv_timer_t* timer) {
  auto* self = static_cast<Fetcher*>(timer->data);
  if (!self->pending_.empty()) {
    ++self->dispatch_depth_;
    self->StartPending();
    --self->dispatch_depth_;
    if (self->shutting_down_ && self->dispatch_depth_ == 0 && !self->shutdown_done_) {
      self->FinishShutdown();
      return;  // FinishShutdown() flushed the deferred results.
    }
  }
  // Callbacks may defer more work; process until empty.
  while (!self->deferred_.empty()) {
    auto batch = std::move(self->deferred_);
    self->deferred_.clear();
    for (auto& [result, done] : batch) done(std::move(result));
  }
}

void Fetcher::Shutdown(std::function<void()> closed) {
  if (shutdown_done_ && open_handles_ == 0) {
    if (closed) closed();  // Already fully closed.
    return;
  }
  if (on_closed_ && closed) {
    // A second caller while closing: both are told.
    on_closed_ = [first = std::move(on_closed_), second = std::move(closed)] {
      first();
      second();
    };
  } else if (closed) {
    on_closed_ = std::move(closed);
  }
  if (shutting_down_) return;
  shutting_down_ = true;
  if (dispatch_depth_ == 0) FinishShutdown();
}

void Fetcher::FinishShutdown() {
  // Transfers curl already completed get their real result, the rest are cancelled.
  while (!finished_.empty()) RunFinished(UINT64_MAX / 2);
  shutdown_done_ = true;
  while (!transfers_.empty())
    Complete(transfers_.begin()->second.get(), Outcome::kCancelled, "shutdown");
  pending_.clear();
  if (deferred_timer_ != nullptr) OnDeferred(deferred_timer_);
  multi_.reset();  // May report sockets as removed through OnCurlSocket.
  while (!sockets_.empty()) CloseSocketContext(sockets_.begin()->second);
  idle_easy_.clear();
  share_.reset();
  for (uv_timer_t* t : {timer_, deferred_timer_}) {
    if (t != nullptr) CloseHandle(reinterpret_cast<uv_handle_t*>(t));
  }
  if (finisher_ != nullptr) CloseHandle(reinterpret_cast<uv_handle_t*>(finisher_));
  if (turn_end_ != nullptr) CloseHandle(reinterpret_cast<uv_handle_t*>(turn_end_));
  if (open_handles_ == 0 && on_closed_) {
    auto done = std::move(on_closed_);
    on_closed_ = nullptr;
    done();
  }
}

}  // namespace tincrawl

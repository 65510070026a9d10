#include "crawler/net/fetcher.h"

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

#include "crawler/common/host.h"
#include "crawler/net/curl_outcome.h"
#include "crawler/net/fetcher_internal.h"
#include "crawler/net/uv_timers.h"

namespace tincrawl {

using namespace fetcher_internal;  // NOLINT(google-build-using-namespace): internal helpers.

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

// The multi and share handles, wired to our socket and timer callbacks.
Status Fetcher::InitMulti() {
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
  return Status::Ok();
}

Status Fetcher::Init() {
  Status guard_status = guard_.SetAllowList(net_.allow_private_networks);
  if (!guard_status.ok()) return guard_status;
  if (Status s = InitMulti(); !s.ok()) return s;
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
  if (Status s = InitTimers(loop_, this, {timer_, deferred_timer_}, &open_handles_); !s.ok()) {
    return s;
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

// The request headers curl would otherwise format per request.
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
  return Status::Ok();
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
// text and returns false so the caller completes it with kRedirect (also for a cross-host hop
// when the request does not follow those).
bool Fetcher::FollowRedirect(Transfer* t) {
  char* target = nullptr;
  if (curl_easy_getinfo(t->easy.get(), CURLINFO_REDIRECT_URL, &target) != CURLE_OK ||
      target == nullptr) {
    t->result.error = "redirect without a usable Location";
    return false;
  }
  const std::string location = target;
  t->result.redirects.push_back({t->result.http_status, t->result.final_url, location});
  const FetchRequest& req = t->result.request;
  const int max_hops = req.max_redirects >= 0 ? req.max_redirects : net_.max_redirects;
  if (static_cast<int>(t->result.redirects.size()) > max_hops) {
    t->result.error = "too many redirects";
    return false;
  }
  if (!t->visited.insert(location).second) {
    t->result.error = "redirect loop at " + location;
    return false;
  }
  if (!req.follow_cross_host && HostKey(location) != HostKey(t->result.final_url)) {
    t->result.error = "redirect to another host: " + location;
    return false;  // The caller resubmits it under the target host's policies.
  }
  CURL* e = t->easy.get();
  if (curl_multi_remove_handle(multi_.get(), e) != CURLM_OK) {
    t->result.error = "curl_multi_remove_handle failed";
    return false;
  }
  buffered_body_bytes_ -= t->result.body.size();
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
  buffered_body_bytes_ -= t->result.body.size();  // The body leaves with the result.
  if (outcome != Outcome::kOk) t->result.body.clear();
  auto node = transfers_.extract(t->id);
  FetchCallback done = std::move(t->done);
  FetchResult result = std::move(t->result);
  if (mc == CURLM_OK) ReleaseEasy(std::move(t->easy));
  node.mapped().reset();  // Easy handle parked or gone before user code may shut us down.
  done(std::move(result));
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

void Fetcher::Defer(FetchResult result, FetchCallback done) {
  if (shutdown_done_ || deferred_timer_ == nullptr) {
    // Our handles are closing: nothing can be scheduled any more, so answer right away.
    done(std::move(result));
    return;
  }
  deferred_.Push(deferred_timer_, &Fetcher::OnDeferred, std::move(result), std::move(done));
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
  self->deferred_.RunAll();
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

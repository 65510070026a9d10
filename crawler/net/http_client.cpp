#include "crawler/net/http_client.h"

#include <algorithm>
#include <cctype>
#include <climits>
#include <cmath>
#include <cstdio>
#include <ctime>

#include "crawler/common/host.h"
#include "crawler/net/http_client_internal.h"
#include "crawler/net/uv_timers.h"

namespace tincrawl {
namespace http_client_internal {

namespace {

std::string UrlPart(CURLU* url, CURLUPart part, unsigned flags = 0) {
  char* text = nullptr;
  if (curl_url_get(url, part, &text, flags) != CURLUE_OK || text == nullptr) return {};
  std::string out = text;
  curl_free(text);
  return out;
}

}  // namespace

bool ParseUrl(const std::string& text, UrlParts* parts) {
  CurlUrlPtr url(curl_url());
  if (!url || curl_url_set(url.get(), CURLUPART_URL, text.c_str(), 0) != CURLUE_OK) return false;
  const std::string scheme = UrlPart(url.get(), CURLUPART_SCHEME);
  parts->host = UrlPart(url.get(), CURLUPART_HOST);
  if ((scheme != "http" && scheme != "https") || parts->host.empty()) return false;
  std::transform(parts->host.begin(), parts->host.end(), parts->host.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  const std::string port = UrlPart(url.get(), CURLUPART_PORT, CURLU_DEFAULT_PORT);
  parts->origin = scheme + "://" + parts->host + ":" + port;
  parts->path = UrlPart(url.get(), CURLUPART_PATH);
  const std::string query = UrlPart(url.get(), CURLUPART_QUERY);
  if (!query.empty()) parts->path += "?" + query;
  return true;
}

}  // namespace http_client_internal

using http_client_internal::ParseUrl;
using http_client_internal::UrlParts;

HttpClient::HttpClient(uv_loop_t* loop, const NetworkConfig& net, Politeness defaults,
                       SchedulerOptions scheduler_options)
    : loop_(loop),
      net_(net),
      scheduler_options_(scheduler_options),
      defaults_(defaults),
      product_token_(RobotsProductToken(net.user_agent)),
      scheduler_(scheduler_options),
      fetcher_(std::make_unique<Fetcher>(loop, net)) {
  // "HOST:PORT:ADDR[,ADDR]" entries tell us a host's address before the first connection.
  for (const std::string& entry : net_.resolve) {
    const std::optional<ResolveEntry> parsed = ParseResolveEntry(entry);
    if (parsed) resolved_ip_[parsed->host] = parsed->addresses.front();
  }
}

HttpClient::~HttpClient() = default;

Status HttpClient::Init() {
  Status status = fetcher_->Init();
  if (!status.ok()) return status;
  timer_ = new uv_timer_t;
  deferred_timer_ = new uv_timer_t;
  robots_timer_ = new uv_timer_t;
  if (Status s = InitTimers(loop_, this, {timer_, deferred_timer_, robots_timer_}, &open_handles_);
      !s.ok()) {
    return s;
  }
  return Status::Ok();
}

Status HttpClient::ConfigureSite(const SiteConfig& site) {
  Site& s = sites_[site.id];
  s.politeness = site.politeness;
  s.tls = site.tls;
  s.hosts = site.hosts;
  for (const std::string& site_host : site.hosts) {
    const std::string host = LowerHost(site_host);
    host_site_[host] = site.id;
    site_hosts_[host] = site.id;
    scheduler_.ConfigureHost(host, site.politeness);
    auto ip = resolved_ip_.find(host);
    if (ip != resolved_ip_.end()) scheduler_.SetHostIp(host, ip->second);
  }
  if (!site.tls.ca_file.empty()) return fetcher_->PreloadCaFile(site.tls.ca_file);
  return Status::Ok();
}

void HttpClient::RemoveSite(const std::string& site_id) {
  auto it = sites_.find(site_id);
  if (it == sites_.end()) return;
  std::vector<uint64_t> dropped;
  for (const std::string& host : it->second.hosts) {
    for (uint64_t id : scheduler_.RemoveHost(host)) dropped.push_back(id);
    host_site_.erase(host);
    auto listed = site_hosts_.find(LowerHost(host));
    if (listed != site_hosts_.end() && listed->second == site_id) site_hosts_.erase(listed);
  }
  std::vector<std::string> origins;  // Whose waiting requests belong to the removed hosts.
  for (const auto& [origin, state] : robots_state_) {
    const auto& hosts = it->second.hosts;
    if (std::any_of(hosts.begin(), hosts.end(),
                    [&](const std::string& h) { return LowerHost(h) == state.host; })) {
      origins.push_back(origin);
    }
  }
  sites_.erase(it);
  for (uint64_t id : dropped) Deliver(id, Outcome::kCancelled, "site removed", true);
  for (const std::string& origin : origins) {
    FailWaiters(origin, Outcome::kCancelled, "site removed", true);
  }
}

const HttpClient::Site* HttpClient::FindSite(const std::string& site_id) const {
  auto it = sites_.find(site_id);
  return it == sites_.end() ? nullptr : &it->second;
}

bool HttpClient::RespectsRobots(const Pending& p) const {
  const Site* site = FindSite(p.policy_site);
  return site != nullptr ? site->politeness.respect_robots : defaults_.respect_robots;
}

void HttpClient::EnsureHost(const std::string& host, const std::string& site_id) {
  if (host_site_.count(host) != 0) return;
  const Site* site = FindSite(site_id);
  host_site_[host] = site_id;
  scheduler_.ConfigureHost(host, site != nullptr ? site->politeness : defaults_);
  auto ip = resolved_ip_.find(host);
  if (ip != resolved_ip_.end()) scheduler_.SetHostIp(host, ip->second);
}

double HttpClient::NowSeconds() {
  uv_update_time(loop_);
  return static_cast<double>(uv_now(loop_)) / 1000.0;
}

void HttpClient::CountQueued(const std::string& site_id, int delta) {
  size_t& n = queued_per_site_[site_id];
  n = delta < 0 && n == 0 ? 0 : n + delta;
}

size_t HttpClient::QueuedFor(const std::string& site_id) const {
  auto it = queued_per_site_.find(site_id);
  return it == queued_per_site_.end() ? 0 : it->second;
}

HostSnapshot HttpClient::HostState(const std::string& host) const {
  HostSnapshot snap = scheduler_.Snapshot(host);
  auto waiting = robots_queued_.find(host);
  if (waiting != robots_queued_.end()) snap.queued += waiting->second;
  return snap;
}

size_t HttpClient::InFlight() const { return fetcher_->InFlight(); }

size_t HttpClient::BufferedBodyBytes() const { return fetcher_->BufferedBodyBytes(); }

double HttpClient::SiteDelaySeconds(const std::string& site_id) const {
  const Site* site = FindSite(site_id);
  double delay = 0;
  if (site == nullptr) return delay;
  for (const std::string& host : site->hosts) {
    delay = std::max(delay, scheduler_.Snapshot(LowerHost(host)).delay_seconds);
  }
  return delay;
}

void HttpClient::Submit(FetchRequest req, FetchCallback done) {
  UrlParts parts;
  FetchResult early;
  early.final_url = req.url;
  if (shutting_down_ || !ParseUrl(req.url, &parts)) {
    early.outcome = shutting_down_ ? Outcome::kCancelled : Outcome::kError;
    early.error = shutting_down_ ? "client shutting down" : "unsupported or malformed URL";
    early.request = std::move(req);
    Defer(std::move(early), std::move(done));
    return;
  }
  const uint64_t id = next_id_++;
  Pending& p = pending_[id];
  p.request = std::move(req);
  p.done = std::move(done);
  p.host = parts.host;
  p.origin = parts.origin;
  p.path = parts.path;
  p.policy_site = p.request.site_id;
  p.fetch_url = p.request.url;
  p.enqueued_ms = uv_now(loop_);
  CountQueued(p.request.site_id, +1);
  EnsureHost(p.host, p.policy_site);
  AfterRobots(id);
}

void HttpClient::Enqueue(uint64_t id, bool front) {
  const Pending& p = pending_[id];
  scheduler_.Enqueue(p.host, id, p.request.priority, NowSeconds(), front);
  Pump();
}

void HttpClient::Pump() {
  if (shutting_down_) return;
  if (pumping_) {
    pump_again_ = true;
    return;
  }
  pumping_ = true;
  do {
    pump_again_ = false;
    const double now = NowSeconds();
    while (auto ticket = scheduler_.PopReady(now)) StartTicket(ticket->id);
  } while (pump_again_);
  pumping_ = false;
  const auto next = scheduler_.NextReadyTime();
  if (!next || timer_ == nullptr) return;
  const double wait_ms = std::max(0.0, std::ceil((*next - NowSeconds()) * 1000.0));
  const int rc = uv_timer_start(timer_, &HttpClient::OnTimer, static_cast<uint64_t>(wait_ms), 0);
  if (rc != 0) std::fprintf(stderr, "tincrawl: uv_timer_start: %s\n", uv_strerror(rc));
}

void HttpClient::OnTimer(uv_timer_t* timer) { static_cast<HttpClient*>(timer->data)->Pump(); }

void HttpClient::StartTicket(uint64_t id) {
  auto it = pending_.find(id);
  if (it == pending_.end()) return;
  Pending& p = it->second;
  p.started = true;
  if (!p.robots) CountQueued(p.request.site_id, -1);
  FetchRequest req = p.request;
  req.url = p.fetch_url;
  req.follow_cross_host = false;  // Cross-host hops come back here (FollowCrossHost).
  req.max_redirects = std::max(0, net_.max_redirects - static_cast<int>(p.chain.size()));
  if (!p.chain.empty()) {  // The validators belong to the URL first asked for.
    req.etag.clear();
    req.last_modified.clear();
  }
  const Site* site = FindSite(p.policy_site);
  fetcher_->Start(std::move(req), site != nullptr ? &site->tls : nullptr,
                  [this, id](FetchResult result) { OnFetched(id, std::move(result)); });
}

void HttpClient::OnFetched(uint64_t id, FetchResult result) {
  auto node = pending_.extract(id);
  if (node.empty()) return;
  Pending& p = node.mapped();
  const double now = NowSeconds();
  if (!result.primary_ip.empty()) scheduler_.SetHostIp(p.host, result.primary_ip);
  std::optional<double> retry_after;
  if (!result.retry_after.empty()) {
    retry_after = ParseRetryAfter(result.retry_after, static_cast<double>(std::time(nullptr)));
  }
  const double latency = result.http_status > 0 ? result.timings.first_byte : -1;
  scheduler_.OnFinish(p.host, result.outcome, result.http_status, latency, retry_after, now);
  if (!RetryRateLimited(node, result, retry_after) && !FollowCrossHost(node, result)) {
    Finish(node.mapped(), std::move(result));
  }
  Pump();
}

// Hands the last hop's result over as the result of the whole request.
void HttpClient::Finish(Pending& p, FetchResult result) {
  result.request = p.robots ? p.request : std::move(p.request);  // Robots: its site_id is read.
  result.redirects.insert(result.redirects.begin(), p.chain.begin(), p.chain.end());
  result.timings.total += p.earlier_seconds;
  result.timings.queued =
      static_cast<double>(uv_now(loop_) - p.enqueued_ms) / 1000.0 - result.timings.total;
  if (result.timings.queued < 0) result.timings.queued = 0;
  if (p.robots) {
    HandleRobotsResult(p, std::move(result));
  } else {
    p.done(std::move(result));
  }
}

void HttpClient::Deliver(uint64_t id, Outcome outcome, std::string error, bool defer,
                         bool robots_unavailable) {
  auto node = pending_.extract(id);
  if (node.empty()) return;
  Pending& p = node.mapped();
  if (!p.started && !p.robots) CountQueued(p.request.site_id, -1);
  UnmarkWaiter(p);
  if (p.robots) {  // A robots.txt fetch dropped before it ran: its waiters end the same way.
    robots_state_[p.origin].fetching = false;
    FailWaiters(p.origin, outcome, error, defer);
    return;
  }
  FetchResult result;
  result.final_url = p.fetch_url.empty() ? p.request.url : p.fetch_url;
  result.redirects = std::move(p.chain);
  result.request = std::move(p.request);
  result.outcome = outcome;
  result.robots_unavailable = robots_unavailable;
  result.error = std::move(error);
  if (defer) {
    Defer(std::move(result), std::move(p.done));
  } else {
    p.done(std::move(result));
  }
}

void HttpClient::Defer(FetchResult result, FetchCallback done) {
  if (deferred_timer_ == nullptr ||
      uv_is_closing(reinterpret_cast<uv_handle_t*>(deferred_timer_))) {
    done(std::move(result));  // Closing: nothing can be scheduled any more.
    return;
  }
  deferred_.Push(deferred_timer_, &HttpClient::OnDeferred, std::move(result), std::move(done));
}

void HttpClient::OnDeferred(uv_timer_t* timer) {
  static_cast<HttpClient*>(timer->data)->deferred_.RunAll();
}

void HttpClient::CancelWaiting(const std::string& reason) { CancelNotStarted(reason, true); }

void HttpClient::CancelNotStarted(const std::string& reason, bool defer) {
  (void)scheduler_.DrainAll();
  std::vector<uint64_t> waiting;
  for (const auto& [id, p] : pending_) {
    if (!p.started) waiting.push_back(id);  // A queued robots.txt fetch hands back its waiters.
  }
  std::sort(waiting.begin(), waiting.end());
  for (uint64_t id : waiting) Deliver(id, Outcome::kCancelled, reason, defer);
}

void HttpClient::Shutdown(std::function<void()> closed) {
  if (shutting_down_) {
    if (closed) on_closed_ = std::move(closed);
    MaybeClosed();
    return;
  }
  shutting_down_ = true;
  on_closed_ = std::move(closed);
  CancelNotStarted("shutdown", false);
  if (deferred_timer_ != nullptr) OnDeferred(deferred_timer_);
  for (uv_timer_t* t : {timer_, deferred_timer_, robots_timer_}) {
    if (t != nullptr) uv_close(reinterpret_cast<uv_handle_t*>(t), &HttpClient::OnClosed);
  }
  fetcher_->Shutdown([this] {
    fetcher_closed_ = true;
    MaybeClosed();
  });
}

void HttpClient::OnClosed(uv_handle_t* handle) {
  auto* self = static_cast<HttpClient*>(handle->data);
  delete reinterpret_cast<uv_timer_t*>(handle);
  --self->open_handles_;
  self->MaybeClosed();
}

void HttpClient::MaybeClosed() {
  if (open_handles_ == 0 && fetcher_closed_ && on_closed_) {
    auto closed = std::move(on_closed_);
    on_closed_ = nullptr;
    closed();
  }
}

}  // namespace tincrawl

#pragma once

#include <uv.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "crawler/config/config.h"
#include "crawler/net/deferred_results.h"
#include "crawler/net/fetcher.h"
#include "crawler/net/politeness.h"
#include "crawler/net/robots.h"
#include "crawler/net/robots_store.h"

namespace tincrawl {

// Receives the Sitemap: lines of a host's robots.txt (discovery), once per successful fetch.
using SitemapCallback = std::function<void(const std::string& site_id, const std::string& origin,
                                           const std::vector<std::string>& sitemaps)>;

// The polite client the crawl pipeline uses: per-host queues and pacing (PolitenessScheduler),
// robots.txt (fetched through the same engine once per origin before its first request and
// again after expiry), per-site TLS policy, all on top of one Fetcher. Loop thread only.
//
// Rate limits: a 429, or a 503 with Retry-After, goes back on its host's queue and is sent again
// once the wait the server asked for is over (see PolitenessScheduler::OnFinish), up to
// SchedulerOptions::rate_limit_retries times; after that the caller gets the answer itself
// (kHttp4xx with http_status 429, or kHttp5xx with 503, and FetchResult::retry_after set).
//
// robots.txt (RFC 9309): a 2xx is parsed, a 4xx allows everything, both for RobotsPolicy's TTL
// (24 h). A 5xx or an unreachable robots.txt (dns, connect, timeout, reset, tls) disallows
// everything *for now*: the origin's requests wait here, robots.txt is fetched again on a backoff
// (10 s doubling to 1 h), and once it answers they go on as its rules say. Rules obtained
// earlier keep applying during such an outage (§2.4). While requests wait for robots.txt they
// count as queued on their host (HostState), so callers admitting by host do not pile a slow
// host's URLs up here. With SetRobotsStore, records survive a restart.
//
// Redirects: the Fetcher follows hops on the same host. A hop to another host is sent again from
// here, as a request of that host: its queue and delay, its robots.txt, and the TLS policy of the
// site whose `hosts` list it (defaults when none). Nothing of the original site's policy (TLS
// relaxations, politeness, robots setting) carries over. network.max_redirects counts every hop
// of the chain; FetchResult::redirects lists them all, final_url is the last URL fetched and
// tls_relaxed names the relaxations of that last fetch only.
class HttpClient {
 public:
  // `defaults` applies to requests whose site_id was never configured.
  HttpClient(uv_loop_t* loop, const NetworkConfig& net, Politeness defaults = {},
             SchedulerOptions scheduler_options = {});
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Creates the fetcher and the timers. Must succeed before Submit().
  Status Init();

  // Politeness and TLS for the site's hosts; callable again on reload (queues are kept).
  // Returns IoError when the site's TLS ca_file cannot be read (fetches then end with kTls).
  Status ConfigureSite(const SiteConfig& site);
  // Forgets the site; its queued requests complete with kCancelled.
  void RemoveSite(const std::string& site_id);

  // Queues a fetch. `done` runs on the loop thread exactly once, never inside Submit(): with
  // kRobotsDenied (no network traffic) when robots.txt rules disallow the URL, kCancelled on
  // RemoveSite/Shutdown, otherwise with the Fetcher's result. When robots.txt stays unavailable
  // for RobotsPolicy::max_wait_seconds, waiting requests end with the outcome of the failed
  // robots.txt fetch (kDns, kConnect, kTimeout, kReset, kTls, kHttp5xx ...), http_status 0,
  // robots_unavailable set and error "robots.txt: <outcome>: <cause>": the URL itself was not
  // contacted and is to be retried later; it is never kRobotsDenied.
  void Submit(FetchRequest req, FetchCallback done);

  // Where robots.txt records are loaded from (on an origin's first request) and saved to (after
  // each fetch). Optional; call before the first Submit().
  void SetRobotsStore(std::unique_ptr<RobotsCacheStore> store) { robots_store_ = std::move(store); }
  void SetRobotsPolicy(const RobotsPolicy& policy) { robots_policy_ = policy; }

  // Where the robots.txt gate's CPU and disk work runs: parsing a fetched robots.txt (up to
  // kRobotsMaxBytes), and loading and saving RobotsCacheStore records. `offload` must run
  // `work` on another thread, then `done` on the loop thread (the daemon's worker pool). Unset,
  // both run inline. Meanwhile the origin's requests wait as they do for a fetch.
  using Offload = std::function<void(std::function<void()> work, std::function<void()> done)>;
  void SetOffload(Offload offload) { offload_ = std::move(offload); }

  size_t QueuedFor(const std::string& site_id) const;
  size_t InFlight() const;
  // Bytes of response bodies received so far by running transfers.
  size_t BufferedBodyBytes() const;
  // The scheduler's view of the host; `queued` includes the requests waiting for its robots.txt.
  HostSnapshot HostState(const std::string& host) const;
  // The largest current delay between request starts over the site's hosts, in seconds
  // (configured delay, Crawl-delay, latency and rate-limit adaptation); 0 for an unknown site.
  double SiteDelaySeconds(const std::string& site_id) const;

  void SetSitemapCallback(SitemapCallback callback) { sitemap_callback_ = std::move(callback); }

  // Hands back every request not yet started (waiting for its host's delay, backoff, open
  // circuit or robots.txt): their callbacks see kCancelled with `reason`, from a timer, not
  // from this call. Transfers already running go on. Host state (delay, circuit) stays.
  void CancelWaiting(const std::string& reason);

  // Cancels everything (callbacks see kCancelled), closes the fetcher and our handles; `closed`
  // runs when the last handle is closed. The client must outlive that callback.
  void Shutdown(std::function<void()> closed);

 private:
  struct Site {
    Politeness politeness;
    TlsPolicy tls;
    std::vector<std::string> hosts;
  };
  struct Pending {
    FetchRequest request;  // As submitted; handed back in the result.
    FetchCallback done;
    std::string host;    // The host this hop contacts (its queue and politeness).
    std::string origin;  // Of `fetch_url`, or of the robots.txt it fetches.
    std::string path;
    std::string policy_site;  // Site whose TLS policy and robots setting apply ("" = defaults).
    std::string fetch_url;    // The URL this hop requests (request.url before any redirect).
    std::string robots_host;  // For a robots.txt fetch: the host the rules are for.
    std::vector<RedirectHop> chain;  // Cross-host hops before this one.
    double earlier_seconds = 0;      // Transfer time of the earlier hops.
    int rate_limit_retries = 0;
    bool robots = false;          // The robots.txt fetch of `origin`.
    bool robots_waiting = false;  // In robots_state_[origin].waiters (counted in robots_queued_).
    bool started = false;
    uint64_t enqueued_ms = 0;
  };
  using PendingNode = std::unordered_map<uint64_t, Pending>::node_type;
  // An origin whose robots.txt is being fetched or is unavailable.
  struct RobotsState {
    bool fetching = false;          // Fetched, or its answer being parsed (offloaded).
    bool loading = false;           // Its stored record is being read (offloaded).
    std::vector<uint64_t> waiters;  // Requests waiting for rules.
    std::string host;               // For the next fetch: the host and site it is fetched for.
    std::string site;
    uint64_t retry_at_ms = 0;    // Next fetch after a failure (loop time).
    double backoff_seconds = 0;  // Current retry interval; 0 = not failing.
    bool failing = false;        // In an outage (robots.txt 5xx or unreachable).
    // Start of the current outage (loop time; negative when it began before the loop's clock
    // started, such as an outage resumed from the store soon after boot).
    int64_t failing_since_ms = 0;
    Outcome failure = Outcome::kOk;  // Of the latest failed fetch.
    std::string failure_error;       // "robots.txt: dns: ...".
  };

  static void OnTimer(uv_timer_t* timer);
  static void OnDeferred(uv_timer_t* timer);
  static void OnRobotsTimer(uv_timer_t* timer);
  static void OnClosed(uv_handle_t* handle);

  const Site* FindSite(const std::string& site_id) const;
  bool RespectsRobots(const Pending& p) const;
  void EnsureHost(const std::string& host, const std::string& site_id);
  void Enqueue(uint64_t id, bool front = false);
  // http_client_robots.cpp: the robots.txt gate.
  struct RobotsFetched;  // A robots.txt answer on its way through parsing (offloaded).
  void AfterRobots(uint64_t id);
  void ParkForRobots(uint64_t id);
  void WaitForRobots(uint64_t id);
  void LoadStoredRobots(uint64_t id);
  void ResumeOutage(const std::string& origin, int64_t failing_since_unix);
  void StartRobotsFetch(const std::string& origin);
  void HandleRobotsResult(const Pending& p, FetchResult result);
  void RobotsDecided(const std::shared_ptr<const RobotsFetched>& fetched);
  void RobotsAvailable(const std::shared_ptr<const RobotsFetched>& fetched);
  void RobotsUnavailable(const RobotsFetched& f, bool keep_rules);
  void RunOff(std::function<void()> work, std::function<void()> done);
  void ReleaseWaiters(const std::string& origin);
  void FailWaiters(const std::string& origin, Outcome outcome, const std::string& error,
                   bool defer);
  void UnmarkWaiter(Pending& p);
  void SaveRobots(const std::string& origin, const std::string& site_id, std::string failure,
                  std::shared_ptr<const std::string> body, bool allow_all);
  void ArmRobotsTimer();
  void Pump();
  void CancelNotStarted(const std::string& reason, bool defer);
  void StartTicket(uint64_t id);
  void OnFetched(uint64_t id, FetchResult result);
  // http_client_redirect.cpp: rate-limit retries and cross-host redirects.
  bool RetryRateLimited(PendingNode& node, const FetchResult& result,
                        std::optional<double> retry_after);
  bool FollowCrossHost(PendingNode& node, FetchResult& result);
  void Requeue(PendingNode node);
  std::string SiteOfHost(const std::string& host) const;
  void Finish(Pending& p, FetchResult result);
  void Deliver(uint64_t id, Outcome outcome, std::string error, bool defer,
               bool robots_unavailable = false);
  void Defer(FetchResult result, FetchCallback done);
  void CountQueued(const std::string& site_id, int delta);
  double NowSeconds();
  void MaybeClosed();

  uv_loop_t* loop_;
  NetworkConfig net_;
  SchedulerOptions scheduler_options_;
  Politeness defaults_;
  std::string product_token_;
  PolitenessScheduler scheduler_;
  std::unique_ptr<Fetcher> fetcher_;
  RobotsCache robots_;
  RobotsPolicy robots_policy_;
  std::unordered_map<std::string, RobotsState> robots_state_;  // Origin -> fetch/outage state.
  std::unordered_map<std::string, size_t> robots_queued_;      // Host -> requests waiting.
  std::unordered_set<std::string> robots_loaded_;              // Origins looked up in the store.
  std::unique_ptr<RobotsCacheStore> robots_store_;
  Offload offload_;
  std::unordered_map<std::string, Site> sites_;
  std::unordered_map<std::string, std::string> host_site_;    // Host -> site it was configured by.
  std::unordered_map<std::string, std::string> site_hosts_;   // Host -> site listing it in hosts.
  std::unordered_map<std::string, std::string> resolved_ip_;  // From network.resolve.
  std::unordered_map<uint64_t, Pending> pending_;
  std::unordered_map<std::string, size_t> queued_per_site_;
  DeferredResults deferred_;
  SitemapCallback sitemap_callback_;
  uv_timer_t* timer_ = nullptr;
  uv_timer_t* deferred_timer_ = nullptr;
  uv_timer_t* robots_timer_ = nullptr;
  uint64_t next_id_ = 1;
  bool pumping_ = false;
  bool pump_again_ = false;
  bool shutting_down_ = false;
  bool fetcher_closed_ = false;
  int open_handles_ = 0;
  std::function<void()> on_closed_;
};

}  // namespace tincrawl

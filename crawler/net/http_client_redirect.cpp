// HttpClient: requests that end in an instruction rather than a page. A rate limit puts the
// request back on its host's queue; a redirect to another host sends the target through that
// host's queue, robots.txt and TLS policy, as if it had been submitted for that host.

#include <algorithm>
#include <utility>

#include "crawler/common/host.h"
#include "crawler/net/http_client.h"
#include "crawler/net/http_client_internal.h"

namespace tincrawl {

using http_client_internal::ParseUrl;
using http_client_internal::UrlParts;

std::string HttpClient::SiteOfHost(const std::string& host) const {
  auto it = site_hosts_.find(host);
  return it == site_hosts_.end() ? std::string() : it->second;
}

void HttpClient::Requeue(PendingNode node) {
  Pending& p = node.mapped();
  p.started = false;
  if (!p.robots) CountQueued(p.request.site_id, +1);
  pending_.insert(std::move(node));
}

// The scheduler has already blocked the host for the wait the server asked for (OnFinish), so
// queueing the request again sends it once that wait is over.
bool HttpClient::RetryRateLimited(PendingNode& node, const FetchResult& result,
                                  std::optional<double> retry_after) {
  Pending& p = node.mapped();
  if (shutting_down_ || !IsRateLimited(result.http_status, retry_after) ||
      p.rate_limit_retries >= scheduler_options_.rate_limit_retries) {
    return false;
  }
  ++p.rate_limit_retries;
  const uint64_t id = node.key();
  Requeue(std::move(node));
  Enqueue(id, /*front=*/true);  // It keeps its turn: the host's next request is this one again.
  return true;
}

namespace {

bool Visited(const std::vector<RedirectHop>& chain, const std::string& url) {
  return std::any_of(chain.begin(), chain.end(),
                     [&](const RedirectHop& hop) { return hop.url == url; });
}

}  // namespace

// The Fetcher stops at a hop to another host (FetchRequest::follow_cross_host is false); the
// target starts over here as a request of its own host. Returns false when `result` is to be
// delivered as it is (not such a hop, the chain too long or looping, or an unusable target).
bool HttpClient::FollowCrossHost(PendingNode& node, FetchResult& result) {
  Pending& p = node.mapped();
  if (shutting_down_ || result.outcome != Outcome::kRedirect || result.redirects.empty()) {
    return false;
  }
  const RedirectHop& hop = result.redirects.back();
  if (HostKey(hop.location) == HostKey(hop.url)) return false;  // The Fetcher's own verdict.
  const size_t hops = p.chain.size() + result.redirects.size();
  if (static_cast<int>(hops) > net_.max_redirects) return false;  // "too many redirects".
  UrlParts target;
  if (!ParseUrl(hop.location, &target)) {
    result.error = "unsupported redirect target " + hop.location;
    return false;
  }
  if (hop.location == p.request.url || Visited(p.chain, hop.location)) {
    result.error = "redirect loop at " + hop.location;
    return false;
  }
  p.chain.insert(p.chain.end(), result.redirects.begin(), result.redirects.end());
  p.earlier_seconds += result.timings.total;
  p.fetch_url = hop.location;
  p.host = target.host;
  if (!p.robots) {  // A robots.txt fetch keeps the origin whose rules it fetches.
    p.origin = target.origin;
    p.path = target.path;
  }
  p.policy_site = SiteOfHost(target.host);
  const bool robots = p.robots;
  const uint64_t id = node.key();
  EnsureHost(target.host, p.policy_site);
  Requeue(std::move(node));
  if (robots) {
    Enqueue(id);
  } else {
    AfterRobots(id);
  }
  return true;
}

}  // namespace tincrawl

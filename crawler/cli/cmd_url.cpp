// `tincrawl url`: what the crawler knows of one URL, and why it is (not) being fetched.
#include <cstdio>
#include <ctime>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "crawler/cli/commands.h"
#include "crawler/common/discovered_by.h"
#include "crawler/common/host.h"
#include "crawler/frontier/frontier.h"
#include "crawler/output/spool.h"
#include "crawler/store/store.h"
#include "crawler/url/url.h"
#include "crawler/url/url_classifier.h"

namespace tincrawl {

namespace {

const char* UrlStatusText(UrlStatus status) {
  switch (status) {
    case UrlStatus::kPending:
      return "pending (never fetched successfully)";
    case UrlStatus::kFetched:
      return "fetched";
    case UrlStatus::kFailed:
      return "failed (retried with backoff)";
    case UrlStatus::kGone:
      return "gone (404/410 confirmed; not fetched again)";
  }
  return "?";
}

std::string When(int64_t unix_seconds) {
  return unix_seconds > 0 ? UnixToRfc3339(unix_seconds) : std::string("never");
}

std::string SourcesOf(uint8_t mask) {
  std::string out;
  for (int i = 0; i < 8; ++i) {
    if ((mask & (1u << i)) == 0) continue;
    if (!out.empty()) out += ", ";
    out += DiscoveredByName(static_cast<DiscoveredBy>(i));
  }
  return out.empty() ? "-" : out;
}

void PrintState(const UrlState& st) {
  std::printf("  status      %s\n", UrlStatusText(st.status));
  if (!st.fetch_url.empty()) std::printf("  requested   %s\n", st.fetch_url.c_str());
  std::printf("  site        %s (depth %d, first found by %s)\n", st.site.c_str(), st.depth,
              DiscoveredByName(st.discovered_by));
  std::printf("  last fetch  %s, outcome %s, HTTP %d, %lld fetches, %d failures in a row\n",
              When(st.last_fetched).c_str(),
              st.last_outcome.empty() ? "-" : st.last_outcome.c_str(), st.http_status,
              static_cast<long long>(st.fetch_count), st.consecutive_failures);
  std::printf("  next visit  %s\n", When(st.next_visit).c_str());
}

void PrintSchedule(const UrlSchedule& sc) {
  std::printf("  kind        %s, priority %s%s\n", UrlKindName(sc.kind), PriorityName(sc.priority),
              sc.backfill ? ", archive backfill" : "");
  std::printf("  queue       %s, due %s\n", sc.queued ? "queued" : "not queued",
              When(sc.due_ms / 1000).c_str());
  std::printf("  found by    %s\n", SourcesOf(sc.seen_by).c_str());
  if (sc.model.interval_seconds > 0) {
    std::printf("  listing     revisit every %.0f s, %.2f new articles/hour\n",
                sc.model.interval_seconds, sc.model.Rate() * 3600.0);
  }
}

// Prints one URL's report; false when the crawler does not know it.
bool Describe(const std::string& url, const SiteRouter& router, const Config& config,
              const Store& store, const Frontier& frontier) {
  std::printf("%s\n", url.c_str());
  std::optional<std::string> key = UrlNormalizer().Normalize(url);
  const int site = key ? router.SiteForHost(HostOf(*key)) : -1;
  if (site >= 0) key = UrlNormalizer(config.sites[site].urls).Normalize(url);
  if (!key) {
    std::printf("  not a crawlable http(s) URL\n");
    return false;
  }
  if (*key != url) std::printf("  key         %s\n", key->c_str());
  if (site < 0) std::printf("  scope       no configured site owns this host (out of scope)\n");
  UrlState st;
  const Status got = store.GetUrlState(*key, &st);
  if (!got.ok()) {
    std::printf("  unknown     %s\n", got.code() == Status::Code::kNotFound
                                          ? "never discovered (not in the store)"
                                          : got.message().c_str());
    return false;
  }
  PrintState(st);
  UrlSchedule sc;
  bool found = false;
  if (frontier.GetSchedule(*key, &sc, &found).ok() && found) PrintSchedule(sc);
  return true;
}

}  // namespace

int CmdUrl(const CliOptions& opts) {
  Config config;
  if (!LoadOrReport(opts, &config)) return kExitUsage;
  std::unique_ptr<SiteRouter> router;
  if (Status s = SiteRouter::Create(config.sites, &router); !s.ok()) {
    std::fprintf(stderr, "tincrawl: %s\n", s.message().c_str());
    return kExitUsage;
  }
  std::unique_ptr<Store> store;
  if (Status s = OpenForReading(config, &store); !s.ok()) {
    std::fprintf(stderr, "tincrawl: %s\n", s.message().c_str());
    return kExitFailure;
  }
  const Frontier frontier(store->db(), store->cf(Cf::kUrls), store->cf(Cf::kFrontier),
                          config.sites);
  bool all_known = true;
  for (const auto& url : opts.inputs) {
    all_known = Describe(url, *router, config, *store, frontier) && all_known;
  }
  return all_known ? kExitOk : kExitFailure;
}

}  // namespace tincrawl

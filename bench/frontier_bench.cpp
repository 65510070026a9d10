// Frontier benchmark: 1,000,000 URLs over 1,000 hosts in a real Store (temporary directory).
// Reports the insert rate per million (marginal and cumulative, with RSS, RocksDB stall time and
// write amplification), the reopen time and the latency of PopReady (median / p99), then the
// Complete rate. Usage: frontier_bench [urls] [hosts]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "bench/scale_curve.h"
#include "crawler/frontier/frontier.h"
#include "crawler/store/store.h"

namespace {

using Clock = std::chrono::steady_clock;
constexpr int64_t kNow = 1'700'000'000'000;

using tincrawl::bench::ProcStatusKb;

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

std::vector<tincrawl::SiteConfig> MakeSites(int hosts) {
  std::vector<tincrawl::SiteConfig> sites;
  for (int h = 0; h < hosts; ++h) {
    tincrawl::SiteConfig s;
    s.id = "site" + std::to_string(h);
    s.hosts = {"host" + std::to_string(h) + ".gov.vn"};
    s.recrawl.pages_per_day = 1 << 30;
    sites.push_back(std::move(s));
  }
  return sites;
}

bool Check(const tincrawl::Status& s, const char* what) {
  if (!s.ok()) std::fprintf(stderr, "%s: %s\n", what, s.ToString().c_str());
  return s.ok();
}

}  // namespace

int main(int argc, char** argv) {
  using namespace tincrawl;
  const int urls = argc > 1 ? std::atoi(argv[1]) : 1'000'000;
  const int hosts = argc > 2 ? std::atoi(argv[2]) : 1000;
  const auto dir = std::filesystem::temp_directory_path() / "tincrawl_frontier_bench";
  std::filesystem::remove_all(dir);
  const std::vector<SiteConfig> sites = MakeSites(hosts);
  StoreConfig config;
  std::unique_ptr<Store> store;
  if (!Check(Store::Open(dir.string(), config, &store), "open")) return 1;
  auto frontier = std::make_unique<Frontier>(store->db(), store->cf(Cf::kUrls),
                                             store->cf(Cf::kFrontier), sites);
  if (!Check(frontier->Open(), "frontier open")) return 1;
  std::printf("baseline RSS: %ld kB\n", ProcStatusKb("VmRSS:"));

  std::mt19937_64 rng(7);
  const auto start = Clock::now();
  bench::ScaleCurve curve(store.get(), "URLs", 1'000'000);
  bench::HeapTrimmer trimmer;
  constexpr int kPerPage = 50;  // Links a listing page typically yields, one batch per page.
  for (int i = 0; i < urls; i += kPerPage) {
    rocksdb::WriteBatch wb;
    FrontierBatch batch(&wb);
    for (int j = i; j < std::min(urls, i + kPerPage); ++j) {
      const int host = static_cast<int>(rng() % hosts);
      const std::string url = "https://host" + std::to_string(host) +
                              ".gov.vn/Trang/ChiTietTinTuc.aspx?nid=" + std::to_string(j);
      AddRequest r;
      r.url = url;
      r.kind = j % 20 == 0 ? UrlKind::kListing : UrlKind::kArticle;
      r.discovered_by = DiscoveredBy::kListing;
      r.depth = 1;
      r.due_ms = kNow - static_cast<int64_t>(rng() % 86'400'000);
      AddResult result;
      if (!Check(frontier->Add(host, r, &batch, &result), "add")) return 1;
    }
    if (!Check(frontier->Commit(&batch), "commit")) return 1;
    curve.Progress(std::min(urls, i + kPerPage), Seconds(start));
    trimmer.Maybe();
  }
  const double load_s = Seconds(start);
  std::printf("inserted %d URLs over %d hosts in %.2f s: %.0f URLs/s\n", urls, hosts, load_s,
              urls / load_s);
  std::printf("RSS after load: %ld kB (peak %ld kB)\n", ProcStatusKb("VmRSS:"),
              ProcStatusKb("VmHWM:"));
  bench::PrintIo(*store, "store after load:");

  const auto reopen = Clock::now();
  frontier = std::make_unique<Frontier>(store->db(), store->cf(Cf::kUrls), store->cf(Cf::kFrontier),
                                        sites);
  if (!Check(frontier->Open(), "frontier reopen")) return 1;
  std::printf("frontier Open (heads of %zu hosts): %.3f s\n", frontier->host_count(),
              Seconds(reopen));

  const int pops = std::min(urls, 200'000);
  std::vector<double> ns;
  std::vector<Lease> leases;
  ns.reserve(pops);
  leases.reserve(pops);
  for (int i = 0; i < pops; ++i) {
    const auto t0 = Clock::now();
    std::optional<Lease> lease = frontier->PopReady(kNow);
    ns.push_back(std::chrono::duration<double, std::nano>(Clock::now() - t0).count());
    if (!lease) {
      std::fprintf(stderr, "frontier ran dry after %d pops\n", i);
      return 1;
    }
    leases.push_back(std::move(*lease));
  }
  std::sort(ns.begin(), ns.end());
  std::printf("PopReady over %d calls: median %.2f us, p99 %.2f us, max %.2f us\n", pops,
              ns[ns.size() / 2] / 1000, ns[ns.size() * 99 / 100] / 1000, ns.back() / 1000);

  const auto complete = Clock::now();
  for (const Lease& lease : leases) {
    rocksdb::WriteBatch wb;
    FrontierBatch batch(&wb);
    FetchReport report;
    report.outcome = Outcome::kOk;
    report.http_status = 200;
    report.now_ms = kNow;
    int64_t next = 0;
    if (!Check(frontier->Complete(lease, report, &batch, &next), "complete")) return 1;
    if (!Check(frontier->Commit(&batch), "complete commit")) return 1;
  }
  std::printf("Complete+Commit: %.0f per s\n", pops / Seconds(complete));
  std::printf("RSS at end: %ld kB (peak %ld kB)\n", ProcStatusKb("VmRSS:"), ProcStatusKb("VmHWM:"));
  bench::PrintIo(*store, "store at end:");
  frontier.reset();
  store.reset();
  std::filesystem::remove_all(dir);
  return 0;
}

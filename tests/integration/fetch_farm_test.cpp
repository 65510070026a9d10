// HttpClient against the simulated portal farm (tests/farm): politeness and robots.txt as the
// farm's access log records them, and every fault mode of the farm ending in its outcome while a
// healthy host keeps being served. The farm runs as a python3 subprocess on 127.0.0.1 port 0.

#include <curl/curl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <uv.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "crawler/net/http_client.h"
#include "support/run_loop.h"

namespace tincrawl {
namespace {

namespace fs = std::filesystem;

// One line of the farm's access log (/__farm/log).
struct LogEntry {
  double t = 0;
  double t_end = 0;
  std::string host;
  std::string path;
  int status = 0;
  int conc = 0;
};

// Value of `key` in a flat JSON object line: a number or a string (only \" and \\ unescaped,
// enough for the farm's ASCII paths).
std::string JsonField(const std::string& line, const std::string& key) {
  const std::string needle = "\"" + key + "\": ";
  size_t pos = line.find(needle);
  if (pos == std::string::npos) return {};
  pos += needle.size();
  if (line[pos] != '"') return line.substr(pos, line.find_first_of(",}", pos) - pos);
  std::string out;
  for (size_t i = pos + 1; i < line.size() && line[i] != '"'; ++i) {
    if (line[i] == '\\' && i + 1 < line.size()) ++i;
    out += line[i];
  }
  return out;
}

size_t AppendBody(char* data, size_t size, size_t nmemb, void* userp) {
  static_cast<std::string*>(userp)->append(data, size * nmemb);
  return size * nmemb;
}

// Blocking GET for the farm's control endpoints (outside the loop under test).
std::string ControlGet(int port, const std::string& target) {
  std::unique_ptr<CURL, CurlEasyDeleter> easy(curl_easy_init());
  std::string body;
  const std::string url = "http://127.0.0.1:" + std::to_string(port) + target;
  curl_easy_setopt(easy.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(easy.get(), CURLOPT_WRITEFUNCTION, &AppendBody);
  curl_easy_setopt(easy.get(), CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(easy.get(), CURLOPT_TIMEOUT_MS, 10000L);
  const CURLcode code = curl_easy_perform(easy.get());
  EXPECT_EQ(code, CURLE_OK) << url << ": " << curl_easy_strerror(code);
  return body;
}

std::string Escape(const std::string& s) {
  char* escaped = curl_easy_escape(nullptr, s.c_str(), static_cast<int>(s.size()));
  std::string out = escaped != nullptr ? escaped : "";
  curl_free(escaped);
  return out;
}

// Targets of `kind` (article, listing, ...) of `host` from the farm's routes, in a stable order.
std::vector<std::string> Targets(const fs::path& farm, const std::string& host,
                                 const std::string& kind) {
  std::ifstream in(farm / "www" / host / ".routes.json");
  std::stringstream buf;
  buf << in.rdbuf();
  const std::string text = buf.str();
  std::vector<std::string> targets;
  // Entries look like "TARGET": {"file": ..., "kind": "article", ...}.
  const std::string needle = "\"kind\": \"" + kind + "\"";
  for (size_t pos = text.find(needle); pos != std::string::npos; pos = text.find(needle, pos + 1)) {
    const size_t open = text.rfind("\": {", pos);
    const size_t start = text.rfind('"', open - 1);
    if (open == std::string::npos || start == std::string::npos) continue;
    targets.push_back(text.substr(start + 1, open - start - 1));
  }
  std::sort(targets.begin(), targets.end());
  targets.erase(std::unique(targets.begin(), targets.end()), targets.end());
  return targets;
}

std::vector<std::string> ArticleTargets(const fs::path& farm, const std::string& host) {
  return Targets(farm, host, "article");
}

// True when the host's robots.txt neither disallows anything nor sets a Crawl-delay.
bool UnrestrictedRobots(const fs::path& farm, const std::string& host) {
  std::ifstream in(farm / "www" / host / "robots.txt.txt");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("Crawl-delay", 0) == 0 || line.rfind("Disallow: /", 0) == 0) return false;
  }
  return true;
}

class FetchFarmTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    farm_dir_ = new fs::path(fs::temp_directory_path() /
                             ("tincrawl-fetch-farm-" + std::to_string(getpid())));
    const std::string cmd = "python3 " TINCRAWL_SOURCE_DIR "/tests/farm/farm.py generate --out " +
                            farm_dir_->string() + " --sites 30 --articles 4 > /dev/null";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
    hosts_ = new std::vector<std::string>;
    for (const auto& entry : fs::directory_iterator(*farm_dir_ / "www")) {
      hosts_->push_back(entry.path().filename().string());
    }
    std::sort(hosts_->begin(), hosts_->end());
  }

  static void TearDownTestSuite() {
    std::error_code ec;
    fs::remove_all(*farm_dir_, ec);
    delete farm_dir_;
    delete hosts_;
  }

  void SetUp() override {
    ASSERT_EQ(uv_loop_init(&loop_), 0);
    StartFarm();
    ASSERT_GT(port_, 0);
    net_.allow_private_networks = {"127.0.0.0/8"};
    for (const std::string& host : *hosts_) {
      net_.resolve.push_back(host + ":" + std::to_string(port_) + ":127.0.0.1");
    }
    net_.connect_timeout_seconds = 2;
    net_.timeout_seconds = 8;
    net_.low_speed_limit_bytes = 1000;
    net_.low_speed_time_seconds = 2;
    net_.max_body_bytes = 1 << 20;
    sched_.jitter = 0;
    sched_.latency_factor = 0;  // Pacing by min_delay only, so the log checks are exact.
  }

  void TearDown() override {
    if (client_) {
      bool closed = false;
      client_->Shutdown([&] { closed = true; });
      RunUntil([&] { return closed; }, 10);
      EXPECT_TRUE(closed);
      client_.reset();
    }
    EXPECT_EQ(uv_loop_close(&loop_), 0);
    if (farm_pid_ > 0) {
      kill(farm_pid_, SIGTERM);
      int status = 0;
      for (int i = 0; i < 50 && waitpid(farm_pid_, &status, WNOHANG) == 0; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
      if (waitpid(farm_pid_, &status, WNOHANG) == 0) {
        kill(farm_pid_, SIGKILL);
        waitpid(farm_pid_, &status, 0);
      }
    }
  }

  // Starts `farm.py serve`; the child dies with us (PDEATHSIG) and after 120 s at the latest
  // (an alarm survives exec and python3 keeps SIGALRM's default action).
  void StartFarm() {
    const std::string port_file = farm_dir_->string() + ".port";
    fs::remove(port_file);
    farm_pid_ = fork();
    ASSERT_GE(farm_pid_, 0);
    if (farm_pid_ == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      alarm(120);
      execlp("python3", "python3", TINCRAWL_SOURCE_DIR "/tests/farm/farm.py", "serve", "--dir",
             farm_dir_->c_str(), "--port", "0", "--port-file", port_file.c_str(),
             static_cast<char*>(nullptr));
      _exit(127);
    }
    for (int i = 0; i < 200 && port_ == 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      std::ifstream in(port_file);
      int port = 0;
      if (in >> port) port_ = port;
    }
  }

  std::string Url(const std::string& host, const std::string& target) const {
    return "http://" + host + ":" + std::to_string(port_) + target;
  }

  void Fault(const std::string& host, const std::string& mode, const std::string& path,
             const std::string& count, const std::string& arg = "") {
    std::string target = "/__farm/fault?host=" + host + "&mode=" + mode + "&path=" + Escape(path);
    if (!count.empty()) target += "&count=" + count;
    if (!arg.empty()) target += "&arg=" + Escape(arg);
    ASSERT_NE(ControlGet(port_, target).find("\"ok\": true"), std::string::npos) << target;
  }

  std::vector<LogEntry> FarmLog() const {
    std::istringstream lines(ControlGet(port_, "/__farm/log"));
    std::vector<LogEntry> log;
    for (std::string line; std::getline(lines, line);) {
      if (line.empty()) continue;
      LogEntry e;
      e.t = std::atof(JsonField(line, "t").c_str());
      e.t_end = std::atof(JsonField(line, "t_end").c_str());
      e.host = JsonField(line, "host");
      e.path = JsonField(line, "path");
      e.status = std::atoi(JsonField(line, "status").c_str());
      e.conc = std::atoi(JsonField(line, "conc").c_str());
      log.push_back(e);
    }
    std::sort(log.begin(), log.end(),
              [](const LogEntry& a, const LogEntry& b) { return a.t < b.t; });
    return log;
  }

  SiteConfig Site(const std::string& host, int per_host, double delay) const {
    SiteConfig site;
    site.id = host;
    site.hosts = {host};
    site.politeness.max_connections_per_host = per_host;
    site.politeness.max_connections_per_ip = 64;  // Every farm host shares 127.0.0.1.
    site.politeness.min_delay_seconds = delay;
    site.politeness.crawl_delay_cap_seconds = 5;
    return site;
  }

  HttpClient& client() {
    if (!client_) {
      client_ = std::make_unique<HttpClient>(&loop_, net_, Politeness{}, sched_);
      EXPECT_TRUE(client_->Init().ok());
    }
    return *client_;
  }

  bool RunUntil(const std::function<bool()>& done, double seconds) {
    return test_support::RunLoopUntil(&loop_, done, seconds);
  }

  // Submits `url` for `site`; the result lands in results_[url] with its completion time.
  void Submit(const std::string& site, const std::string& url) {
    FetchRequest req;
    req.url = url;
    req.site_id = site;
    ++submitted_;
    client().Submit(req, [this, url](FetchResult r) {
      done_at_[url] = uv_hrtime() / 1e9;
      results_[url] = std::move(r);
    });
  }

  bool RunAll(double seconds) {
    return RunUntil([&] { return results_.size() == submitted_; }, seconds);
  }

  static fs::path* farm_dir_;
  static std::vector<std::string>* hosts_;
  uv_loop_t loop_{};
  pid_t farm_pid_ = -1;
  int port_ = 0;
  NetworkConfig net_;
  SchedulerOptions sched_;
  std::unique_ptr<HttpClient> client_;
  std::map<std::string, FetchResult> results_;
  std::map<std::string, double> done_at_;
  size_t submitted_ = 0;
};

fs::path* FetchFarmTest::farm_dir_ = nullptr;
std::vector<std::string>* FetchFarmTest::hosts_ = nullptr;

struct PoliteHost {
  std::string host;
  int per_host;
  double delay;    // Configured min_delay.
  double min_gap;  // Expected gap: min_delay, or robots Crawl-delay where larger.
  std::vector<std::string> disallowed;  // Targets robots.txt forbids.
};

TEST_F(FetchFarmTest, PolitenessAndRobotsHoldInTheFarmLog) {
  const std::vector<PoliteHost> hosts = {
      {"uongbi.quangninh-sim.gov.vn", 2, 0.1, 0.1, {"/admin/users.aspx", "/tim-kiem?q=ubnd"}},
      {"quangninh-sim.gov.vn", 1, 0.3, 0.3, {"/_layouts/login.aspx", "/admin/"}},
      {"badinh.hanoi-sim.gov.vn",
       3,
       0.1,
       0.1,
       {"/vi-vn/van-hoa-xa-hoi", "/vi-vn/van-hoa-xa-hoi?page=2"}},
      // robots.txt says Crawl-delay: 1, above the configured 0.1 s.
      {"quangloi.quangxuong.thanhhoa-sim.gov.vn", 2, 0.1, 1.0, {"/admin/x"}},
  };
  // Every answer takes 0.3 s, so the per-host connection limits are actually reached.
  for (const PoliteHost& h : hosts) {
    ASSERT_TRUE(client().ConfigureSite(Site(h.host, h.per_host, h.delay)).ok());
    ASSERT_NO_FATAL_FAILURE(Fault(h.host, "slow", "", "", "0.3"));
    std::vector<std::string> targets = ArticleTargets(*farm_dir_, h.host);
    ASSERT_GE(targets.size(), 3u) << h.host;
    targets.resize(std::min<size_t>(targets.size(), h.min_gap >= 1 ? 3 : 8));
    for (const std::string& t : targets) Submit(h.host, Url(h.host, t));
    for (const std::string& t : h.disallowed) Submit(h.host, Url(h.host, t));
  }
  ASSERT_TRUE(RunAll(30)) << results_.size() << " of " << submitted_;

  for (const PoliteHost& h : hosts) {
    for (const std::string& t : h.disallowed) {
      EXPECT_EQ(results_[Url(h.host, t)].outcome, Outcome::kRobotsDenied) << h.host << t;
    }
  }
  for (const auto& [url, r] : results_) {
    if (r.outcome == Outcome::kRobotsDenied) continue;
    EXPECT_EQ(r.outcome, Outcome::kOk) << url << " " << r.error;
  }
  const std::vector<LogEntry> log = FarmLog();
  for (const PoliteHost& h : hosts) {
    int max_conc = 0;
    int robots = 0;
    double prev = -1;
    double min_gap = 1e9;
    for (const LogEntry& e : log) {
      if (e.host != h.host) continue;
      for (const std::string& t : h.disallowed) {
        EXPECT_NE(e.path.rfind(t.substr(0, t.find('?')), 0), 0u) << "robots ignored: " << e.path;
      }
      max_conc = std::max(max_conc, e.conc);
      if (e.path == "/robots.txt") {
        ++robots;
        continue;
      }
      if (prev >= 0) min_gap = std::min(min_gap, e.t - prev);
      prev = e.t;
    }
    EXPECT_EQ(robots, 1) << h.host;
    EXPECT_LE(max_conc, h.per_host) << h.host;
    if (h.per_host > 1 && h.min_gap < 1) {
      EXPECT_EQ(max_conc, h.per_host) << h.host;
    }
    // The farm stamps `t` after reading the request: allow 30 ms of server-side jitter.
    EXPECT_GE(min_gap, h.min_gap - 0.03) << h.host;
  }
}

struct FaultCase {
  std::string mode;
  std::string arg;
  std::string count;              // "" = until cleared.
  std::vector<Outcome> outcomes;  // Any of these.
};

TEST_F(FetchFarmTest, EveryFaultModeEndsInItsOutcomeWhileAnotherHostIsServed) {
  const std::vector<FaultCase> cases = {
      // Persistent: curl retries a request once when a reused connection answers nothing.
      {"refuse", "", "", {Outcome::kConnect}},
      {"reset", "", "1", {Outcome::kReset}},
      {"drip", "100", "1", {Outcome::kTimeout}},
      {"stall", "30", "1", {Outcome::kTimeout}},
      {"5xx", "503", "1", {Outcome::kHttp5xx}},
      {"redirect_chain", "3", "1", {Outcome::kOk}},
      {"redirect_loop", "", "", {Outcome::kRedirect}},
      {"oversize", "2", "1", {Outcome::kTooLarge}},
      {"gzip_bomb", "", "1", {Outcome::kTooLarge}},
      {"bad_chunked", "", "1", {Outcome::kError, Outcome::kReset}},
      {"wrong_length", "", "1", {Outcome::kError, Outcome::kReset}},
      {"binary", "", "1", {Outcome::kOk}},
  };
  // Sites after the first 12 are procedural; the healthy host and the 429 hosts come first.
  ASSERT_GE(hosts_->size(), cases.size() + 3);
  std::vector<std::string> free_hosts;
  for (const std::string& h : *hosts_) {
    if (ArticleTargets(*farm_dir_, h).size() >= 2 && UnrestrictedRobots(*farm_dir_, h)) {
      free_hosts.push_back(h);
    }
  }
  ASSERT_GE(free_hosts.size(), cases.size() + 3);
  const std::string healthy = free_hosts[0];
  const std::string retry_secs = free_hosts[1];
  const std::string retry_date = free_hosts[2];

  // The gzip bomb is built on its first use (about 2 s): build it before the clock matters.
  {
    std::unique_ptr<CURL, CurlEasyDeleter> easy(curl_easy_init());
    const std::string resolve = net_.resolve.front();
    std::unique_ptr<curl_slist, CurlSlistDeleter> list(curl_slist_append(nullptr, resolve.c_str()));
    std::string sink;
    curl_easy_setopt(easy.get(), CURLOPT_URL, Url(hosts_->front(), "/__warm").c_str());
    curl_easy_setopt(easy.get(), CURLOPT_RESOLVE, list.get());
    curl_easy_setopt(easy.get(), CURLOPT_WRITEFUNCTION, &AppendBody);
    curl_easy_setopt(easy.get(), CURLOPT_WRITEDATA, &sink);
    curl_easy_setopt(easy.get(), CURLOPT_TIMEOUT_MS, 30000L);
    ASSERT_NO_FATAL_FAILURE(Fault(hosts_->front(), "gzip_bomb", "/__warm", "1"));
    EXPECT_EQ(curl_easy_perform(easy.get()), CURLE_OK);
    EXPECT_GT(sink.size(), 500'000u);  // The raw gzip, about 1 MB.
    (void)ControlGet(port_, "/__farm/clear");
  }

  std::map<std::string, std::string> fault_url;  // mode -> URL
  for (size_t i = 0; i < cases.size(); ++i) {
    const std::string& host = free_hosts[3 + i];
    ASSERT_TRUE(client().ConfigureSite(Site(host, 1, 0)).ok());
    const std::string target = ArticleTargets(*farm_dir_, host).front();
    ASSERT_NO_FATAL_FAILURE(Fault(host, cases[i].mode, target, cases[i].count, cases[i].arg));
    fault_url[cases[i].mode] = Url(host, target);
    Submit(host, fault_url[cases[i].mode]);
  }
  // 429: the follow-up request to the same host waits out Retry-After (seconds / HTTP-date).
  std::map<std::string, std::vector<std::string>> retry_targets;
  for (const auto& [host, arg] : {std::pair{retry_secs, "2"}, std::pair{retry_date, "date:3"}}) {
    ASSERT_TRUE(client().ConfigureSite(Site(host, 1, 0)).ok());
    retry_targets[host] = ArticleTargets(*farm_dir_, host);
    ASSERT_NO_FATAL_FAILURE(Fault(host, "429", retry_targets[host][0], "1", arg));
    Submit(host, Url(host, retry_targets[host][0]));
    Submit(host, Url(host, retry_targets[host][1]));
  }
  // The healthy host: a request every 0.2 s while the faults play out.
  ASSERT_TRUE(client().ConfigureSite(Site(healthy, 1, 0.2)).ok());
  std::vector<std::string> healthy_urls;
  for (const char* kind : {"article", "listing", "home"}) {
    for (const std::string& t : Targets(*farm_dir_, healthy, kind)) {
      if (healthy_urls.size() < 8) healthy_urls.push_back(Url(healthy, t));
    }
  }
  ASSERT_GE(healthy_urls.size(), 4u);
  for (const std::string& url : healthy_urls) Submit(healthy, url);
  const double t0 = uv_hrtime() / 1e9;
  ASSERT_TRUE(RunAll(40)) << results_.size() << " of " << submitted_;

  for (const FaultCase& c : cases) {
    const FetchResult& r = results_[fault_url[c.mode]];
    EXPECT_NE(std::find(c.outcomes.begin(), c.outcomes.end(), r.outcome), c.outcomes.end())
        << c.mode << " ended in " << OutcomeName(r.outcome) << ": " << r.error;
    if (r.outcome != Outcome::kOk) {
      EXPECT_FALSE(r.error.empty()) << c.mode;
    }
  }
  const FetchResult& chain = results_[fault_url["redirect_chain"]];
  ASSERT_EQ(chain.redirects.size(), 3u);
  for (const RedirectHop& hop : chain.redirects) EXPECT_EQ(hop.status, 302);
  EXPECT_NE(chain.redirects.back().location.find("__farm_hop=3-3"), std::string::npos);
  EXPECT_EQ(chain.final_url, chain.redirects.back().location);
  EXPECT_FALSE(chain.body.empty());
  EXPECT_GE(results_[fault_url["redirect_loop"]].redirects.size(), 2u);
  const FetchResult& binary = results_[fault_url["binary"]];
  EXPECT_EQ(binary.body.size(), 65536u);
  EXPECT_EQ(binary.content_type, "text/html; charset=utf-8");
  EXPECT_GE(results_[fault_url["stall"]].timings.total, net_.low_speed_time_seconds - 0.1);
  EXPECT_GE(results_[fault_url["drip"]].timings.total, net_.low_speed_time_seconds - 0.1);

  const std::vector<LogEntry> log = FarmLog();
  for (const auto& [host, min_wait] : {std::pair{retry_secs, 2.0}, std::pair{retry_date, 1.9}}) {
    // The 429 is an instruction: HttpClient sends the same URL again once the wait is over.
    const std::string& limited = retry_targets[host][0];
    const FetchResult& first = results_[Url(host, limited)];
    EXPECT_EQ(first.outcome, Outcome::kOk) << first.error;
    EXPECT_EQ(first.http_status, 200);
    EXPECT_EQ(results_[Url(host, retry_targets[host][1])].outcome, Outcome::kOk);
    double answered = 0;
    double next = 0;
    std::string next_path;
    for (const LogEntry& e : log) {
      if (e.host != host) continue;
      if (e.status == 429) {
        answered = e.t_end;
      } else if (answered > 0 && next_path.empty()) {
        next = e.t;
        next_path = e.path;
      }
    }
    ASSERT_GT(answered, 0) << host;
    EXPECT_EQ(next_path, limited) << host;  // The retry keeps its turn on the host's queue.
    EXPECT_GE(next - answered, min_wait - 0.05) << host;
  }

  // The healthy host was served throughout: every fetch ok and fast, most of them done while
  // the slowest faults (stall, drip) were still hanging, and paced as configured.
  const double faults_done = std::min(done_at_[fault_url["stall"]], done_at_[fault_url["drip"]]);
  size_t during_faults = 0;
  double healthy_done = 0;
  for (const std::string& url : healthy_urls) {
    const FetchResult& r = results_[url];
    EXPECT_EQ(r.outcome, Outcome::kOk) << url << " " << r.error;
    EXPECT_LT(r.timings.total, 1.0) << url;
    if (done_at_[url] < faults_done) ++during_faults;
    healthy_done = std::max(healthy_done, done_at_[url]);
  }
  EXPECT_GE(during_faults, 4u);
  EXPECT_LT(healthy_done - t0, 0.2 * static_cast<double>(healthy_urls.size()) + 1.5);
}

}  // namespace
}  // namespace tincrawl

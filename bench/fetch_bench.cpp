// Fetch engine benchmarks (figures, not a timed test):
//   1. throughput: the Fetcher against nginx (20,000 small pages over 200 hostnames, politeness
//      off) versus wrk with the same connection count against the same server in the same run;
//   2. slow hosts: 2,000 hostnames answering after 1 s, one connection each: transfers in flight,
//      loop lag p99 and memory per in-flight transfer.
// Usage: fetch_bench [throughput|slow|all] [connections] [pages per host (100)]. Each part is
// bounded (< 1 minute). FETCH_BENCH_NO_WRK=1 skips wrk (for runs under callgrind).

#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <uv.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "crawler/daemon/loop_lag.h"
#include "crawler/net/fetcher.h"

namespace fs = std::filesystem;
using tincrawl::Fetcher;
using tincrawl::FetchRequest;
using tincrawl::FetchResult;
using tincrawl::NetworkConfig;
using tincrawl::Outcome;

namespace {

double Now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

void RaiseNofile() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0) {
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
  }
}

long RssKiB() {
  std::ifstream in("/proc/self/statm");
  long pages = 0;
  long resident = 0;
  in >> pages >> resident;
  return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

int FreePort() {
  uv_loop_t loop;
  uv_loop_init(&loop);
  uv_tcp_t tcp;
  uv_tcp_init(&loop, &tcp);
  sockaddr_in addr{};
  uv_ip4_addr("127.0.0.1", 0, &addr);
  uv_tcp_bind(&tcp, reinterpret_cast<const sockaddr*>(&addr), 0);
  sockaddr_storage bound{};
  int len = sizeof(bound);
  uv_tcp_getsockname(&tcp, reinterpret_cast<sockaddr*>(&bound), &len);
  const int port = ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  uv_close(reinterpret_cast<uv_handle_t*>(&tcp), nullptr);
  uv_run(&loop, UV_RUN_DEFAULT);
  uv_loop_close(&loop);
  return port;
}

void ShutdownFetcher(uv_loop_t* loop, Fetcher* fetcher) {
  bool closed = false;
  fetcher->Shutdown([&] { closed = true; });
  while (!closed) uv_run(loop, UV_RUN_ONCE);
}

// Keeps `window` transfers in flight over `urls`; returns pages/s of successful fetches.
double DriveFetcher(const std::vector<std::string>& urls, int window, const NetworkConfig& net,
                    int* ok_out) {
  uv_loop_t loop;
  uv_loop_init(&loop);
  Fetcher fetcher(&loop, net);
  if (!fetcher.Init().ok()) return 0;
  size_t next = 0;
  int ok = 0;
  size_t done = 0;
  std::function<void()> start_one = [&] {
    if (next >= urls.size()) return;
    FetchRequest req;
    req.url = urls[next++];
    fetcher.Start(req, nullptr, [&](FetchResult r) {
      ++done;
      if (r.outcome == Outcome::kOk) ++ok;
      start_one();
    });
  };
  const double t0 = Now();
  for (int i = 0; i < window; ++i) start_one();
  while (done < urls.size()) uv_run(&loop, UV_RUN_ONCE);
  const double took = Now() - t0;
  ShutdownFetcher(&loop, &fetcher);
  uv_loop_close(&loop);
  *ok_out = ok;
  return ok / took;
}

// Requests/s of wrk against one of the hosts; 0 when wrk is missing.
double RunWrk(int threads, int connections, int port) {
  const std::string wrk = "wrk -t" + std::to_string(threads) + " -c" + std::to_string(connections) +
                          " -d5s -H 'Host: h0.test' http://127.0.0.1:" + std::to_string(port) +
                          "/p0.html 2>&1";
  double rate = 0;
  if (FILE* pipe = popen(wrk.c_str(), "r")) {
    char line[512];
    while (fgets(line, sizeof(line), pipe)) {
      if (std::sscanf(line, "Requests/sec: %lf", &rate) == 1) break;
    }
    pclose(pipe);
  }
  return rate;
}

void Throughput(int connections, int pages_per_host) {
  const fs::path dir = fs::temp_directory_path() / ("tincrawl-bench-" + std::to_string(getpid()));
  constexpr int kHosts = 200;
  const int kPages = pages_per_host;
  const std::string page(1024, 'x');
  for (int h = 0; h < kHosts; ++h) {
    const fs::path host_dir = dir / "html" / ("h" + std::to_string(h) + ".test");
    fs::create_directories(host_dir);
    for (int p = 0; p < kPages; ++p) {
      std::ofstream(host_dir / ("p" + std::to_string(p) + ".html"))
          << "<html>" << page << "</html>";
    }
  }
  fs::permissions(dir, fs::perms::all, fs::perm_options::add);
  const int port = FreePort();
  const std::string d = dir.string();
  std::ofstream(dir / "nginx.conf")
      << "worker_processes 1;\npid " << d << "/nginx.pid;\nerror_log " << d << "/error.log;\n"
      << "events { worker_connections 4096; }\n"
      << "http { access_log off; keepalive_requests 1000000; client_body_temp_path " << d
      << "/b; proxy_temp_path " << d << "/p; fastcgi_temp_path " << d << "/f; uwsgi_temp_path " << d
      << "/u; scgi_temp_path " << d << "/s;\n"
      << "  server { listen 127.0.0.1:" << port << "; root " << d << "/html/$host; }\n}\n";
  const pid_t nginx = fork();
  if (nginx == 0) {
    execl("/usr/sbin/nginx", "nginx", "-p", d.c_str(), "-c", (d + "/nginx.conf").c_str(), "-g",
          "daemon off;", static_cast<char*>(nullptr));
    _exit(127);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  NetworkConfig net;
  net.allow_private_networks = {"127.0.0.0/8"};
  net.max_connections = 256;  // In flight stays at `connections`; the cache keeps one per host.
  std::vector<std::string> urls;
  for (int h = 0; h < kHosts; ++h) {
    const std::string host = "h" + std::to_string(h) + ".test";
    net.resolve.push_back(host + ":" + std::to_string(port) + ":127.0.0.1");
  }
  for (int p = 0; p < kPages; ++p) {
    for (int h = 0; h < kHosts; ++h) {
      urls.push_back("http://h" + std::to_string(h) + ".test:" + std::to_string(port) + "/p" +
                     std::to_string(p) + ".html");
    }
  }
  int ok = 0;
  const double fetcher_rate = DriveFetcher(urls, connections, net, &ok);
  std::printf("throughput: fetcher %d/%zu pages ok, %.0f pages/s (%d connections, 200 hosts)\n", ok,
              urls.size(), fetcher_rate, connections);
  if (std::getenv("FETCH_BENCH_NO_WRK") != nullptr) {
    kill(nginx, SIGTERM);
    waitpid(nginx, nullptr, 0);
    fs::remove_all(dir);
    return;
  }
  // wrk with one thread is the like-for-like reference (the Fetcher runs on one loop thread);
  // two threads show what the machine's second core adds.
  for (int threads : {1, 2}) {
    const double wrk_rate = RunWrk(threads, connections, port);
    if (wrk_rate > 0) {
      std::printf("throughput: wrk -t%d -c%d %.0f req/s; fetcher = %.0f%% of wrk\n", threads,
                  connections, wrk_rate, 100.0 * fetcher_rate / wrk_rate);
    } else {
      std::printf("throughput: wrk not available\n");
    }
  }
  kill(nginx, SIGTERM);
  waitpid(nginx, nullptr, 0);
  fs::remove_all(dir);
}

// --- The slow server (child process): answers every request after 1 s, keeps connections. ---
struct SlowConn {
  uv_tcp_t tcp;
  uv_timer_t timer;
  std::string buffer;
  int closing = 0;
};

void SlowConnClosed(uv_handle_t* handle) {
  auto* c = static_cast<SlowConn*>(handle->data);
  if (++c->closing == 2) delete c;
}

void SlowRespond(uv_timer_t* timer) {
  auto* c = static_cast<SlowConn*>(timer->data);
  static const char kResp[] = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";
  auto* req = new uv_write_t;
  uv_buf_t buf = uv_buf_init(const_cast<char*>(kResp), sizeof(kResp) - 1);
  uv_write(req, reinterpret_cast<uv_stream_t*>(&c->tcp), &buf, 1,
           [](uv_write_t* r, int) { delete r; });
}

void SlowRead(uv_stream_t* stream, ssize_t n, const uv_buf_t* buf) {
  auto* c = static_cast<SlowConn*>(stream->data);
  if (n > 0) {
    c->buffer.append(buf->base, n);
    size_t end;
    while ((end = c->buffer.find("\r\n\r\n")) != std::string::npos) {
      c->buffer.erase(0, end + 4);
      uv_timer_start(&c->timer, SlowRespond, 1000, 0);
    }
  } else if (n < 0) {
    uv_close(reinterpret_cast<uv_handle_t*>(&c->tcp), SlowConnClosed);
    uv_close(reinterpret_cast<uv_handle_t*>(&c->timer), SlowConnClosed);
  }
  delete[] buf->base;
}

void SlowAccept(uv_stream_t* server, int status) {
  if (status < 0) return;
  auto* c = new SlowConn;
  uv_tcp_init(server->loop, &c->tcp);
  uv_timer_init(server->loop, &c->timer);
  c->tcp.data = c->timer.data = c;
  if (uv_accept(server, reinterpret_cast<uv_stream_t*>(&c->tcp)) != 0) return;
  uv_read_start(
      reinterpret_cast<uv_stream_t*>(&c->tcp),
      [](uv_handle_t*, size_t, uv_buf_t* b) { *b = uv_buf_init(new char[4096], 4096); }, SlowRead);
}

[[noreturn]] void RunSlowServer(int port_fd) {
  uv_loop_t* loop = uv_default_loop();
  uv_tcp_t server;
  uv_tcp_init(loop, &server);
  sockaddr_in addr{};
  uv_ip4_addr("127.0.0.1", 0, &addr);
  uv_tcp_bind(&server, reinterpret_cast<const sockaddr*>(&addr), 0);
  uv_listen(reinterpret_cast<uv_stream_t*>(&server), 4096, SlowAccept);
  sockaddr_storage bound{};
  int len = sizeof(bound);
  uv_tcp_getsockname(&server, reinterpret_cast<sockaddr*>(&bound), &len);
  const int port = ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  if (write(port_fd, &port, sizeof(port)) != sizeof(port)) _exit(1);
  uv_run(loop, UV_RUN_DEFAULT);
  _exit(0);
}

void SlowHosts() {
  constexpr int kHosts = 2000;
  int fds[2];
  if (pipe(fds) != 0) return;
  const pid_t child = fork();
  if (child == 0) RunSlowServer(fds[1]);
  int port = 0;
  if (read(fds[0], &port, sizeof(port)) != sizeof(port)) return;
  NetworkConfig net;
  net.allow_private_networks = {"127.0.0.0/8"};
  net.max_connections = 4096;
  net.timeout_seconds = 30;
  std::vector<std::string> urls;
  for (int h = 0; h < kHosts; ++h) {
    const std::string host = "slow" + std::to_string(h) + ".test";
    net.resolve.push_back(host + ":" + std::to_string(port) + ":127.0.0.1");
    urls.push_back("http://" + host + ":" + std::to_string(port) + "/");
  }
  uv_loop_t loop;
  uv_loop_init(&loop);
  Fetcher fetcher(&loop, net);
  if (!fetcher.Init().ok()) return;
  std::vector<double> lags;
  size_t peak = 0;
  long peak_rss = 0;
  constexpr int kLagIntervalMs = 1;
  tincrawl::LoopLagMonitor lag(&loop, kLagIntervalMs, [&](double l) {
    lags.push_back(l);
    if (fetcher.InFlight() >= peak) {
      peak = fetcher.InFlight();
      peak_rss = std::max(peak_rss, RssKiB());
    }
  });
  (void)lag.Start();
  const long rss0 = RssKiB();
  int ok = 0;
  size_t done = 0;
  const double t0 = Now();
  // Submitted in batches of 100 per loop turn, as a scheduler would; FETCH_BENCH_BATCH=2000
  // submits everything in one turn, so all 2,000 answers also arrive in one wave.
  const char* batch_env = std::getenv("FETCH_BENCH_BATCH");
  const int batch = batch_env != nullptr ? std::max(1, std::atoi(batch_env)) : 100;
  size_t next = 0;
  uv_idle_t feeder;
  uv_idle_init(&loop, &feeder);
  struct Feed {
    std::function<void()> step;
  } feed{[&] {
    for (int i = 0; i < batch && next < urls.size(); ++i) {
      FetchRequest req;
      req.url = urls[next++];
      fetcher.Start(req, nullptr, [&](FetchResult r) {
        ++done;
        if (r.outcome == Outcome::kOk) ++ok;
      });
    }
    if (next == urls.size()) uv_idle_stop(&feeder);
  }};
  feeder.data = &feed;
  uv_idle_start(&feeder, [](uv_idle_t* h) { static_cast<Feed*>(h->data)->step(); });
  while (done < urls.size() && Now() - t0 < 60) uv_run(&loop, UV_RUN_ONCE);
  const double took = Now() - t0;
  std::sort(lags.begin(), lags.end());
  const auto pct = [&](size_t p) {
    return lags.empty() ? 0.0 : lags[std::min(lags.size() - 1, lags.size() * p / 100)] * 1e3;
  };
  std::printf("slow hosts: %d/%d ok in %.2f s, peak in flight %zu\n", ok, kHosts, took, peak);
  std::printf(
      "slow hosts: loop lag p50 %.2f ms, p99 %.2f ms, max %.2f ms over %zu samples "
      "(%d ms timer, %d starts per turn)\n",
      pct(50), pct(99), lag.max_lag_seconds() * 1e3, lags.size(), kLagIntervalMs, batch);
  if (peak > 0) {
    std::printf("slow hosts: RSS %ld KiB -> %ld KiB at peak = %.1f KiB per in-flight transfer\n",
                rss0, peak_rss, static_cast<double>(peak_rss - rss0) / peak);
  }
  uv_close(reinterpret_cast<uv_handle_t*>(&feeder), nullptr);
  bool closed = false;
  lag.Stop([&] { closed = true; });
  ShutdownFetcher(&loop, &fetcher);
  while (!closed) uv_run(&loop, UV_RUN_ONCE);
  std::printf("slow hosts: uv_loop_close = %d\n", uv_loop_close(&loop));
  kill(child, SIGTERM);
  waitpid(child, nullptr, 0);
}

}  // namespace

int main(int argc, char** argv) {
  RaiseNofile();
  signal(SIGPIPE, SIG_IGN);
  const std::string mode = argc > 1 ? argv[1] : "all";
  const int connections = argc > 2 ? std::atoi(argv[2]) : 64;
  if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) return 1;
  const int pages = argc > 3 ? std::atoi(argv[3]) : 100;
  if (mode == "throughput" || mode == "all") Throughput(connections, pages);
  if (mode == "slow" || mode == "all") SlowHosts();
  curl_global_cleanup();
  return 0;
}

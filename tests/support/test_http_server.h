#pragma once

// A small threaded HTTP/1.1 server for tests: binds 127.0.0.1 (or another loopback address) on
// port 0, answers scripted responses per path (or from a handler), supports keep-alive, delays,
// chunked bodies and faults (stall, reset mid-body), and keeps an access log with timestamps and
// per-Host concurrency so tests can check politeness. Header-only; one thread per connection.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace tincrawl::testing {

struct TestRequest {
  std::string method;
  std::string path;                            // Including the query string.
  std::string host;                            // Host header without the port.
  std::string local_address;                   // Address of the listener that accepted it.
  std::map<std::string, std::string> headers;  // Lower-case names.
  double start = 0;          // Seconds since the server started, when the request head was read.
  double end = 0;            // When the response was fully written (or the fault happened).
  int host_concurrency = 0;  // Requests of this Host in progress including this one.
  int connection = 0;        // Sequence number of the connection that carried it.
};

enum class Fault { kNone, kStall, kResetMidBody, kCloseWithoutResponse };

struct TestResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  double delay_seconds = 0;  // Before the status line.
  bool chunked = false;
  Fault fault = Fault::kNone;
  size_t fault_after_bytes = 0;  // Body bytes sent before a stall or reset.
  bool omit_content_length = false;
};

inline std::string Gzip(const std::string& data) {
  z_stream zs{};
  if (deflateInit2(&zs, 9, Z_DEFLATED, 16 + MAX_WBITS, 9, Z_DEFAULT_STRATEGY) != Z_OK) return {};
  std::string out(deflateBound(&zs, data.size()) + 64, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return rc == Z_STREAM_END ? out : std::string();
}

class TestHttpServer {
 public:
  using Handler = std::function<TestResponse(const TestRequest&)>;

  explicit TestHttpServer(std::string address = "127.0.0.1") : address_(std::move(address)) {}
  ~TestHttpServer() { Stop(); }

  // Binds address:0 and starts accepting. Returns false when binding fails.
  bool Start() {
    listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (listen_fd_ < 0) return false;
    int one = 1;
    setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = 0;
    if (inet_pton(AF_INET, address_.c_str(), &sa.sin_addr) != 1) return false;
    if (bind(listen_fd_, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) != 0) return false;
    if (listen(listen_fd_, 1024) != 0) return false;
    socklen_t len = sizeof(sa);
    getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&sa), &len);
    port_ = ntohs(sa.sin_port);
    epoch_ = std::chrono::steady_clock::now();
    accept_thread_ = std::thread([this] { AcceptLoop(); });
    return true;
  }

  void Stop() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopped_) return;
      stopped_ = true;
      for (int fd : open_fds_) shutdown(fd, SHUT_RDWR);
    }
    cv_.notify_all();
    if (accept_thread_.joinable()) accept_thread_.join();
    if (listen_fd_ >= 0) close(listen_fd_);
    std::vector<std::thread> threads;
    {
      std::lock_guard<std::mutex> lock(mu_);
      threads.swap(threads_);
    }
    for (auto& t : threads) t.join();
  }

  int port() const { return port_; }
  const std::string& address() const { return address_; }
  std::string Url(const std::string& path, const std::string& host = "") const {
    return "http://" + (host.empty() ? address_ : host) + ":" + std::to_string(port_) + path;
  }
  // A curl --resolve entry mapping `host` to this server.
  std::string ResolveEntry(const std::string& host) const {
    return host + ":" + std::to_string(port_) + ":" + address_;
  }

  void Route(const std::string& path, TestResponse response) {
    std::lock_guard<std::mutex> lock(mu_);
    routes_[path] = std::move(response);
  }
  // Called for paths without a Route. Runs on the connection's thread.
  void SetHandler(Handler handler) {
    std::lock_guard<std::mutex> lock(mu_);
    handler_ = std::move(handler);
  }

  std::vector<TestRequest> Log() const {
    std::lock_guard<std::mutex> lock(mu_);
    return log_;
  }
  size_t CountPath(const std::string& path) const {
    std::lock_guard<std::mutex> lock(mu_);
    return static_cast<size_t>(std::count_if(log_.begin(), log_.end(),
                                             [&](const TestRequest& r) { return r.path == path; }));
  }
  int MaxHostConcurrency(const std::string& host) const {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = max_concurrency_.find(host);
    return it == max_concurrency_.end() ? 0 : it->second;
  }
  int connections() const { return connections_.load(); }
  double Now() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - epoch_).count();
  }

 private:
  void AcceptLoop() {
    while (true) {
      pollfd p{listen_fd_, POLLIN, 0};
      const int rc = poll(&p, 1, 50);
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (stopped_) return;
      }
      if (rc <= 0) continue;
      const int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      const int seq = ++connections_;
      std::lock_guard<std::mutex> lock(mu_);
      open_fds_.insert(fd);
      threads_.emplace_back([this, fd, seq] { Serve(fd, seq); });
    }
  }

  bool Stopped() {
    std::lock_guard<std::mutex> lock(mu_);
    return stopped_;
  }

  // Sleeps up to `seconds`; returns false when the server stopped meanwhile.
  bool Sleep(double seconds) {
    std::unique_lock<std::mutex> lock(mu_);
    return !cv_.wait_for(lock, std::chrono::duration<double>(seconds), [this] { return stopped_; });
  }

  static bool SendAll(int fd, const char* data, size_t n) {
    while (n > 0) {
      const ssize_t w = send(fd, data, n, MSG_NOSIGNAL);
      if (w <= 0) return false;
      data += w;
      n -= static_cast<size_t>(w);
    }
    return true;
  }

  bool ReadHead(int fd, std::string* buffer, std::string* head) {
    while (true) {
      const size_t end = buffer->find("\r\n\r\n");
      if (end != std::string::npos) {
        *head = buffer->substr(0, end);
        buffer->erase(0, end + 4);
        return true;
      }
      char chunk[4096];
      const ssize_t r = recv(fd, chunk, sizeof(chunk), 0);
      if (r <= 0) return false;
      buffer->append(chunk, static_cast<size_t>(r));
    }
  }

  TestRequest Parse(const std::string& head, int seq) {
    TestRequest req;
    req.local_address = address_;
    req.connection = seq;
    size_t pos = head.find("\r\n");
    const std::string line = head.substr(0, pos);
    const size_t sp1 = line.find(' ');
    const size_t sp2 = line.find(' ', sp1 + 1);
    req.method = line.substr(0, sp1);
    req.path = line.substr(sp1 + 1, sp2 - sp1 - 1);
    while (pos != std::string::npos && pos < head.size()) {
      const size_t next = head.find("\r\n", pos + 2);
      const std::string h =
          head.substr(pos + 2, next == std::string::npos ? std::string::npos : next - pos - 2);
      const size_t colon = h.find(':');
      if (colon != std::string::npos) {
        std::string name = h.substr(0, colon);
        std::transform(name.begin(), name.end(), name.begin(), ::tolower);
        std::string value = h.substr(colon + 1);
        value.erase(0, value.find_first_not_of(' '));
        req.headers[name] = value;
      }
      pos = next;
    }
    req.host = req.headers["host"];
    if (!req.host.empty() && req.host[0] != '[') req.host = req.host.substr(0, req.host.find(':'));
    return req;
  }

  TestResponse Lookup(const TestRequest& req) {
    Handler handler;
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = routes_.find(req.path);
      if (it != routes_.end()) return it->second;
      handler = handler_;
    }
    if (handler) return handler(req);
    TestResponse not_found;
    not_found.status = 404;
    not_found.body = "not found";
    return not_found;
  }

  // Returns false when the connection must be closed.
  bool Respond(int fd, const TestRequest& req, const TestResponse& resp) {
    if (resp.delay_seconds > 0 && !Sleep(resp.delay_seconds)) return false;
    if (resp.fault == Fault::kCloseWithoutResponse) return false;
    std::string head = "HTTP/1.1 " + std::to_string(resp.status) + " X\r\n";
    for (const auto& [k, v] : resp.headers) head += k + ": " + v + "\r\n";
    if (resp.chunked) {
      head += "Transfer-Encoding: chunked\r\n";
    } else if (!resp.omit_content_length) {
      head += "Content-Length: " + std::to_string(resp.body.size()) + "\r\n";
    }
    const bool close_after =
        req.headers.count("connection") != 0 && req.headers.at("connection") == "close";
    head += close_after || resp.omit_content_length ? "Connection: close\r\n\r\n" : "\r\n";
    if (!SendAll(fd, head.data(), head.size())) return false;
    if (req.method == "HEAD" || resp.status == 304 || resp.status == 204) return !close_after;
    const size_t limit = resp.fault == Fault::kNone
                             ? resp.body.size()
                             : std::min(resp.fault_after_bytes, resp.body.size());
    if (!SendBody(fd, resp, limit)) return false;
    if (resp.fault == Fault::kStall) {
      Sleep(3600);
      return false;
    }
    if (resp.fault == Fault::kResetMidBody) {
      linger lg{1, 0};
      setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
      return false;
    }
    if (resp.chunked && !SendAll(fd, "0\r\n\r\n", 5)) return false;
    return !close_after && !resp.omit_content_length;
  }

  static bool SendBody(int fd, const TestResponse& resp, size_t limit) {
    if (!resp.chunked) return SendAll(fd, resp.body.data(), limit);
    for (size_t off = 0; off < limit; off += 16384) {
      const size_t n = std::min<size_t>(16384, limit - off);
      char size_line[32];
      std::snprintf(size_line, sizeof(size_line), "%zx\r\n", n);
      if (!SendAll(fd, size_line, std::strlen(size_line)) ||
          !SendAll(fd, resp.body.data() + off, n) || !SendAll(fd, "\r\n", 2)) {
        return false;
      }
    }
    return true;
  }

  void Serve(int fd, int seq) {
    std::string buffer;
    std::string head;
    while (!Stopped() && ReadHead(fd, &buffer, &head)) {
      TestRequest req = Parse(head, seq);
      req.start = Now();
      size_t index = 0;
      {
        std::lock_guard<std::mutex> lock(mu_);
        req.host_concurrency = ++active_[req.host];
        int& max = max_concurrency_[req.host];
        max = std::max(max, req.host_concurrency);
        index = log_.size();
        log_.push_back(req);  // Logged when it arrives, so in-flight requests are visible.
      }
      const TestResponse resp = Lookup(req);
      const bool keep = Respond(fd, req, resp);
      {
        std::lock_guard<std::mutex> lock(mu_);
        --active_[req.host];
        log_[index].end = Now();
      }
      if (!keep) break;
    }
    std::lock_guard<std::mutex> lock(mu_);
    open_fds_.erase(fd);
    close(fd);
  }

  std::string address_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::chrono::steady_clock::time_point epoch_;
  std::thread accept_thread_;
  std::atomic<int> connections_{0};
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopped_ = false;
  std::vector<std::thread> threads_;
  std::set<int> open_fds_;
  std::map<std::string, TestResponse> routes_;
  Handler handler_;
  std::vector<TestRequest> log_;
  std::map<std::string, int> active_;
  std::map<std::string, int> max_concurrency_;
};

}  // namespace tincrawl::testing

#pragma once

// `openssl s_server -www` on 127.0.0.1:0 for TLS tests, started and stopped by the test (by its
// pid), plus the shell helpers that make its certificates. Header-only.

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

namespace tincrawl::testing {

inline bool HaveOpenssl() { return std::system("openssl version >/dev/null 2>&1") == 0; }

// Runs `cmd` through the shell, output discarded; true when it exited 0.
inline bool RunShell(const std::string& cmd) {
  return std::system((cmd + " >/dev/null 2>&1").c_str()) == 0;
}

inline std::string Slurp(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Serves `cert`/`key` (files in `dir`) with `openssl s_server -www`: every GET gets a 200 status
// page. port() is 0 when the server did not come up within 5 s.
class TlsServer {
 public:
  TlsServer(const std::filesystem::path& dir, const std::string& cert, const std::string& key,
            const std::string& extra = "") {
    const std::filesystem::path out = dir / ("server-" + cert + ".out");
    pid_ = fork();
    if (pid_ == 0) {
      const int fd = open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      dup2(fd, 1);
      dup2(fd, 2);
      const std::string cmd = "exec openssl s_server -accept 127.0.0.1:0 -www -cert '" +
                              (dir / cert).string() + "' -key '" + (dir / key).string() + "' " +
                              extra;
      execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    for (int i = 0; i < 100 && port_ == 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      const std::string text = Slurp(out);
      const size_t at = text.find("ACCEPT 127.0.0.1:");
      if (at != std::string::npos) port_ = std::atoi(text.c_str() + at + 17);
    }
  }
  ~TlsServer() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      waitpid(pid_, nullptr, 0);
    }
  }
  TlsServer(const TlsServer&) = delete;
  TlsServer& operator=(const TlsServer&) = delete;

  int port() const { return port_; }
  std::string Url(const std::string& host = "127.0.0.1") const {
    return "https://" + host + ":" + std::to_string(port_) + "/";
  }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
};

}  // namespace tincrawl::testing

#include "crawler/daemon/sd_notify.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cstddef>
#include <cstdlib>
#include <cstring>

namespace tincrawl {

namespace {

uint64_t MonotonicUsec() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000u + static_cast<uint64_t>(ts.tv_nsec) / 1000u;
}

}  // namespace

SdNotifier::SdNotifier() {
  const char* path = std::getenv("NOTIFY_SOCKET");
  if (path != nullptr && (path[0] == '/' || path[0] == '@') &&
      std::strlen(path) < sizeof(sockaddr_un::sun_path)) {
    socket_path_ = path;
  }
  const char* usec = std::getenv("WATCHDOG_USEC");
  const char* pid = std::getenv("WATCHDOG_PID");
  bool for_us = pid == nullptr || std::strtoll(pid, nullptr, 10) == getpid();
  if (usec != nullptr && for_us) watchdog_usec_ = std::strtoull(usec, nullptr, 10);
}

bool SdNotifier::Notify(std::string_view state) const {
  if (socket_path_.empty()) return false;
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, socket_path_.data(), socket_path_.size());
  if (addr.sun_path[0] == '@') addr.sun_path[0] = '\0';  // Abstract namespace.
  socklen_t len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + socket_path_.size());
  ssize_t n = sendto(fd, state.data(), state.size(), MSG_NOSIGNAL,
                     reinterpret_cast<const sockaddr*>(&addr), len);
  close(fd);
  return n == static_cast<ssize_t>(state.size());
}

bool SdNotifier::Ready(std::string_view status) const {
  return Notify("READY=1\nSTATUS=" + std::string(status));
}

bool SdNotifier::Status(std::string_view status) const {
  return Notify("STATUS=" + std::string(status));
}

bool SdNotifier::Reloading() const {
  return Notify("RELOADING=1\nMONOTONIC_USEC=" + std::to_string(MonotonicUsec()));
}

bool SdNotifier::Stopping() const { return Notify("STOPPING=1"); }

bool SdNotifier::Watchdog() const { return Notify("WATCHDOG=1"); }

}  // namespace tincrawl

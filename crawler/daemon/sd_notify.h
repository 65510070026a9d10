#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace tincrawl {

// The systemd notification protocol (sd_notify(3)), implemented directly: one datagram per
// message to the AF_UNIX socket named by $NOTIFY_SOCKET (a path or, with a leading '@', an
// abstract name). Every call is a cheap no-op when the process does not run under systemd.
class SdNotifier {
 public:
  // Reads $NOTIFY_SOCKET and $WATCHDOG_USEC (honouring $WATCHDOG_PID when set).
  SdNotifier();

  bool enabled() const { return !socket_path_.empty(); }

  // Sends `state` ("READY=1\nSTATUS=..."); returns false when not under systemd or on error.
  bool Notify(std::string_view state) const;

  bool Ready(std::string_view status) const;
  bool Status(std::string_view status) const;
  bool Reloading() const;  // RELOADING=1 with MONOTONIC_USEC, as systemd >= 253 expects.
  bool Stopping() const;
  bool Watchdog() const;

  // The watchdog interval systemd expects pings within (0 = no watchdog). Ping at half of it.
  uint64_t watchdog_usec() const { return watchdog_usec_; }

 private:
  std::string socket_path_;
  uint64_t watchdog_usec_ = 0;
};

}  // namespace tincrawl

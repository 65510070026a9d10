#pragma once

#include <string_view>

namespace tincrawl {

// What became of one fetch. The set is closed and small so it can label metrics (`reason`).
enum class Outcome {
  kOk,           // 2xx with a body.
  kNotModified,  // 304 answer to a conditional GET.
  kRedirect,     // Redirect that could not be followed: loop, too many hops, no Location.
  kHttp4xx,
  kHttp5xx,
  kTimeout,         // Connect, total or low-speed timeout.
  kDns,             // Name did not resolve.
  kConnect,         // Connection refused or unreachable, or closed with no reply at all.
  kTls,             // Handshake or certificate verification failed.
  kTooLarge,        // Body, decoded body or headers over their caps.
  kRobotsDenied,    // robots.txt disallows the URL; the network was not touched.
  kReset,           // Peer reset or closed the connection mid-transfer.
  kPrivateAddress,  // Resolved to a loopback/private/link-local/multicast address (refused).
  kCancelled,       // Shutdown or explicit cancel.
  kError,           // Anything else.
};

inline constexpr int kOutcomeCount = static_cast<int>(Outcome::kError) + 1;

// Stable snake_case name ("ok", "not_modified", "http_4xx" ...), usable as a metric label.
std::string_view OutcomeName(Outcome outcome);

// Maps a final HTTP status of a transfer that completed at the transport level.
Outcome OutcomeFromHttpStatus(long status);

// True when the outcome says the host is struggling (counts toward backoff and the circuit
// breaker): 5xx, timeout, connect, reset, dns, tls.
bool IsHostFailure(Outcome outcome);

}  // namespace tincrawl

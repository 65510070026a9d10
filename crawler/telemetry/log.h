#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

#include "crawler/config/config.h"

namespace tincrawl {

enum class LogLevel { kDebug, kInfo, kWarn, kError };

// One key=value pair of a structured log line.
using LogField = std::pair<std::string_view, std::string_view>;

// Structured, journald-friendly logging to stderr: one line per event, logfmt
// (`level=warn msg="fetch failed" site=qn url=... outcome=timeout`) or JSON. Each line is
// written with a single write(2) so concurrent threads never interleave. Thread-safe.
class Log {
 public:
  // Applies `config` (level, format). Safe to call again on reload.
  static void Configure(const LogConfig& config);

  static bool Enabled(LogLevel level);

  // Writes one line with `msg` and `fields` when `level` is enabled.
  static void Write(LogLevel level, std::string_view msg, std::initializer_list<LogField> fields);

  // Like Write, but at most `burst` lines per `key` (e.g. "timeout:host") per minute; further
  // lines are counted and summarised ("suppressed=N") in the next line let through, so a dead
  // host cannot flood the journal.
  static void Limited(LogLevel level, std::string_view key, std::string_view msg,
                      std::initializer_list<LogField> fields, int burst = 5);

  // Renders a line without writing it (tests).
  static std::string Format(LogLevel level, std::string_view msg,
                            std::initializer_list<LogField> fields, bool json);
};

inline void LogInfo(std::string_view msg, std::initializer_list<LogField> fields = {}) {
  Log::Write(LogLevel::kInfo, msg, fields);
}
inline void LogWarn(std::string_view msg, std::initializer_list<LogField> fields = {}) {
  Log::Write(LogLevel::kWarn, msg, fields);
}
inline void LogError(std::string_view msg, std::initializer_list<LogField> fields = {}) {
  Log::Write(LogLevel::kError, msg, fields);
}
inline void LogDebug(std::string_view msg, std::initializer_list<LogField> fields = {}) {
  Log::Write(LogLevel::kDebug, msg, fields);
}

}  // namespace tincrawl

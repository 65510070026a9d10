#include "crawler/telemetry/log.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <unordered_map>

#include "extractors/json.h"

namespace tincrawl {

namespace {

std::atomic<int> g_level{static_cast<int>(LogLevel::kInfo)};
std::atomic<bool> g_json{false};

const char* LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarn:
      return "warn";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

bool NeedsQuotes(std::string_view v) {
  if (v.empty()) return true;
  for (unsigned char c : v) {
    if (c <= ' ' || c == '"' || c == '=' || c == '\\') return true;
  }
  return false;
}

void AppendLogfmtValue(std::string* out, std::string_view v) {
  if (!NeedsQuotes(v)) {
    out->append(v);
    return;
  }
  out->push_back('"');
  for (char c : v) {
    if (c == '"' || c == '\\') {
      out->push_back('\\');
      out->push_back(c);
    } else if (c == '\n') {
      out->append("\\n");
    } else if (static_cast<unsigned char>(c) < ' ') {
      out->push_back(' ');
    } else {
      out->push_back(c);
    }
  }
  out->push_back('"');
}

struct Window {
  int64_t minute = 0;
  int count = 0;
  int suppressed = 0;
};

std::mutex g_limit_mu;
std::unordered_map<std::string, Window> g_windows;

}  // namespace

void Log::Configure(const LogConfig& config) {
  LogLevel l = LogLevel::kInfo;
  if (config.level == "debug") l = LogLevel::kDebug;
  if (config.level == "warn") l = LogLevel::kWarn;
  if (config.level == "error") l = LogLevel::kError;
  g_level = static_cast<int>(l);
  g_json = config.format == "json";
}

bool Log::Enabled(LogLevel level) { return static_cast<int>(level) >= g_level.load(); }

std::string Log::Format(LogLevel level, std::string_view msg,
                        std::initializer_list<LogField> fields, bool json) {
  std::string line;
  if (json) {
    line = "{\"level\":";
    AppendJsonString(LevelName(level), &line);
    line += ",\"msg\":";
    AppendJsonString(msg, &line);
    for (const auto& [k, v] : fields) {
      line.push_back(',');
      AppendJsonString(k, &line);
      line.push_back(':');
      AppendJsonString(v, &line);
    }
    line += "}\n";
    return line;
  }
  line = "level=";
  line += LevelName(level);
  line += " msg=";
  AppendLogfmtValue(&line, msg);
  for (const auto& [k, v] : fields) {
    line.push_back(' ');
    line.append(k);
    line.push_back('=');
    AppendLogfmtValue(&line, v);
  }
  line.push_back('\n');
  return line;
}

void Log::Write(LogLevel level, std::string_view msg, std::initializer_list<LogField> fields) {
  if (!Enabled(level)) return;
  std::string line = Format(level, msg, fields, g_json.load());
  // One write(2) per line: lines from concurrent threads never interleave.
  ssize_t n = ::write(STDERR_FILENO, line.data(), line.size());
  (void)n;
}

void Log::Limited(LogLevel level, std::string_view key, std::string_view msg,
                  std::initializer_list<LogField> fields, int burst) {
  if (!Enabled(level)) return;
  int64_t minute = std::chrono::duration_cast<std::chrono::minutes>(
                       std::chrono::steady_clock::now().time_since_epoch())
                       .count();
  int suppressed = 0;
  {
    std::lock_guard<std::mutex> lock(g_limit_mu);
    if (g_windows.size() > 10000) g_windows.clear();  // Bounded memory under key churn.
    Window& w = g_windows[std::string(key)];
    if (w.minute != minute) {
      suppressed = w.suppressed;
      w = Window{minute, 0, 0};
    }
    if (++w.count > burst) {
      ++w.suppressed;
      return;
    }
  }
  if (suppressed == 0) {
    Write(level, msg, fields);
    return;
  }
  std::string count = std::to_string(suppressed);
  std::string line = Format(level, msg, fields, g_json.load());
  std::string extra = Format(level, "similar lines suppressed",
                             {{"key", key}, {"suppressed", count}}, g_json.load());
  line += extra;
  ssize_t n = ::write(STDERR_FILENO, line.data(), line.size());
  (void)n;
}

}  // namespace tincrawl

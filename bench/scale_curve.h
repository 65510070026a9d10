// The growth curve of a bench that loads a store to N items (frontier_bench, store_bench): one
// line per step (a million by default) with the rate over that step alone (marginal) beside the
// cumulative one, RSS, RocksDB stall time and write amplification.
#pragma once

#include <malloc.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>

#include "crawler/common/heap.h"
#include "crawler/store/store.h"

namespace tincrawl::bench {

inline long ProcStatusKb(const char* field) {
  std::ifstream in("/proc/self/status");
  const size_t n = std::strlen(field);
  for (std::string line; std::getline(in, line);) {
    if (line.compare(0, n, field) == 0) return std::atol(line.c_str() + n);
  }
  return -1;
}

inline void PrintIo(const Store& store, const char* label) {
  const Store::IoCounters io = store.Io();
  const double live = static_cast<double>(io.live_sst_bytes);
  std::printf(
      "%-19s live SST %.1f MiB; written WAL %.1f + flush %.1f + compaction %.1f MiB "
      "(compaction read %.1f MiB); write amplification %.2f; stalls %.2f s\n",
      label, live / (1 << 20), static_cast<double>(io.wal_bytes) / (1 << 20),
      static_cast<double>(io.flush_bytes) / (1 << 20),
      static_cast<double>(io.compaction_write_bytes) / (1 << 20),
      static_cast<double>(io.compaction_read_bytes) / (1 << 20),
      live > 0 ? static_cast<double>(io.written_bytes()) / live : 0.0,
      static_cast<double>(io.stall_micros) / 1e6);
  const Store::MemoryUsage mem = store.Memory();
  std::printf("%-19s memtables %.1f MiB, block cache %.1f MiB, table readers %.1f MiB\n", "",
              static_cast<double>(mem.memtables) / (1 << 20),
              static_cast<double>(mem.block_cache) / (1 << 20),
              static_cast<double>(mem.table_readers) / (1 << 20));
  // glibc's view: bytes handed out (in use) and bytes free inside its arenas (resident until
  // trimmed), mmapped blocks counted apart.
  const struct mallinfo2 mi = mallinfo2();
  std::printf("%-19s malloc in use %.1f MiB, free in arenas %.1f MiB, mmapped %.1f MiB\n", "",
              static_cast<double>(mi.uordblks) / (1 << 20),
              static_cast<double>(mi.fordblks) / (1 << 20),
              static_cast<double>(mi.hblkhd) / (1 << 20));
}

// Calls ReleaseFreeHeap as often as the daemon does (once a minute of wall time), so the RSS a
// bench reports is the one a running crawler would show with the same state.
class HeapTrimmer {
 public:
  void Maybe() {
    const auto now = std::chrono::steady_clock::now();
    if (now - last_ < std::chrono::seconds(kReleaseFreeHeapEverySeconds)) return;
    last_ = now;
    ReleaseFreeHeap();
  }

 private:
  std::chrono::steady_clock::time_point last_ = std::chrono::steady_clock::now();
};

class ScaleCurve {
 public:
  // `what` names the items ("URLs", "articles"); a line is printed every `step` items.
  ScaleCurve(const Store* store, const char* what, long step)
      : store_(store), what_(what), step_(step), next_(step) {}

  // `done` items so far, `seconds` of measured time so far (the caller's clock: wall or CPU of
  // the measured part only). Prints a line for every step boundary crossed.
  void Progress(long done, double seconds) {
    if (done < next_) return;
    const Store::IoCounters io = store_->Io();
    const double live = static_cast<double>(io.live_sst_bytes);
    std::printf(
        "at %5.1fM %-8s marginal %7.0f/s  cumulative %7.0f/s  rss %4ld MiB  stalls %6.2f s  "
        "write amp %5.2f  live %6.0f MiB\n",
        static_cast<double>(done) / 1e6, what_,
        static_cast<double>(done - last_done_) / (seconds - last_seconds_),
        static_cast<double>(done) / seconds, ProcStatusKb("VmRSS:") / 1024,
        static_cast<double>(io.stall_micros) / 1e6,
        live > 0 ? static_cast<double>(io.written_bytes()) / live : 0.0, live / (1 << 20));
    std::fflush(stdout);
    last_done_ = done;
    last_seconds_ = seconds;
    while (next_ <= done) next_ += step_;
  }

 private:
  const Store* store_;
  const char* what_;
  long step_;
  long next_;
  long last_done_ = 0;
  double last_seconds_ = 0;
};

}  // namespace tincrawl::bench

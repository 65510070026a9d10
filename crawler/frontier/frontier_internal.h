#pragma once

// Internals shared by the frontier's sources (frontier.cpp: adds, schedules and next visits;
// frontier_queue.cpp: the per-host queue cache and PopReady). Not part of the frontier's API.

#include <algorithm>
#include <array>
#include <cstdint>
#include <deque>
#include <limits>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "crawler/common/record_codec.h"
#include "crawler/frontier/frontier.h"

namespace tincrawl {
namespace frontier_internal {

constexpr int64_t kNever = std::numeric_limits<int64_t>::max();
constexpr uint64_t kFormat = 1;
constexpr char kSchedulePrefix = '\x01';
constexpr char kHostsStart[] = "\x02";
constexpr int64_t kVietnamOffsetSeconds = 7 * 3600;

struct QueueValue {
  std::string site;
  UrlKind kind = UrlKind::kUnknown;
  int depth = 0;
  DiscoveredBy by = DiscoveredBy::kSeed;
  bool backfill = false;
  uint32_t fetches = 0;
  std::string fetch_url;  // Empty when the key itself is the form to request.
  // The last fetch's validators, so a revisit's conditional GET needs no read on the loop.
  std::string etag;
  std::string last_modified;
};

inline std::string EncodeQueueValue(const QueueValue& v) {
  RecordWriter w(kFormat);
  w.Str(v.site);
  w.U64(static_cast<uint64_t>(v.kind));
  w.I64(v.depth);
  w.U64(static_cast<uint64_t>(v.by));
  w.U64(v.backfill ? 1 : 0);
  w.U64(v.fetches);
  // Optional trailing fields, absent in older entries: the fetch form, then the validators.
  const bool validators = !v.etag.empty() || !v.last_modified.empty();
  if (!v.fetch_url.empty() || validators) w.Str(v.fetch_url);
  if (validators) {
    w.Str(v.etag);
    w.Str(v.last_modified);
  }
  return w.Take();
}

inline bool DecodeQueueValue(std::string_view in, QueueValue* v) {
  RecordReader r(in);
  uint64_t kind = 0, by = 0, backfill = 0, fetches = 0;
  v->fetch_url.clear();
  v->etag.clear();
  v->last_modified.clear();
  if (!r.Version(kFormat) || !r.Str(&v->site) || !r.U64(&kind) || !r.Int(&v->depth) ||
      !r.U64(&by) || !r.U64(&backfill) || !r.U64(&fetches) || !(r.done() || r.Str(&v->fetch_url)) ||
      !(r.done() || (r.Str(&v->etag) && r.Str(&v->last_modified)))) {
    return false;
  }
  v->kind = static_cast<UrlKind>(std::min<uint64_t>(kind, 5));
  v->by = static_cast<DiscoveredBy>(std::min<uint64_t>(by, 3));
  v->backfill = backfill != 0;
  v->fetches = static_cast<uint32_t>(fetches);
  return true;
}

// The fetch form worth storing: empty when it is the key itself.
inline std::string FetchFormToStore(std::string_view key, std::string_view fetch_url) {
  return fetch_url.empty() || fetch_url == key ? std::string() : std::string(fetch_url);
}

inline std::string QueueKey(std::string_view host, Priority p, int64_t due_ms,
                            std::string_view url) {
  std::string key;
  key.reserve(host.size() + 10 + url.size());
  key.append(host);
  key.push_back('\0');
  key.push_back(static_cast<char>(p));
  PutBigEndian64(&key, static_cast<uint64_t>(std::max<int64_t>(0, due_ms)));
  key.append(url);
  return key;
}

struct QueueKeyParts {
  std::string_view host;
  Priority priority = Priority::kNew;
  int64_t due_ms = 0;
  std::string_view url;
};

// Queue keys are host '\0' priority(1) due_ms(8, big-endian) url; schedule and budget records
// start with '\x01' or '\0' and are not queue entries.
inline bool ParseQueueKey(std::string_view key, QueueKeyParts* parts) {
  if (key.empty() || key[0] == '\0' || key[0] == kSchedulePrefix) return false;
  const size_t zero = key.find('\0');
  if (zero == std::string_view::npos || key.size() < zero + 10) return false;
  const auto p = static_cast<uint8_t>(key[zero + 1]);
  if (p >= kPriorityCount) return false;
  parts->host = key.substr(0, zero);
  parts->priority = static_cast<Priority>(p);
  parts->due_ms = static_cast<int64_t>(GetBigEndian64(key.substr(zero + 2, 8)));
  parts->url = key.substr(zero + 10);
  return true;
}

inline std::string ClassPrefix(std::string_view host, int cls) {
  std::string prefix(host);
  prefix.push_back('\0');
  prefix.push_back(static_cast<char>(cls));
  return prefix;
}

inline std::string ScheduleKey(std::string_view url) {
  std::string key(1, kSchedulePrefix);
  key.append(url);
  return key;
}

inline std::string BudgetKey(std::string_view site) {
  std::string key("\0b", 2);
  key.append(site);
  return key;
}

inline int64_t VietnamDay(int64_t now_ms) {
  return (now_ms / 1000 + kVietnamOffsetSeconds) / 86400;
}
inline int64_t DayStartMs(int64_t day) { return (day * 86400 - kVietnamOffsetSeconds) * 1000; }

inline bool IsListingKind(UrlKind kind) {
  return kind == UrlKind::kListing || kind == UrlKind::kFeed || kind == UrlKind::kSitemap;
}

inline bool IsSuccess(Outcome o) { return o == Outcome::kOk || o == Outcome::kNotModified; }

inline uint8_t SourceBit(DiscoveredBy by) {
  return static_cast<uint8_t>(1u << static_cast<int>(by));
}

}  // namespace frontier_internal

struct Frontier::Schedule : UrlSchedule {
  std::string Encode() const {
    RecordWriter w(frontier_internal::kFormat);
    w.U64(static_cast<uint64_t>(kind));
    w.U64(static_cast<uint64_t>(priority));
    w.I64(due_ms);
    w.U64((queued ? 1 : 0) | (backfill ? 2 : 0));
    w.U64(seen_by);
    w.I64(lastmod);
    w.F64(model.decayed_new);
    w.F64(model.decayed_seconds);
    w.F64(model.interval_seconds);
    return w.Take();
  }

  bool Decode(std::string_view in) {
    RecordReader r(in);
    uint64_t k = 0, p = 0, flags = 0, seen = 0;
    if (!r.Version(frontier_internal::kFormat) || !r.U64(&k) || !r.U64(&p) || !r.I64(&due_ms) ||
        !r.U64(&flags) || !r.U64(&seen) || !r.I64(&lastmod) || !r.F64(&model.decayed_new) ||
        !r.F64(&model.decayed_seconds) || !r.F64(&model.interval_seconds)) {
      return false;
    }
    kind = static_cast<UrlKind>(std::min<uint64_t>(k, 5));
    priority = static_cast<Priority>(std::min<uint64_t>(p, kPriorityCount - 1));
    queued = (flags & 1) != 0;
    backfill = (flags & 2) != 0;
    seen_by = static_cast<uint8_t>(seen);
    return true;
  }
};

struct Frontier::HostState {
  struct Entry {
    std::string key;
    std::string value;  // Encoded QueueValue, so PopReady needs no read.
    int64_t due_ms = 0;
  };
  struct Cache {
    // The smallest keys of the class, leases excluded; at most `prefetch` entries, so a
    // vector (no allocation while empty, unlike a deque's chunk: 5,000 hosts x 5 classes).
    std::vector<Entry> entries;
    bool complete = false;  // No other entry of the class exists in the database.
    // Refills (Frontier::RunRefills): queued, running (its seek is unlocked, so the ops
    // applied meanwhile are kept in `replay` and applied again to what the seek read), or
    // failed (an I/O error: the class is skipped until a later refill succeeds).
    bool refill_queued = false;
    bool refilling = false;
    bool refill_failed = false;
    std::vector<FrontierBatch::Op> replay;
  };

  std::string host;
  int site = -1;
  uint32_t index = 0;
  std::array<Cache, kPriorityCount> cache;
  std::unordered_set<std::string> leased;
  int64_t not_before_ms = 0;
  int64_t heap_ready_ms = frontier_internal::kNever;
  uint64_t generation = 0;
};

struct Frontier::SiteRuntime {
  SiteRuntime(const TrapLimits& limits, int pages) : guard(limits), pages_per_day(pages) {}
  TrapGuard guard;
  int pages_per_day;
  FrontierSiteStats stats;
  int64_t budget_day = -1;
  uint64_t budget_used = 0;
};

}  // namespace tincrawl

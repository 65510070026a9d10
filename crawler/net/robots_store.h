#pragma once

// The persistent side of HttpClient's robots.txt cache: one record per origin, so a restart
// keeps the rules it already has (RFC 9309 §2.4) instead of fetching robots.txt again, and a
// restart during an outage still applies the last rules seen. net/ does not link RocksDB: the
// daemon hands HttpClient an implementation over the store (Store::GetRobots/PutRobots).

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>

namespace tincrawl {

// What is known about one origin's robots.txt. Times are Unix seconds.
struct RobotsRecord {
  std::string site_id;             // Site the robots.txt was fetched for (for `tincrawl sites`).
  int64_t fetched_unix = 0;        // When the rules below were obtained (2xx or 4xx); 0 = never.
  int64_t expires_unix = 0;        // fetched_unix + TTL: fetch again after that.
  bool allow_all = false;          // A 4xx answer: no rules, everything allowed.
  std::string body;                // The 2xx body (at most kRobotsMaxBytes), parsed again on load.
  int64_t failing_since_unix = 0;  // First failed fetch of the current outage; 0 = none.
  std::string last_error;          // "robots.txt: dns: ..." of the latest failure; empty when none.

  bool has_rules() const { return fetched_unix > 0; }
  bool operator==(const RobotsRecord&) const = default;
};

// Version byte, then the fields in declaration order (crawler/common/record_codec.h). Decode
// returns false on malformed input or a newer version.
std::string EncodeRobotsRecord(const RobotsRecord& record);
bool DecodeRobotsRecord(std::string_view data, RobotsRecord* record);

// Where HttpClient keeps its records. Called on the loop thread: Load is a point read, Save one
// unsynced write (losing the latest record in a crash only costs one robots.txt fetch).
class RobotsCacheStore {
 public:
  virtual ~RobotsCacheStore() = default;
  // True and fills `record` when one is stored for `origin` ("scheme://host:port").
  virtual bool Load(const std::string& origin, RobotsRecord* record) = 0;
  virtual void Save(const std::string& origin, const RobotsRecord& record) = 0;
};

// A RobotsCacheStore over any byte-valued key-value store (the daemon passes lambdas on its
// Store; tests a map). `get` returns false when the origin has no value.
class RobotsBytesStore : public RobotsCacheStore {
 public:
  using Get = std::function<bool(const std::string& origin, std::string* value)>;
  using Put = std::function<void(const std::string& origin, const std::string& value)>;
  RobotsBytesStore(Get get, Put put) : get_(std::move(get)), put_(std::move(put)) {}

  bool Load(const std::string& origin, RobotsRecord* record) override;
  void Save(const std::string& origin, const RobotsRecord& record) override;

 private:
  Get get_;
  Put put_;
};

}  // namespace tincrawl

#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "crawler/common/status.h"
#include "crawler/config/config.h"
#include "crawler/sink/pg_conn.h"
#include "crawler/sink/pg_writer.h"
#include "crawler/sink/spool_reader.h"
#include "crawler/telemetry/metrics.h"

namespace tincrawl {

struct SinkOptions {
  PostgresConfig postgres;
  std::string spool_dir;  // Absolute; also the spool's name in <schema>.spool_position.
  // The spool's durable end (Spool::durable_end); empty: everything in the files (kSpoolEnd).
  std::function<SpoolPosition()> durable_end;
  double poll_seconds = 0.25;  // How often an idle sink looks for new durable lines.
  int connect_timeout_seconds = 5;
  std::function<double()> now;  // Unix seconds; the system clock when empty (tests inject).
};

// What the sink has done since it started.
struct SinkStats {
  ApplyCounts counts;
  SinkPosition committed;  // The last position known committed.
  bool connected = false;  // A connection is open and the schema is migrated.
  bool caught_up = false;  // Nothing durable waits (as of the last look).
  int64_t errors = 0;
  std::string last_error;
};

// Loads the spool into PostgreSQL on its own thread (never the loop thread or the worker pool,
// so a slow or absent server cannot stall fetching). It commits batches of `batch` lines, each
// with the spool position past them (pg_writer.h), which makes the load exactly-once across
// crashes of tincrawl and of the server. When the server is down or failing it backs off
// (0.5 s doubling to max_backoff_seconds) and the spool keeps the backlog; after every
// reconnect it resumes from the position committed in the database. Metrics: tincrawl_sink_*.
// Thread-safe.
class PostgresSink {
 public:
  // `metrics` may be null; it must outlive the sink.
  PostgresSink(SinkOptions options, Metrics* metrics);
  ~PostgresSink();  // Stop(0) when still running.
  PostgresSink(const PostgresSink&) = delete;
  PostgresSink& operator=(const PostgresSink&) = delete;

  // First connection, on the caller's thread: connects, migrates the schema and reads the
  // committed position. Ok also when the server cannot be reached (logged; the thread keeps
  // trying). InvalidArgument for what only a person can fix: bad credentials, no such database
  // or role, a non-UTF8 database, unaccent missing, a schema newer than this tincrawl.
  Status Open();
  // Starts the loading thread.
  void Start();
  // Loads what is durable now for at most `drain_seconds`, stopping at the first failure, then
  // ends the thread. Logs how many durable lines were left for the next start.
  void Stop(double drain_seconds);
  // Loads on the caller's thread until nothing durable is left, for at most `seconds` (tools
  // and benchmarks). Ok when caught up; otherwise the last error.
  Status RunUntilCaughtUp(double seconds);

  SinkStats stats() const;

 private:
  enum class StepResult { kWorked, kIdle, kFailed };
  Status Connect();
  Status Resume();
  StepResult Step();
  void Fail(const char* reason, const Status& status);
  void Count(const ApplyCounts& before);
  void UpdateLag();
  void Loop();
  bool WaitFor(double seconds);  // False when told to stop meanwhile.
  double NextBackoff();
  double Now() const;

  SinkOptions options_;
  Metrics* metrics_;
  SpoolReader reader_;
  std::unique_ptr<PgConn> conn_;  // Replaced only under mu_ (Stop may cancel through it).
  std::unique_ptr<PgWriter> writer_;
  std::vector<SpoolLine> pending_;  // Read, not yet committed.
  int64_t oldest_pending_ = 0;      // fetched_at of pending_.front(); 0 when none.
  bool seeked_ = false;             // reader_ is at the committed position.
  double backoff_ = 0;
  double started_ = 0;
  ApplyCounts exported_;  // What Count() already added to the metrics.

  mutable std::mutex mu_;
  std::condition_variable cv_;
  SinkStats stats_;
  bool stopping_ = false;
  bool done_ = false;       // Loop() returned.
  double drain_until_ = 0;  // Unix seconds; while stopping, work goes on until then.
  std::thread thread_;
};

// `tincrawl check-config`: connects with `config`, checks the encoding, that unaccent is
// available and the schema version, without changing anything. *report gets a one-line summary
// ("schema tincrawl at version 1, 1234 articles, position ..."). The error statuses are those of
// PostgresSink::Open, plus Unavailable when the server cannot be reached.
Status CheckPostgres(const PostgresConfig& config, std::string* report);

}  // namespace tincrawl

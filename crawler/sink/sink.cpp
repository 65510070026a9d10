#include "crawler/sink/sink.h"

#include <chrono>
#include <random>

#include "crawler/sink/pg_schema.h"
#include "crawler/telemetry/log.h"
#include "extractors/dates.h"

namespace tincrawl {
namespace {

constexpr double kFirstBackoff = 0.5;

// fetched_at of a spool line, read from its fixed member `"fetched_at":"...Z"` (a string value
// cannot contain that byte sequence: its quotes are escaped). 0 when absent.
int64_t FetchedAt(const std::string& line) {
  constexpr std::string_view kKey = "\"fetched_at\":\"";
  const size_t at = line.find(kKey);
  if (at == std::string::npos) return 0;
  const size_t start = at + kKey.size();
  const size_t end = line.find('"', start);
  if (end == std::string::npos) return 0;
  return Rfc3339ToUnix(std::string_view(line).substr(start, end - start)).value_or(0);
}

void Add(ApplyCounts* into, const ApplyCounts& c) {
  into->inserted += c.inserted;
  into->updated += c.updated;
  into->skipped += c.skipped;
  into->rejected += c.rejected;
  into->lines += c.lines;
  into->commits += c.commits;
}

}  // namespace

PostgresSink::PostgresSink(SinkOptions options, Metrics* metrics)
    : options_(std::move(options)), metrics_(metrics), reader_(options_.spool_dir) {
  started_ = Now();
}

PostgresSink::~PostgresSink() { Stop(0); }

double PostgresSink::Now() const {
  if (options_.now) return options_.now();
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

Status PostgresSink::Connect() {
  std::unique_ptr<PgConn> conn;
  const PostgresConfig& pg = options_.postgres;
  if (Status s = PgConn::Connect(pg.dsn, options_.connect_timeout_seconds, &conn); !s.ok()) {
    Fail("connect", s);
    return s;
  }
  int from = 0;
  auto writer = std::make_unique<PgWriter>(conn.get(), pg.schema, options_.spool_dir);
  Status s = Migrate(conn.get(), pg.schema, &from);
  if (s.ok()) s = writer->Prepare();
  if (!s.ok()) {
    Fail("schema", s);
    return s;
  }
  if (from < LatestSchemaVersion()) {
    LogInfo("postgres sink: schema migrated", {{"schema", pg.schema},
                                               {"from", std::to_string(from)},
                                               {"to", std::to_string(LatestSchemaVersion())}});
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    conn_ = std::move(conn);
  }
  writer_ = std::move(writer);
  return Resume();
}

// Continues from the position committed in the database. When it is the one this process last
// committed, the lines already read stay; otherwise (first connection, a COMMIT whose answer was
// lost, another loader) the reader moves to it.
Status PostgresSink::Resume() {
  SinkPosition db;
  if (Status s = writer_->ReadPosition(&db); !s.ok()) {
    Fail("query", s);
    return s;
  }
  SinkPosition committed = stats().committed;
  if (!seeked_ || !(db == committed)) {
    std::string note;
    if (Status s = reader_.Seek(db.pos, db.file, &note); !s.ok()) {
      Fail("spool", s);
      return s;
    }
    if (!note.empty()) Fail("position", Status::Corruption(note));
    pending_.clear();
    oldest_pending_ = 0;
    seeked_ = true;
    std::lock_guard<std::mutex> lock(mu_);
    stats_.committed = db;
  }
  std::lock_guard<std::mutex> lock(mu_);
  stats_.connected = true;
  LogInfo("postgres sink: connected", {{"dsn", RedactDsn(options_.postgres.dsn)},
                                       {"schema", options_.postgres.schema},
                                       {"file", db.known ? db.file : "(start)"},
                                       {"offset", std::to_string(db.pos.offset)}});
  return Status::Ok();
}

void PostgresSink::Fail(const char* reason, const Status& status) {
  if (metrics_ != nullptr) {
    if (prometheus::Counter* c = metrics_->SinkErrors(reason)) c->Increment();
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++stats_.errors;
    stats_.last_error = status.message();
  }
  Log::Limited(LogLevel::kWarn, std::string("sink:") + reason, "postgres sink failed",
               {{"reason", reason}, {"error", status.message()}});
}

// Adds the lines committed since the last call to the metrics.
void PostgresSink::Count(const ApplyCounts& now) {
  if (metrics_ != nullptr) {
    metrics_->SinkRows("insert")->Increment(static_cast<double>(now.inserted - exported_.inserted));
    metrics_->SinkRows("update")->Increment(static_cast<double>(now.updated - exported_.updated));
    metrics_->SinkRows("skip")->Increment(static_cast<double>(now.skipped - exported_.skipped));
    metrics_->SinkRows("reject")->Increment(static_cast<double>(now.rejected - exported_.rejected));
  }
  exported_ = now;
}

PostgresSink::StepResult PostgresSink::Step() {
  if (seeked_ && pending_.empty()) {
    const SpoolPosition limit = options_.durable_end ? options_.durable_end() : kSpoolEnd;
    if (Status s = reader_.Read(static_cast<size_t>(options_.postgres.batch), limit, &pending_);
        !s.ok()) {
      Fail("spool", s);
      return StepResult::kFailed;
    }
    oldest_pending_ = pending_.empty() ? 0 : FetchedAt(pending_.front().text);
    std::lock_guard<std::mutex> lock(mu_);
    stats_.caught_up = pending_.empty();
    if (pending_.empty()) return StepResult::kIdle;
  }
  if (writer_ == nullptr || !conn_->ok()) {
    return Connect().ok() ? StepResult::kWorked : StepResult::kFailed;
  }
  SinkPosition at = stats().committed;
  ApplyCounts counts;
  std::vector<RejectedLine> rejects;
  Status s = writer_->Apply(&at, pending_, &counts, &rejects);
  for (const RejectedLine& r : rejects) {
    Fail("rejected",
         Status::InvalidArgument(r.file + " at byte " + std::to_string(r.offset) + ": " + r.error));
  }
  std::erase_if(pending_, [&](const SpoolLine& l) {
    return l.file == at.file && l.end.seq == at.pos.seq && l.end.offset <= at.pos.offset;
  });
  oldest_pending_ = pending_.empty() ? 0 : FetchedAt(pending_.front().text);
  {
    std::lock_guard<std::mutex> lock(mu_);
    stats_.committed = at;
    Add(&stats_.counts, counts);
    Count(stats_.counts);
  }
  if (s.ok()) return StepResult::kWorked;
  Fail(s.code() == Status::Code::kBusy ? "position" : "query", s);
  std::lock_guard<std::mutex> lock(mu_);
  writer_.reset();
  conn_.reset();
  stats_.connected = false;
  return StepResult::kFailed;
}

void PostgresSink::UpdateLag() {
  if (metrics_ == nullptr) return;
  double lag = 0;
  if (!seeked_) {
    lag = Now() - started_;  // Never reached the database: nothing is known to be loaded.
  } else if (oldest_pending_ > 0) {
    lag = std::max(0.0, Now() - static_cast<double>(oldest_pending_));
  }
  metrics_->sink_lag->Set(lag);
}

double PostgresSink::NextBackoff() {
  backoff_ =
      backoff_ == 0 ? kFirstBackoff : std::min(backoff_ * 2, options_.postgres.max_backoff_seconds);
  static thread_local std::minstd_rand rng(std::random_device{}());
  return backoff_ * std::uniform_real_distribution<double>(0.8, 1.2)(rng);
}

bool PostgresSink::WaitFor(double seconds) {
  using Clock = std::chrono::steady_clock;
  const Clock::time_point until = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                                     std::chrono::duration<double>(seconds));
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_ && Clock::now() < until) {
    const Clock::duration slice =
        std::min<Clock::duration>(until - Clock::now(), std::chrono::seconds(1));
    cv_.wait_for(lock, slice, [this] { return stopping_; });
    lock.unlock();
    UpdateLag();  // The lag keeps growing while the server is away.
    lock.lock();
  }
  return !stopping_;
}

void PostgresSink::Loop() {
  for (;;) {
    const StepResult r = Step();
    UpdateLag();
    {
      std::lock_guard<std::mutex> lock(mu_);
      // Stopping: keep loading while it works and the drain time lasts.
      if (stopping_ && (r != StepResult::kWorked || Now() >= drain_until_)) break;
    }
    if (r == StepResult::kFailed) {
      WaitFor(NextBackoff());
      continue;
    }
    backoff_ = 0;
    if (r == StepResult::kIdle) WaitFor(options_.poll_seconds);
  }
  std::lock_guard<std::mutex> lock(mu_);
  done_ = true;
  cv_.notify_all();
}

Status PostgresSink::Open() {
  LogInfo("postgres sink: connecting",
          {{"dsn", RedactDsn(options_.postgres.dsn)}, {"from", options_.postgres.dsn_from}});
  Status s = Connect();
  if (s.ok()) return s;
  if (s.code() != Status::Code::kUnavailable) return Status::InvalidArgument(s.message());
  LogWarn(
      "postgres sink: PostgreSQL is not reachable; the crawl goes on, the spool keeps the "
      "backlog and the sink keeps trying",
      {{"error", s.message()}});
  std::lock_guard<std::mutex> lock(mu_);
  stats_.connected = false;
  return Status::Ok();
}

void PostgresSink::Start() {
  std::lock_guard<std::mutex> lock(mu_);
  if (thread_.joinable()) return;
  stopping_ = false;
  done_ = false;
  thread_ = std::thread([this] { Loop(); });
}

void PostgresSink::Stop(double drain_seconds) {
  std::unique_lock<std::mutex> lock(mu_);
  if (!thread_.joinable()) return;
  stopping_ = true;
  drain_until_ = Now() + drain_seconds;
  cv_.notify_all();
  // A statement still running well past the drain time is cancelled (a hung server).
  const auto grace = std::chrono::duration<double>(drain_seconds + 10);
  if (!cv_.wait_for(lock, grace, [this] { return done_; }) && conn_ != nullptr) conn_->Cancel();
  lock.unlock();
  thread_.join();
  const SinkStats st = stats();
  const std::string at = st.committed.file + " byte " + std::to_string(st.committed.pos.offset);
  if (st.caught_up) {
    LogInfo("postgres sink stopped, caught up", {{"position", at}});
  } else {
    LogWarn(
        "postgres sink stopped before loading every durable line; they wait in the spool "
        "for the next start",
        {{"position", at}, {"last_error", st.last_error}});
  }
}

Status PostgresSink::RunUntilCaughtUp(double seconds) {
  const double deadline = Now() + seconds;
  Status last = Status::Unavailable("no attempt");
  while (Now() <= deadline) {
    const StepResult r = Step();
    UpdateLag();
    if (r == StepResult::kIdle) return Status::Ok();
    if (r == StepResult::kFailed) {
      last = Status::Unavailable(stats().last_error);
      std::this_thread::sleep_for(std::chrono::duration<double>(NextBackoff()));
    } else {
      backoff_ = 0;
    }
  }
  return last;
}

SinkStats PostgresSink::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

Status CheckPostgres(const PostgresConfig& config, std::string* report) {
  std::unique_ptr<PgConn> conn;
  if (Status s = PgConn::Connect(config.dsn, 5, &conn); !s.ok()) return s;
  return CheckDatabase(conn.get(), config.schema, report);
}

}  // namespace tincrawl

#include "crawler/output/spool.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <map>
#include <set>

#include "crawler/store/store.h"

namespace tincrawl {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kPrefix = "spool-";
constexpr std::string_view kSuffix = ".jsonl";

// "spool-20240501T080000Z-000012.jsonl" -> (seq 12, start time). False for other names.
bool ParseSpoolName(const std::string& name, uint64_t* seq, int64_t* started) {
  if (name.size() < kPrefix.size() + 16 + 1 + 1 + kSuffix.size() ||
      name.compare(0, kPrefix.size(), kPrefix) != 0 ||
      name.compare(name.size() - kSuffix.size(), kSuffix.size(), kSuffix) != 0) {
    return false;
  }
  std::tm tm{};
  const std::string stamp = name.substr(kPrefix.size(), 16);
  if (strptime(stamp.c_str(), "%Y%m%dT%H%M%SZ", &tm) == nullptr) return false;
  const size_t dash = kPrefix.size() + 16;
  if (name[dash] != '-') return false;
  const std::string digits = name.substr(dash + 1, name.size() - kSuffix.size() - dash - 1);
  if (digits.empty() || !std::all_of(digits.begin(), digits.end(), ::isdigit)) return false;
  *seq = std::stoull(digits);
  *started = static_cast<int64_t>(timegm(&tm));
  return true;
}

Status Errno(const std::string& what) {
  const int e = errno;
  std::string msg = what + ": " + std::strerror(e);
  if (e == ENOSPC || e == EDQUOT) return Status::NoSpace(std::move(msg));
  return Status::IoError(std::move(msg));
}

// Truncates a trailing partial line (no final '\n') left by a crash. Returns the new size.
Status TruncatePartialLine(int fd, const std::string& path, int64_t* size) {
  struct stat st {};
  if (fstat(fd, &st) != 0) return Errno("stat " + path);
  int64_t end = st.st_size;
  char buf[4096];
  while (end > 0) {
    const int64_t chunk = std::min<int64_t>(end, sizeof(buf));
    if (pread(fd, buf, chunk, end - chunk) != chunk) return Errno("read " + path);
    const char* nl = static_cast<const char*>(memrchr(buf, '\n', chunk));
    if (nl != nullptr) {
      end = end - chunk + (nl - buf) + 1;
      break;
    }
    end -= chunk;
  }
  if (end != st.st_size && ftruncate(fd, end) != 0) return Errno("truncate " + path);
  *size = end;
  return Status::Ok();
}

// (id, revision) pairs of the lines in `path`, read from each line's fixed prefix
// {"id":"<id>","revision":<n>,...
Status ScanIds(const std::string& path, std::set<std::pair<std::string, int>>* out) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return Status::Ok();
  char* line = nullptr;
  size_t cap = 0;
  ssize_t n;
  constexpr std::string_view kId = "{\"id\":\"";
  constexpr std::string_view kRev = "\",\"revision\":";
  while ((n = getline(&line, &cap, f)) > 0) {
    std::string_view l(line, static_cast<size_t>(n));
    if (l.substr(0, kId.size()) != kId) continue;
    l.remove_prefix(kId.size());
    const size_t q = l.find(kRev);
    if (q == std::string_view::npos) continue;
    out->emplace(std::string(l.substr(0, q)), std::atoi(l.data() + q + kRev.size()));
  }
  std::free(line);
  std::fclose(f);
  return Status::Ok();
}

}  // namespace

std::string_view SpoolErrorName(SpoolError error) {
  switch (error) {
    case SpoolError::kNoSpace:
      return "no_space";
    case SpoolError::kFileTooLarge:
      return "file_too_large";
    case SpoolError::kIoError:
      return "io_error";
    case SpoolError::kFsync:
      return "fsync";
    case SpoolError::kWalSync:
      return "wal_sync";
    case SpoolError::kMarkers:
      return "markers";
  }
  return "io_error";
}

bool ParseFsyncPolicy(std::string_view name, FsyncPolicy* policy) {
  if (name == "always") {
    *policy = FsyncPolicy::kAlways;
  } else if (name == "batch") {
    *policy = FsyncPolicy::kBatch;
  } else if (name == "never") {
    *policy = FsyncPolicy::kNever;
  } else {
    return false;
  }
  return true;
}

std::vector<std::string> Spool::ListFiles(const std::string& dir) {
  std::map<uint64_t, std::string> by_seq;
  std::error_code ec;
  for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator();
       it.increment(ec)) {
    uint64_t seq = 0;
    int64_t started = 0;
    const std::string name = it->path().filename().string();
    if (ParseSpoolName(name, &seq, &started)) by_seq[seq] = it->path().string();
  }
  std::vector<std::string> out;
  for (auto& [seq, path] : by_seq) out.push_back(std::move(path));
  return out;
}

uint64_t Spool::FileSeq(const std::string& path) {
  uint64_t seq = 0;
  int64_t started = 0;
  return ParseSpoolName(fs::path(path).filename().string(), &seq, &started) ? seq : 0;
}

Spool::Spool(SpoolOptions options, Store* store) : options_(std::move(options)), store_(store) {}

Spool::~Spool() {
  std::lock_guard<std::mutex> lock(mu_);
  static_cast<void>(CloseLocked());  // Nowhere to report; Close() first to see errors.
}

int64_t Spool::Now() const {
  if (options_.now) return options_.now();
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Status Spool::Open(const SpoolOptions& options, Store* store, std::unique_ptr<Spool>* spool) {
  std::error_code ec;
  fs::create_directories(options.dir, ec);
  if (ec) return Status::IoError("cannot create spool dir " + options.dir + ": " + ec.message());
  std::unique_ptr<Spool> s(new Spool(options, store));
  {
    std::lock_guard<std::mutex> lock(s->mu_);
    if (Status st = s->OpenLatest(); !st.ok()) return st;
  }
  if (store != nullptr) {
    if (Status st = s->Recover(); !st.ok()) return st;
  }
  *spool = std::move(s);
  return Status::Ok();
}

// Continues the newest file (after dropping a torn tail) unless it is due for rotation.
Status Spool::OpenLatest() {
  const std::vector<std::string> files = ListFiles(options_.dir);
  if (files.empty()) return OpenNew();
  uint64_t seq = 0;
  int64_t started = 0;
  ParseSpoolName(fs::path(files.back()).filename().string(), &seq, &started);
  next_seq_ = seq + 1;
  path_ = files.back();
  fd_ = ::open(path_.c_str(), O_RDWR | O_APPEND | O_CLOEXEC);
  if (fd_ < 0) return Errno("open " + path_);
  opened_at_ = started;
  if (Status st = TruncatePartialLine(fd_, path_, &size_); !st.ok()) return st;
  // What a crashed process wrote may still sit in the page cache: sync it before readers may
  // treat it as durable.
  if (options_.fsync == FsyncPolicy::kNever || ::fdatasync(fd_) == 0) durable_ = {seq, size_};
  return Status::Ok();
}

Status Spool::OpenNew() {
  const int64_t now = Now();
  const std::string stamp = UnixToRfc3339(now);  // 2024-05-01T08:00:00Z
  std::string compact;
  for (char c : stamp) {
    if (c != '-' && c != ':') compact += c;
  }
  char seq[32];
  std::snprintf(seq, sizeof(seq), "%06llu", static_cast<unsigned long long>(next_seq_));
  path_ =
      (fs::path(options_.dir) / (std::string(kPrefix) + compact + "-" + seq + std::string(kSuffix)))
          .string();
  fd_ = ::open(path_.c_str(), O_RDWR | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd_ < 0) return Errno("create " + path_);
  durable_ = {next_seq_, 0};  // The previous file was synced whole when it closed.
  ++next_seq_;
  size_ = 0;
  opened_at_ = now;
  // Make the new file's directory entry durable before lines are acknowledged into it.
  const int dir_fd = ::open(options_.dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    ::fsync(dir_fd);
    ::close(dir_fd);
  }
  return Status::Ok();
}

Status Spool::Recover() {
  std::vector<std::pair<std::string, std::string>> markers;  // (key, id)
  std::unique_ptr<rocksdb::Iterator> it(
      store_->db()->NewIterator(rocksdb::ReadOptions(), store_->cf(Cf::kMeta)));
  const std::string prefix(kEmitMarkerPrefix);
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    markers.emplace_back(it->key().ToString(), "");
  }
  if (Status st = FromRocks(it->status(), "scanning emit markers"); !st.ok()) return st;
  if (markers.empty()) return Status::Ok();
  std::set<std::pair<std::string, int>> present;
  std::lock_guard<std::mutex> lock(mu_);
  if (Status st = ScanIds(path_, &present); !st.ok()) return st;
  for (const auto& [key, unused] : markers) {
    std::string id;
    int revision = 0;
    ArticleRecord record;
    Status got = Status::NotFound("");
    if (ParseEmitMarkerKey(key, &id, &revision) && present.count({id, revision}) == 0) {
      got = GetArticle(*store_, id, &record);
      if (!got.ok() && got.code() != Status::Code::kNotFound) return got;
    }
    if (!got.ok() || record.revision != revision) {
      pending_markers_.push_back(key);  // Spooled already, or superseded by a later revision.
      continue;
    }
    ++reemitted_;
    if (Status st = AppendLocked(ArticleRecordToJson(record) + "\n", key); !st.ok()) return st;
  }
  return SyncLocked();
}

Status Spool::Emit(const ArticleRecord& record) {
  std::string line = ArticleRecordToJson(record);
  line.push_back('\n');
  std::lock_guard<std::mutex> lock(mu_);
  return AppendLocked(std::move(line), EmitMarkerKey(record.id, record.revision));
}

Status Spool::Retry() {
  std::lock_guard<std::mutex> lock(mu_);
  return DrainLocked();
}

// Queues the line behind any kept by earlier errors (order is kept), then writes what it can.
Status Spool::AppendLocked(std::string line, std::string marker) {
  unwritten_.push_back({std::move(line), std::move(marker)});
  return DrainLocked();
}

Status Spool::DrainLocked() {
  if (unwritten_.empty()) return Status::Ok();
  if (Status st = SyncStoreWalLocked(); !st.ok()) return st;
  while (!unwritten_.empty()) {
    Line& l = unwritten_.front();
    if (Status st = WriteLocked(l.text); !st.ok()) return st;
    pending_markers_.push_back(std::move(l.marker));
    unwritten_.pop_front();
    ++lines_written_;
    if (unsynced_lines_++ == 0) first_unsynced_at_ = Now();
  }
  switch (options_.fsync) {
    case FsyncPolicy::kAlways:
      return SyncLocked();
    case FsyncPolicy::kBatch:
      if (unsynced_lines_ >= options_.batch_lines ||
          Now() - first_unsynced_at_ >= options_.batch_seconds) {
        return SyncLocked();
      }
      return Status::Ok();
    case FsyncPolicy::kNever:
      unsynced_lines_ = 0;
      durable_ = {next_seq_ - 1, size_};
      return ClearMarkersLocked();
  }
  return Status::Ok();
}

// A line must not reach the disk before the store commit it reports: with sync_wal off that
// commit may sit in the WAL's page cache, and a power cut would undo it but keep the line.
Status Spool::SyncStoreWalLocked() {
  if (store_ == nullptr || options_.fsync == FsyncPolicy::kNever) return Status::Ok();
  if (store_->needs_resume()) {
    return Fail(SpoolError::kWalSync, Status::IoError("spool: the store has a write error"));
  }
  Status st = FromRocks(store_->db()->FlushWAL(/*sync=*/true), "spool: syncing the store WAL");
  if (st.ok()) return st;
  if (st.code() != Status::Code::kNoSpace) st = Status::IoError(st.message());
  return Fail(SpoolError::kWalSync, std::move(st));
}

// `line` appended at the end of the current file (rotating first when due). A torn write
// is truncated away, now or, if that fails too, before the next attempt.
Status Spool::WriteLocked(const std::string& line) {
  if (torn_) {  // Before a rotation could close the file with the torn tail in it.
    if (ftruncate(fd_, size_) != 0) return Fail(SpoolError::kIoError, Errno("truncate " + path_));
    torn_ = false;
  }
  if (Status st = MaybeRotateLocked(); !st.ok()) return st;  // Counted where it failed.
  // A short write is continued: the next write() names the cause (ENOSPC, EFBIG, EIO...).
  size_t done = 0;
  int e = 0;
  while (done < line.size() && e == 0) {
    errno = 0;
    const ssize_t n = options_.write ? options_.write(fd_, line.data() + done, line.size() - done)
                                     : ::write(fd_, line.data() + done, line.size() - done);
    if (n > 0) done += static_cast<size_t>(n);
    if (n < 0 && errno != EINTR) e = errno;
    if (n == 0) e = ENOSPC;
  }
  if (e == 0) {
    size_ += static_cast<int64_t>(done);
    return Status::Ok();
  }
  if (done > 0 && ftruncate(fd_, size_) != 0) torn_ = true;
  errno = e;
  Status st = Errno("spool: write " + path_);
  if (e == EFBIG) return Fail(SpoolError::kFileTooLarge, Status::NoSpace(st.message()));
  return Fail(e == ENOSPC || e == EDQUOT ? SpoolError::kNoSpace : SpoolError::kIoError,
              std::move(st));
}

Status Spool::Fail(SpoolError error, Status status) {
  ++errors_[static_cast<size_t>(error)];
  if (observer_) observer_(error);
  return status;
}

Status Spool::SyncLocked() {
  if (fd_ >= 0 && unsynced_lines_ > 0 && options_.fsync != FsyncPolicy::kNever) {
    if (::fdatasync(fd_) != 0) return Fail(SpoolError::kFsync, Errno("spool: fsync " + path_));
    ++sync_count_;
  }
  if (fd_ >= 0 && unsynced_lines_ > 0) durable_ = {next_seq_ - 1, size_};
  unsynced_lines_ = 0;
  return ClearMarkersLocked();
}

// One store write deletes every marker whose line is now durable. On failure the markers stay
// pending (retried at the next sync); recovery would find their lines in the newest file.
Status Spool::ClearMarkersLocked() {
  if (store_ == nullptr || pending_markers_.empty()) {
    pending_markers_.clear();
    return Status::Ok();
  }
  rocksdb::WriteBatch batch;
  for (const auto& key : pending_markers_) {
    batch.Delete(store_->cf(Cf::kMeta), key).PermitUncheckedError();
  }
  if (Status st = store_->Write(&batch); !st.ok()) return Fail(SpoolError::kMarkers, st);
  pending_markers_.clear();
  return Status::Ok();
}

Status Spool::MaybeRotateLocked() {
  const bool too_big = size_ > 0 && size_ >= options_.rotate_bytes;
  const bool too_old =
      size_ > 0 && options_.rotate_seconds > 0 && Now() - opened_at_ >= options_.rotate_seconds;
  if (fd_ >= 0 && !too_big && !too_old) return Status::Ok();
  if (fd_ >= 0) {
    // Markers must all be cleared, durably, before lines go to a new file (class comment):
    // recovery only scans the newest file.
    if (Status st = SyncLocked(); !st.ok()) return st;
    if (!pending_markers_.empty()) return Status::Ok();
    if (store_ != nullptr && options_.fsync != FsyncPolicy::kNever) {
      Status st = FromRocks(store_->db()->FlushWAL(true), "spool: syncing the store WAL");
      if (!st.ok()) return Fail(SpoolError::kWalSync, std::move(st));
    }
    if (Status st = CloseLocked(); !st.ok()) return Fail(SpoolError::kIoError, std::move(st));
  }
  Status st = OpenNew();
  if (st.ok()) return st;
  return Fail(st.code() == Status::Code::kNoSpace ? SpoolError::kNoSpace : SpoolError::kIoError,
              std::move(st));
}

Status Spool::Sync() {
  std::lock_guard<std::mutex> lock(mu_);
  return SyncLocked();
}

Status Spool::Tick() {
  std::lock_guard<std::mutex> lock(mu_);
  // Lines already written are synced even while later ones wait for space.
  Status drained = DrainLocked();
  if (unsynced_lines_ > 0 && Now() - first_unsynced_at_ >= options_.batch_seconds) {
    if (Status st = SyncLocked(); !st.ok()) return st;
  }
  if (!drained.ok()) return drained;
  if (size_ > 0 && options_.rotate_seconds > 0 && Now() - opened_at_ >= options_.rotate_seconds) {
    return MaybeRotateLocked();
  }
  return Status::Ok();
}

Status Spool::CloseLocked() {
  if (fd_ < 0) return Status::Ok();
  Status st = SyncLocked();
  if (options_.fsync != FsyncPolicy::kNever && ::fdatasync(fd_) != 0 && st.ok()) {
    st = Errno("fsync " + path_);
  }
  if (::close(fd_) != 0 && st.ok()) st = Errno("close " + path_);
  fd_ = -1;
  return st;
}

Status Spool::Close() {
  std::lock_guard<std::mutex> lock(mu_);
  // Lines still unwritten are not lost: their markers make the next Open re-emit them.
  Status drained = DrainLocked();
  Status closed = CloseLocked();
  return drained.ok() ? closed : drained;
}

SpoolPosition Spool::durable_end() const {
  std::lock_guard<std::mutex> lock(mu_);
  return durable_;
}

std::string Spool::current_file() const {
  std::lock_guard<std::mutex> lock(mu_);
  return path_;
}

int64_t Spool::sync_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return sync_count_;
}

int64_t Spool::lines_written() const {
  std::lock_guard<std::mutex> lock(mu_);
  return lines_written_;
}

size_t Spool::unwritten_lines() const {
  std::lock_guard<std::mutex> lock(mu_);
  return unwritten_.size();
}

int64_t Spool::errors(SpoolError error) const {
  std::lock_guard<std::mutex> lock(mu_);
  return errors_[static_cast<size_t>(error)];
}

void Spool::SetErrorObserver(std::function<void(SpoolError)> observer) {
  std::lock_guard<std::mutex> lock(mu_);
  observer_ = std::move(observer);
}

int64_t Spool::reemitted() const {
  std::lock_guard<std::mutex> lock(mu_);
  return reemitted_;
}

}  // namespace tincrawl

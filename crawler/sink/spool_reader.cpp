#include "crawler/sink/spool_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace tincrawl {
namespace {

namespace fs = std::filesystem;

constexpr int64_t kChunk = 4 << 20;

Status Errno(const std::string& what) {
  return Status::IoError(what + ": " + std::strerror(errno));
}

std::string Name(const std::string& path) { return fs::path(path).filename().string(); }

}  // namespace

SpoolReader::SpoolReader(std::string dir) : dir_(std::move(dir)) {}

SpoolReader::~SpoolReader() {
  if (fd_ >= 0) ::close(fd_);
}

Status SpoolReader::OpenFile(uint64_t seq, const std::string& path) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) return Errno("sink: open " + path);
  file_ = Name(path);
  pos_ = {seq, 0};
  return Status::Ok();
}

bool SpoolReader::NextFile(uint64_t seq, uint64_t limit) {
  for (const std::string& path : Spool::ListFiles(dir_)) {
    const uint64_t s = Spool::FileSeq(path);
    if (s > seq && s <= limit) return OpenFile(s, path).ok();
  }
  return false;
}

Status SpoolReader::Seek(const SpoolPosition& pos, const std::string& file, std::string* note) {
  note->clear();
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  file_.clear();
  pos_ = {0, 0};
  if (file.empty()) return Status::Ok();  // Read() starts at the oldest file.
  const std::string path = (fs::path(dir_) / file).string();
  if (Spool::FileSeq(path) != pos.seq || !fs::exists(path)) {
    pos_ = {pos.seq, 0};
    if (NextFile(pos.seq, kSpoolEnd.seq)) {
      *note = "spool file " + file + " is gone; lines after its loaded part are not loaded, " +
              "continuing with " + file_;
      return Status::Ok();
    }
    *note = "spool file " + file + " is gone and no later file exists; the spool was replaced, " +
            "loading it from its oldest file";
    pos_ = {0, 0};
    return Status::Ok();
  }
  if (Status s = OpenFile(pos.seq, path); !s.ok()) return s;
  struct stat st {};
  if (fstat(fd_, &st) != 0) return Errno("sink: stat " + path);
  int64_t offset = pos.offset;
  if (offset > st.st_size) {
    *note = "spool file " + file + " is shorter than the loaded position (a power cut with " +
            "output.fsync: never?); continuing at its end";
    offset = st.st_size;
  }
  char last = '\n';
  if (offset > 0 && pread(fd_, &last, 1, offset - 1) != 1) return Errno("sink: read " + path);
  if (last != '\n') {
    std::string unused;
    if (Status s = Seek({0, 0}, "", &unused); !s.ok()) return s;
    *note = "the loaded position in " + file + " is not at the end of a line; the spool was " +
            "rewritten, loading it from its oldest file";
    return Status::Ok();
  }
  pos_.offset = offset;
  return Status::Ok();
}

Status SpoolReader::Read(size_t max_lines, const SpoolPosition& limit,
                         std::vector<SpoolLine>* out) {
  if (fd_ < 0 && !NextFile(pos_.seq, limit.seq)) return Status::Ok();
  for (;;) {
    if (pos_.seq > limit.seq) return Status::Ok();
    struct stat st {};
    if (fstat(fd_, &st) != 0) return Errno("sink: stat " + file_);
    int64_t end = st.st_size;
    if (pos_.seq == limit.seq) end = std::min<int64_t>(end, limit.offset);
    // Complete when a newer file exists within the limit: nothing is appended to this one.
    const std::vector<std::string> files = Spool::ListFiles(dir_);
    bool newer = false;
    for (const auto& f : files) newer = newer || (Spool::FileSeq(f) > pos_.seq);
    const bool complete = newer && pos_.seq < limit.seq;
    if (pos_.offset < end) return ReadLines(end, complete, max_lines, out);
    if (!complete || !NextFile(pos_.seq, limit.seq)) return Status::Ok();
  }
}

Status SpoolReader::ReadLines(int64_t end, bool complete, size_t max_lines,
                              std::vector<SpoolLine>* out) {
  std::string buf;
  int64_t at = pos_.offset;
  size_t scanned = 0;  // Bytes of buf already searched for a newline.
  size_t from = 0;     // Start of the current line in buf.
  while (out->size() < max_lines && at + static_cast<int64_t>(from) < end) {
    const size_t nl = buf.find('\n', scanned);
    if (nl == std::string::npos) {
      const int64_t have = at + static_cast<int64_t>(buf.size());
      if (have >= end) break;
      const size_t n = static_cast<size_t>(std::min<int64_t>(kChunk, end - have));
      const size_t old = buf.size();
      buf.resize(old + n);
      const ssize_t got = pread(fd_, buf.data() + old, n, have);
      if (got < 0) return Errno("sink: read " + file_);
      buf.resize(old + static_cast<size_t>(got));
      scanned = old;
      if (got == 0) break;
      continue;
    }
    SpoolLine& line = out->emplace_back();
    line.text.assign(buf, from, nl - from);
    line.file = file_;
    line.start = {pos_.seq, at + static_cast<int64_t>(from)};
    line.end = {pos_.seq, at + static_cast<int64_t>(nl) + 1};
    from = scanned = nl + 1;
  }
  if (complete && out->size() < max_lines && from < buf.size() &&
      at + static_cast<int64_t>(buf.size()) == end) {
    SpoolLine& line = out->emplace_back();  // A complete file's tail without a newline.
    line.text.assign(buf, from, std::string::npos);
    line.file = file_;
    line.start = {pos_.seq, at + static_cast<int64_t>(from)};
    line.end = {pos_.seq, end};
    line.torn = true;
    from = buf.size();
  }
  pos_.offset = at + static_cast<int64_t>(from);
  return Status::Ok();
}

}  // namespace tincrawl

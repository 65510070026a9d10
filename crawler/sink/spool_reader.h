#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "crawler/common/status.h"
#include "crawler/output/spool.h"

namespace tincrawl {

// One line read from the spool, without its newline.
struct SpoolLine {
  std::string text;
  std::string file;     // The spool file's name (no directory).
  SpoolPosition start;  // Where the line begins ...
  SpoolPosition end;    // ... and just past its newline.
  bool torn = false;    // A complete older file ended without a newline: this is its tail.
};

// No limit: everything already in the files counts (tools, benchmarks: no daemon writes).
inline constexpr SpoolPosition kSpoolEnd = {std::numeric_limits<uint64_t>::max(),
                                            std::numeric_limits<int64_t>::max()};

// Tails the spool files of one directory ("spool-...-<seq>.jsonl", crawler/output/spool.h) from
// a position, handing out whole lines only and never reading past a limit (the spool's durable
// end). Files are read in sequence order; a file is complete once a newer one exists, since the
// spool only ever appends to its newest file. Not thread-safe.
class SpoolReader {
 public:
  explicit SpoolReader(std::string dir);
  ~SpoolReader();
  SpoolReader(const SpoolReader&) = delete;
  SpoolReader& operator=(const SpoolReader&) = delete;

  // Resumes after `pos` in the file named `file` (empty: from the oldest file). When the spool
  // does not match the position (the file is gone, shorter, or the bytes before the position do
  // not end a line), the reader moves to the nearest sane place and *note says what happened and
  // what it means for the lines concerned; *note stays empty otherwise.
  Status Seek(const SpoolPosition& pos, const std::string& file, std::string* note);

  // Appends up to `max_lines` lines, all from one file, ending at or before `limit`, and
  // advances past them. Returns Ok with nothing appended when no whole line is available yet.
  Status Read(size_t max_lines, const SpoolPosition& limit, std::vector<SpoolLine>* out);

  SpoolPosition position() const { return pos_; }
  const std::string& file() const { return file_; }  // Current file name ("" before any).

 private:
  Status OpenFile(uint64_t seq, const std::string& path);
  // Moves to the oldest file with a sequence number above `seq` (and not above `limit`);
  // false when there is none.
  bool NextFile(uint64_t seq, uint64_t limit);
  Status ReadLines(int64_t end, bool complete, size_t max_lines, std::vector<SpoolLine>* out);

  std::string dir_;
  int fd_ = -1;
  std::string file_;
  SpoolPosition pos_;
};

}  // namespace tincrawl

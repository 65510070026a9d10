#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "crawler/common/status.h"
#include "crawler/sink/pg_conn.h"
#include "crawler/sink/spool_reader.h"
#include "crawler/store/article_record.h"

namespace tincrawl {

// The spool position committed in the database: every line before it is loaded.
struct SinkPosition {
  bool known = false;  // False: nothing was ever committed for this spool.
  std::string file;    // The spool file's name.
  SpoolPosition pos;
  bool operator==(const SinkPosition&) const = default;
};

// What a commit did with its lines (the `op` label of tincrawl_sink_rows_total).
struct ApplyCounts {
  int64_t inserted = 0;  // New article rows.
  int64_t updated = 0;   // Rows moved to a newer revision, in place.
  int64_t skipped = 0;   // Lines whose revision the row already had (a backfill loaded it).
  int64_t rejected = 0;  // Lines that are no article or that the database refused.
  int64_t lines = 0;
  int64_t commits = 0;
};

// A line that could not be loaded, kept in <schema>.rejected_lines.
struct RejectedLine {
  std::string file;
  int64_t offset;
  std::string error;
};

// Loads spool lines into PostgreSQL. Every commit holds the rows of a run of consecutive lines
// and the spool position just past them, so after any crash (of tincrawl, of the server, or of
// the connection during COMMIT) the committed position says exactly which lines are in.
// Requires a migrated schema (pg_schema.h). Uses one connection from one thread.
class PgWriter {
 public:
  // `spool` names the spool in <schema>.spool_position (its directory).
  PgWriter(PgConn* conn, std::string schema, std::string spool);

  // Creates this session's staging tables. Call once per connection.
  Status Prepare();
  // Reads the committed position.
  Status ReadPosition(SinkPosition* out);

  // Applies `lines` (consecutive lines of one file, the first starting at `from->pos`) and
  // moves the position past the last one, in one transaction; *from follows every commit, also
  // when a later one fails. Busy (nothing applied) when the committed position is not *from. When
  // the server refuses the data, the run is split until the refused lines are alone; each is then
  // recorded in rejected_lines (and in *rejects) and skipped, in the transaction that moves the
  // position past it. Lines that are no article (ParseSpoolLine fails, torn tails) are rejected the
  // same way. *counts adds up what was committed, also when a later part of the run fails.
  Status Apply(SinkPosition* from, const std::vector<SpoolLine>& lines, ApplyCounts* counts,
               std::vector<RejectedLine>* rejects);

 private:
  struct Parsed;
  Status ApplyRange(const std::vector<SpoolLine>& lines, std::vector<Parsed>& parsed, size_t begin,
                    size_t end, SinkPosition* from, ApplyCounts* counts,
                    std::vector<RejectedLine>* rejects);
  Status Commit(const std::vector<SpoolLine>& lines, std::vector<Parsed>& parsed, size_t begin,
                size_t end, const std::string& reject, const SinkPosition& from, ApplyCounts* done);
  Status CheckPosition(const SinkPosition& expected);
  Status LoadRows(const std::vector<SpoolLine>& lines, std::vector<Parsed>& parsed, size_t begin,
                  size_t end, ApplyCounts* done);
  Status Reject(const SpoolLine& line, const std::string& error);
  Status MovePosition(const SpoolLine& last, const ApplyCounts& done);

  PgConn* conn_;
  std::string schema_;  // Quoted.
  std::string spool_;
};

}  // namespace tincrawl

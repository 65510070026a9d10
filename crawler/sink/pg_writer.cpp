#include "crawler/sink/pg_writer.h"

#include <cstdlib>

#include "crawler/sink/copy_rows.h"

namespace tincrawl {

struct PgWriter::Parsed {
  bool done = false;  // Parsed yet (lines are parsed as their COPY rows are sent).
  bool ok = false;
  ArticleRecord record;
  std::string error;
};

namespace {

constexpr size_t kRowsPerCopyChunk = 25;

void ParseLine(const SpoolLine& line, ArticleRecord* record, bool* ok, std::string* error) {
  if (line.torn) {
    *ok = false;
    *error = "the file ends in a partial line";
  } else {
    *ok = ParseSpoolLine(line.text, record, error);
  }
}

}  // namespace

PgWriter::PgWriter(PgConn* conn, std::string schema, std::string spool)
    : conn_(conn), schema_(QuoteIdent(schema)), spool_(std::move(spool)) {}

Status PgWriter::Prepare() {
  return conn_->Exec("SELECT " + schema_ + ".prepare_staging()", PGRES_TUPLES_OK);
}

Status PgWriter::ReadPosition(SinkPosition* out) {
  PgResultPtr rows;
  Status s = conn_->ExecParams(
      "SELECT file, seq, byte_offset FROM " + schema_ + ".spool_position WHERE spool = $1",
      {spool_}, PGRES_TUPLES_OK, &rows);
  if (!s.ok()) return s;
  *out = SinkPosition();
  if (PQntuples(rows.get()) == 0) return Status::Ok();
  out->known = true;
  out->file = PQgetvalue(rows.get(), 0, 0);
  out->pos.seq = std::strtoull(PQgetvalue(rows.get(), 0, 1), nullptr, 10);
  out->pos.offset = std::strtoll(PQgetvalue(rows.get(), 0, 2), nullptr, 10);
  return Status::Ok();
}

// Under a transaction-scoped lock on this spool's position, so two loaders of one spool cannot
// both commit from the same place.
Status PgWriter::CheckPosition(const SinkPosition& expected) {
  PgResultPtr rows;
  Status s = conn_->ExecParams(
      "SELECT p.file, p.seq, p.byte_offset FROM (SELECT "
      "pg_advisory_xact_lock(hashtext('tincrawl spool ' || $1))) l "
      "LEFT JOIN " +
          schema_ + ".spool_position p ON p.spool = $1",
      {spool_}, PGRES_TUPLES_OK, &rows);
  if (!s.ok()) return s;
  SinkPosition now;
  if (!PQgetisnull(rows.get(), 0, 0)) {
    now.known = true;
    now.file = PQgetvalue(rows.get(), 0, 0);
    now.pos.seq = std::strtoull(PQgetvalue(rows.get(), 0, 1), nullptr, 10);
    now.pos.offset = std::strtoll(PQgetvalue(rows.get(), 0, 2), nullptr, 10);
  }
  if (now == expected) return Status::Ok();
  return Status::Busy("the spool position in the database moved (another tincrawl loading " +
                      spool_ + "?); resuming from the committed position");
}

// The rows go to the server in chunks as they are parsed and built, so the server reads and
// stores one chunk while the next is prepared here.
Status PgWriter::LoadRows(const std::vector<SpoolLine>& lines, std::vector<Parsed>& parsed,
                          size_t begin, size_t end, ApplyCounts* done) {
  size_t next = begin;
  const auto chunk = [&](std::string* data) {
    for (size_t n = 0; next < end && n < kRowsPerCopyChunk; ++next) {
      Parsed& p = parsed[next];
      if (!p.done) {
        ParseLine(lines[next], &p.record, &p.ok, &p.error);
        p.done = true;
      }
      if (!p.ok) continue;
      AppendCopyRow(p.record, static_cast<int>(next), data);
      ++n;
    }
    return !data->empty();
  };
  if (Status s = conn_->CopyIn("COPY pg_temp.tincrawl_staging FROM STDIN", chunk); !s.ok()) {
    return s;
  }
  PgResultPtr rows;
  Status s = conn_->Exec("SELECT inserted, updated, skipped FROM " + schema_ + ".apply_batch()",
                         PGRES_TUPLES_OK, &rows);
  if (!s.ok()) return s;
  done->inserted += std::strtoll(PQgetvalue(rows.get(), 0, 0), nullptr, 10);
  done->updated += std::strtoll(PQgetvalue(rows.get(), 0, 1), nullptr, 10);
  done->skipped += std::strtoll(PQgetvalue(rows.get(), 0, 2), nullptr, 10);
  return Status::Ok();
}

Status PgWriter::Reject(const SpoolLine& line, const std::string& error) {
  return conn_->ExecParams("INSERT INTO " + schema_ +
                               ".rejected_lines (spool, file, byte_offset, line, error) VALUES "
                               "($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
                           {spool_, line.file, std::to_string(line.start.offset), line.text, error},
                           PGRES_COMMAND_OK, nullptr, {false, false, false, true, false});
}

Status PgWriter::MovePosition(const SpoolLine& last, const ApplyCounts& done) {
  return conn_->ExecParams(
      "INSERT INTO " + schema_ +
          ".spool_position AS p (spool, file, seq, byte_offset, lines, inserted, updated, "
          "skipped, rejected) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (spool) DO "
          "UPDATE SET file = excluded.file, seq = excluded.seq, byte_offset = "
          "excluded.byte_offset, lines = p.lines + excluded.lines, inserted = p.inserted + "
          "excluded.inserted, updated = p.updated + excluded.updated, skipped = p.skipped + "
          "excluded.skipped, rejected = p.rejected + excluded.rejected, updated_at = now()",
      {spool_, last.file, std::to_string(last.end.seq), std::to_string(last.end.offset),
       std::to_string(done.lines), std::to_string(done.inserted), std::to_string(done.updated),
       std::to_string(done.skipped), std::to_string(done.rejected)},
      PGRES_COMMAND_OK);
}

// One transaction: lines [begin, end) loaded (or, with a non-empty `reject`, all recorded as
// rejected for that reason) and the position moved past them.
Status PgWriter::Commit(const std::vector<SpoolLine>& lines, std::vector<Parsed>& parsed,
                        size_t begin, size_t end, const std::string& reject,
                        const SinkPosition& from, ApplyCounts* done) {
  Status s = conn_->Exec("BEGIN", PGRES_COMMAND_OK);
  if (s.ok()) s = CheckPosition(from);
  if (s.ok() && reject.empty()) s = LoadRows(lines, parsed, begin, end, done);
  for (size_t i = begin; s.ok() && i < end; ++i) {
    if (reject.empty() && parsed[i].ok) continue;
    s = Reject(lines[i], reject.empty() ? parsed[i].error : reject);
    ++done->rejected;
  }
  done->lines = static_cast<int64_t>(end - begin);
  if (s.ok()) s = MovePosition(lines[end - 1], *done);
  if (s.ok()) s = conn_->Exec("COMMIT", PGRES_COMMAND_OK);
  if (!s.ok() && conn_->ok()) {
    const PgFailure cause = conn_->last_failure();
    (void)conn_->Exec("ROLLBACK", PGRES_COMMAND_OK);
    conn_->set_last_failure(cause);
  }
  return s;
}

Status PgWriter::ApplyRange(const std::vector<SpoolLine>& lines, std::vector<Parsed>& parsed,
                            size_t begin, size_t end, SinkPosition* from, ApplyCounts* counts,
                            std::vector<RejectedLine>* rejects) {
  ApplyCounts done;
  Status s = Commit(lines, parsed, begin, end, "", *from, &done);
  if (!s.ok() && conn_->last_failure() == PgFailure::kData) {
    if (end - begin > 1) {  // Find the refused lines: each half commits on its own.
      const size_t mid = begin + (end - begin) / 2;
      s = ApplyRange(lines, parsed, begin, mid, from, counts, rejects);
      if (s.ok()) s = ApplyRange(lines, parsed, mid, end, from, counts, rejects);
      return s;
    }
    const std::string why = s.message();
    done = ApplyCounts();
    s = Commit(lines, parsed, begin, end, why, *from, &done);
    if (s.ok()) rejects->push_back({lines[begin].file, lines[begin].start.offset, why});
  } else if (s.ok()) {
    for (size_t i = begin; i < end; ++i) {
      if (!parsed[i].ok)
        rejects->push_back({lines[i].file, lines[i].start.offset, parsed[i].error});
    }
  }
  if (!s.ok()) return s;
  counts->inserted += done.inserted;
  counts->updated += done.updated;
  counts->skipped += done.skipped;
  counts->rejected += done.rejected;
  counts->lines += done.lines;
  ++counts->commits;
  *from = {true, lines[end - 1].file, lines[end - 1].end};
  return Status::Ok();
}

Status PgWriter::Apply(SinkPosition* from, const std::vector<SpoolLine>& lines, ApplyCounts* counts,
                       std::vector<RejectedLine>* rejects) {
  if (lines.empty()) return Status::Ok();
  std::vector<Parsed> parsed(lines.size());  // Filled by LoadRows as the rows are sent.
  return ApplyRange(lines, parsed, 0, lines.size(), from, counts, rejects);
}

}  // namespace tincrawl

#include "crawler/sink/pg_conn.h"

#include <cstring>

namespace tincrawl {
namespace {

// Connection failures carry no SQLSTATE in libpq, so they are told apart by the server's
// message (these are the FATAL texts of PostgreSQL's authentication and startup code).
bool IsRefusal(const std::string& message) {
  for (const char* needle :
       {"password authentication failed", "no password supplied", "does not exist",
        "no pg_hba.conf entry", "permission denied", "authentication failed",
        "is not permitted to log in", "invalid connection option", "invalid sslmode",
        "missing \"=\"", "unterminated quoted string", "invalid URI", "invalid integer value"}) {
    if (message.find(needle) != std::string::npos) return true;
  }
  return false;
}

std::string Oneline(const char* text) {
  std::string s = text == nullptr ? "" : text;
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  for (char& c : s) {
    if (c == '\n') c = ' ';
  }
  return s;
}

// Removes every occurrence of `secret` from `text`.
std::string Scrub(std::string text, const std::string& secret) {
  if (secret.empty()) return text;
  for (size_t at = text.find(secret); at != std::string::npos; at = text.find(secret, at)) {
    text.replace(at, secret.size(), "***");
  }
  return text;
}

// The password in `dsn`, or "" (also for a DSN libpq cannot parse).
std::string PasswordOf(const std::string& dsn) {
  char* err = nullptr;
  PQconninfoOption* opts = PQconninfoParse(dsn.c_str(), &err);
  PQfreemem(err);
  std::string password;
  for (PQconninfoOption* o = opts; o != nullptr && o->keyword != nullptr; ++o) {
    if (std::strcmp(o->keyword, "password") == 0 && o->val != nullptr) password = o->val;
  }
  PQconninfoFree(opts);
  return password;
}

PgFailure Classify(PGresult* result) {
  const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  if (state == nullptr) return PgFailure::kLost;  // No server error: the connection failed.
  const std::string_view cls(state, 2);
  if (cls == "22" || cls == "23" || cls == "54") return PgFailure::kData;
  // Connection exceptions, operator intervention (shutdown, cancel), insufficient resources.
  if (cls == "08" || cls == "57" || cls == "53" || cls == "40") return PgFailure::kLost;
  return PgFailure::kQuery;
}

}  // namespace

std::string RedactDsn(const std::string& dsn) {
  char* err = nullptr;
  PQconninfoOption* opts = PQconninfoParse(dsn.c_str(), &err);
  PQfreemem(err);
  if (opts == nullptr) return "(unparsable connection string)";
  std::string out;
  for (PQconninfoOption* o = opts; o->keyword != nullptr; ++o) {
    if (o->val == nullptr || *o->val == '\0') continue;
    if (!out.empty()) out += ' ';
    out += o->keyword;
    out += '=';
    out += std::strcmp(o->keyword, "password") == 0 ? "***" : o->val;
  }
  PQconninfoFree(opts);
  return out;
}

PgConn::PgConn(PGconn* conn) : conn_(conn), cancel_(PQgetCancel(conn)) {}

PgConn::~PgConn() {
  if (cancel_ != nullptr) PQfreeCancel(cancel_);
}

Status PgConn::Connect(const std::string& dsn, int connect_timeout_seconds,
                       std::unique_ptr<PgConn>* out) {
  char* parse_error = nullptr;
  PQconninfoOption* parsed = PQconninfoParse(dsn.c_str(), &parse_error);
  if (parsed == nullptr) {
    std::string msg = Scrub(Oneline(parse_error), PasswordOf(dsn));
    PQfreemem(parse_error);
    return Status::InvalidArgument("invalid PostgreSQL connection string: " + msg);
  }
  PQconninfoFree(parsed);
  // Defaults first: keywords later in the list (the expanded dsn) override earlier ones.
  const std::string timeout = std::to_string(connect_timeout_seconds);
  const char* keys[] = {"application_name",
                        "connect_timeout",
                        "keepalives",
                        "keepalives_idle",
                        "keepalives_interval",
                        "keepalives_count",
                        "client_encoding",
                        "dbname",
                        nullptr};
  const char* values[] = {"tincrawl", timeout.c_str(), "1",         "30",   "10",
                          "3",        "UTF8",          dsn.c_str(), nullptr};
  std::unique_ptr<PGconn, PgConnDeleter> conn(PQconnectdbParams(keys, values, 1));
  if (conn == nullptr) return Status::Unavailable("PostgreSQL: out of memory");
  if (PQstatus(conn.get()) != CONNECTION_OK) {
    const std::string msg = Scrub(Oneline(PQerrorMessage(conn.get())), PasswordOf(dsn));
    if (IsRefusal(msg)) return Status::InvalidArgument("PostgreSQL refused the connection: " + msg);
    return Status::Unavailable("cannot connect to PostgreSQL: " + msg);
  }
  // Server notices ("extension ... already exists, skipping") are not errors: not printed.
  PQsetNoticeProcessor(
      conn.get(), [](void*, const char*) {}, nullptr);
  out->reset(new PgConn(conn.release()));
  return Status::Ok();
}

bool PgConn::ok() const { return PQstatus(conn_.get()) == CONNECTION_OK; }

void PgConn::Cancel() {
  char err[256];
  if (cancel_ != nullptr) PQcancel(cancel_, err, sizeof err);
}

Status PgConn::Fail(const std::string& what, PGresult* result) {
  failure_ = Classify(result);
  if (!ok()) failure_ = PgFailure::kLost;
  std::string msg = Oneline(result != nullptr ? PQresultErrorMessage(result) : "");
  if (msg.empty()) msg = Oneline(PQerrorMessage(conn_.get()));
  if (failure_ == PgFailure::kLost) return Status::Unavailable(what + ": " + msg);
  return Status::Internal(what + ": " + msg);
}

Status PgConn::Finish(PgResultPtr r, const std::string& sql, ExecStatusType expect,
                      PgResultPtr* rows) {
  if (!r || PQresultStatus(r.get()) != expect) {
    return Fail("PostgreSQL: " + sql.substr(0, sql.find_first_of("(\n")), r.get());
  }
  failure_ = PgFailure::kNone;
  if (rows != nullptr) *rows = std::move(r);
  return Status::Ok();
}

Status PgConn::Exec(const std::string& sql, ExecStatusType expect, PgResultPtr* rows) {
  return Finish(PgResultPtr(PQexec(conn_.get(), sql.c_str())), sql, expect, rows);
}

Status PgConn::ExecParams(const std::string& sql, const std::vector<std::string>& params,
                          ExecStatusType expect, PgResultPtr* rows,
                          const std::vector<bool>& binary) {
  std::vector<const char*> values;
  std::vector<int> lengths, formats;
  for (size_t i = 0; i < params.size(); ++i) {
    values.push_back(params[i].c_str());
    lengths.push_back(static_cast<int>(params[i].size()));
    formats.push_back(i < binary.size() && binary[i] ? 1 : 0);
  }
  PgResultPtr r(PQexecParams(conn_.get(), sql.c_str(), static_cast<int>(params.size()), nullptr,
                             values.data(), lengths.data(), formats.data(), 0));
  return Finish(std::move(r), sql, expect, rows);
}

Status PgConn::CopyIn(const std::string& copy_sql, std::string_view data) {
  constexpr size_t kChunk = 1 << 20;
  size_t at = 0;
  return CopyIn(copy_sql, [&](std::string* chunk) {
    if (at >= data.size()) return false;
    const size_t n = std::min(kChunk, data.size() - at);
    chunk->assign(data.substr(at, n));
    at += n;
    return true;
  });
}

Status PgConn::CopyIn(const std::string& copy_sql, const std::function<bool(std::string*)>& next) {
  if (Status s = Exec(copy_sql, PGRES_COPY_IN); !s.ok()) return s;
  int rc = 1;
  std::string chunk;
  while (rc == 1) {
    chunk.clear();
    if (!next(&chunk)) break;
    rc = PQputCopyData(conn_.get(), chunk.data(), static_cast<int>(chunk.size()));
  }
  if (rc == 1) rc = PQputCopyEnd(conn_.get(), nullptr);
  if (rc != 1) return Fail("PostgreSQL: COPY", nullptr);
  PgResultPtr r(PQgetResult(conn_.get()));
  Status s = Status::Ok();
  if (!r || PQresultStatus(r.get()) != PGRES_COMMAND_OK) s = Fail("PostgreSQL: COPY", r.get());
  while (PGresult* extra = PQgetResult(conn_.get())) PQclear(extra);
  if (s.ok()) failure_ = PgFailure::kNone;
  return s;
}

namespace {

// `text` between two `quote` characters, each quote inside doubled (SQL's only escape).
std::string Quoted(std::string_view text, char quote) {
  std::string out(1, quote);
  for (char c : text) {
    if (c == quote) out += quote;
    out += c;
  }
  return out + quote;
}

}  // namespace

std::string QuoteIdent(std::string_view name) { return Quoted(name, '"'); }

std::string QuoteLiteral(std::string_view text) { return Quoted(text, '\''); }

}  // namespace tincrawl

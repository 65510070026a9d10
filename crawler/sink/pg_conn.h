#pragma once

#include <libpq-fe.h>

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "crawler/common/status.h"

namespace tincrawl {

struct PgResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
struct PgConnDeleter {
  void operator()(PGconn* c) const { PQfinish(c); }
};
using PgResultPtr = std::unique_ptr<PGresult, PgResultDeleter>;

// `dsn` with its password replaced by "***" (conninfo "password=..." or a URI's user:pass@),
// for messages. A DSN libpq cannot parse comes back as "(unparsable connection string)".
std::string RedactDsn(const std::string& dsn);

// What kind of failure a libpq error is, for the retry policy and the error metric.
enum class PgFailure {
  kNone,
  kUnreachable,  // No server, refused, timed out, starting up or shutting down: retry later.
  kRefused,      // Bad credentials, no such database/role, no pg_hba entry: a config error.
  kLost,         // The connection broke during a statement: reconnect and resume.
  kData,         // The server rejected the data (SQLSTATE classes 22, 23, 54).
  kQuery,        // Any other statement error (permissions, schema, server limits).
};

// One libpq connection, used from one thread. Errors never contain the password.
class PgConn {
 public:
  // Connects with `dsn` (conninfo or URI). `application_name`, a connect timeout and TCP
  // keepalives are defaults the DSN may override. Unavailable for kUnreachable failures,
  // InvalidArgument for kRefused ones (and for a DSN libpq cannot parse).
  static Status Connect(const std::string& dsn, int connect_timeout_seconds,
                        std::unique_ptr<PgConn>* out);

  // Runs one or more statements without parameters; the last result must be `expect`
  // (PGRES_COMMAND_OK or PGRES_TUPLES_OK). `rows` (optional) receives that result.
  Status Exec(const std::string& sql, ExecStatusType expect, PgResultPtr* rows = nullptr);
  // Runs one statement with parameters ($1...), text unless `binary[i]` is true.
  Status ExecParams(const std::string& sql, const std::vector<std::string>& params,
                    ExecStatusType expect, PgResultPtr* rows = nullptr,
                    const std::vector<bool>& binary = {});
  // COPY ... FROM STDIN with `data` (COPY text format, whole lines).
  Status CopyIn(const std::string& copy_sql, std::string_view data);
  // The same with the data produced as it is sent: `next` appends a chunk to its (empty)
  // argument and returns false once there is no more.
  Status CopyIn(const std::string& copy_sql, const std::function<bool(std::string*)>& next);

  // How the last failed call failed.
  PgFailure last_failure() const { return failure_; }
  void set_last_failure(PgFailure failure) { failure_ = failure; }
  // True while the connection is usable (no broken socket).
  bool ok() const;
  // Asks the server to cancel the running statement; callable from any thread.
  void Cancel();
  PGconn* raw() { return conn_.get(); }
  ~PgConn();

 private:
  explicit PgConn(PGconn* conn);
  Status Fail(const std::string& what, PGresult* result);
  Status Finish(PgResultPtr result, const std::string& sql, ExecStatusType expect,
                PgResultPtr* rows);

  std::unique_ptr<PGconn, PgConnDeleter> conn_;
  PGcancel* cancel_ = nullptr;
  PgFailure failure_ = PgFailure::kNone;
};

// Quotes `name` as an SQL identifier ("name").
std::string QuoteIdent(std::string_view name);
// Quotes `text` as an SQL string literal ('...'), doubling quotes.
std::string QuoteLiteral(std::string_view text);

}  // namespace tincrawl

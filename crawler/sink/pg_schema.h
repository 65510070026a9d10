#pragma once

#include <string>
#include <vector>

#include "crawler/common/status.h"
#include "crawler/sink/pg_conn.h"

namespace tincrawl {

// One step of the sink's database schema. Steps are applied in version order, each in the
// transaction that records it in <schema>.schema_version, so a database is always at exactly
// one version. `{s}` in the SQL stands for the quoted schema name.
struct Migration {
  int version;
  const char* description;
  std::string sql;
};

const std::vector<Migration>& Migrations();
int LatestSchemaVersion();

// `migration.sql` for `schema`.
std::string MigrationSql(const Migration& migration, const std::string& schema);

// Brings `schema` up to LatestSchemaVersion: creates the unaccent extension (when missing) and
// the schema, then applies the missing steps in order, under an advisory lock so two daemons
// starting together do not race. *from gets the version found. InvalidArgument when the database
// is newer than this tincrawl, is not UTF8, or unaccent cannot be created (the message says what
// to do); Unavailable when the connection broke; Internal for other statement errors.
Status Migrate(PgConn* conn, const std::string& schema, int* from);

// Read-only checks for `tincrawl check-config`: UTF8 encoding, unaccent available, and the
// schema version not newer than this build. *report gets a one-line summary. Same error codes
// as Migrate.
Status CheckDatabase(PgConn* conn, const std::string& schema, std::string* report);

// The same migrations as a psql script (\gset and \if pick the missing steps), for
// `tincrawl export --format sql`.
std::string MigrationScript(const std::string& schema);

}  // namespace tincrawl

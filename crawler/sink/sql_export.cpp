#include "crawler/sink/sql_export.h"

#include "crawler/sink/copy_rows.h"
#include "crawler/sink/pg_conn.h"
#include "crawler/sink/pg_schema.h"

namespace tincrawl {
namespace {

constexpr int kRowsPerTransaction = 5000;

bool Put(const std::string& text, std::FILE* out) {
  return std::fwrite(text.data(), 1, text.size(), out) == text.size();
}

// Closes a COPY started by `begin` and applies its rows.
std::string EndChunk(const std::string& schema) {
  return "\\.\nSELECT * FROM " + QuoteIdent(schema) + ".apply_batch();\nCOMMIT;\n";
}

}  // namespace

Status WriteSqlExport(const Store& store, const std::string& schema,
                      const std::function<bool(const ArticleRecord&)>& keep, std::FILE* out) {
  const std::string begin = "BEGIN;\nSELECT " + QuoteIdent(schema) +
                            ".prepare_staging();\nCOPY pg_temp.tincrawl_staging FROM STDIN;\n";
  bool ok =
      Put("-- tincrawl export --format sql: load with psql -v ON_ERROR_STOP=1 -f FILE\n"
          "SET client_encoding = 'UTF8';\nSET client_min_messages = warning;\n" +
              MigrationScript(schema),
          out);
  int rows = 0;
  std::string row;
  Status s = ForEachArticle(store, [&](const ArticleRecord& r) {
    if (!keep(r)) return true;
    if (rows % kRowsPerTransaction == 0)
      ok = ok && Put((rows > 0 ? EndChunk(schema) : "") + begin, out);
    row.clear();
    AppendCopyRow(r, rows % kRowsPerTransaction, &row);
    ++rows;
    ok = ok && Put(row, out);
    return ok;
  });
  if (!s.ok()) return s;
  if (rows > 0) ok = ok && Put(EndChunk(schema), out);
  if (!ok || std::fflush(out) != 0) return Status::IoError("export: cannot write the SQL script");
  return Status::Ok();
}

}  // namespace tincrawl

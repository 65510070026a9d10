#pragma once

#include <cstdio>
#include <functional>
#include <string>

#include "crawler/common/status.h"
#include "crawler/store/article_record.h"

namespace tincrawl {

class Store;

// `tincrawl export --format sql`: writes a psql script that creates or upgrades `schema` (the
// migrations of pg_schema.h) and loads every stored article for which `keep` is true through
// the sink's own staging table and apply_batch(), in transactions of a few thousand rows. Load it
// with `psql -v ON_ERROR_STOP=1 -f FILE` (COPY ... FROM STDIN needs psql). Loading it again, or
// letting the sink replay the spool afterwards, changes nothing already there: a row only ever
// moves to a newer revision. The script sets no spool position; see docs/durability.md.
Status WriteSqlExport(const Store& store, const std::string& schema,
                      const std::function<bool(const ArticleRecord&)>& keep, std::FILE* out);

}  // namespace tincrawl

#pragma once

#include <string>
#include <string_view>

#include "crawler/store/article_record.h"

namespace tincrawl {

// Reads one spool line (ArticleRecordToJson, crawler/output/spool.h) back into a record:
// id, revision, site, url, fetched_at and first_seen are required, every other field is
// optional, and a field of the wrong type is an error. version_hash is not in the line and
// stays 0. Returns false with *error saying what is wrong.
bool ParseSpoolLine(std::string_view line, ArticleRecord* record, std::string* error);

// Appends one row in COPY text format (tab-separated, \N for NULL, backslash escapes, NUL
// bytes dropped) for `record` as line `line_no` of a batch, in the column order of the
// tincrawl_staging table (crawler/sink/pg_schema.cpp). Times go as UTC; a `published` or
// `modified` that is not RFC 3339 goes as NULL; hashes go as signed 64-bit integers.
void AppendCopyRow(const ArticleRecord& record, int line_no, std::string* out);

}  // namespace tincrawl

#include "crawler/sink/pg_schema.h"

#include <cstdio>
#include <cstdlib>

#include "crawler/sink/search_vector.h"

namespace tincrawl {
namespace {

// Version 1: the tables, the Vietnamese full-text column and the batch loader.
//
// Story membership lives in `sightings` (one row per article: the story it belongs to). Spool
// lines report each article's duplicate_of as the store knew it when that revision committed; a
// first publisher's line lists every copy it knows. apply_batch() replays a batch in spool order
// and resolves a copy's story through its first publisher's sighting, so a story that was
// re-rooted (an earlier publication found later) keeps all its copies.
constexpr const char* kV1Tables = R"sql(
CREATE TABLE {s}.sites (
  id text PRIMARY KEY,
  level text NOT NULL DEFAULT '',
  province text NOT NULL DEFAULT '',
  district text NOT NULL DEFAULT '',
  commune text NOT NULL DEFAULT '',
  merged_into text NOT NULL DEFAULT '',
  first_loaded timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE {s}.stories (
  id text PRIMARY KEY,
  site text,
  title text,
  published timestamptz,
  first_seen timestamptz);
COMMENT ON TABLE {s}.stories IS 'Syndication clusters; id is the first publisher''s article id.';
CREATE TABLE {s}.articles (
  id text PRIMARY KEY,
  site text NOT NULL REFERENCES {s}.sites (id),
  url text NOT NULL,
  canonical_url text NOT NULL,
  title text NOT NULL,
  published timestamptz,
  modified timestamptz,
  author text NOT NULL,
  posted_by text NOT NULL,
  source text NOT NULL,
  summary text NOT NULL,
  body text NOT NULL,
  body_html text NOT NULL,
  lang text NOT NULL,
  level text NOT NULL,
  province text NOT NULL,
  district text NOT NULL,
  commune text NOT NULL,
  merged_into text NOT NULL,
  content_hash bigint NOT NULL,
  simhash bigint NOT NULL,
  revision integer NOT NULL,
  first_seen timestamptz NOT NULL,
  fetched_at timestamptz NOT NULL,
  confidence real NOT NULL,
  images jsonb NOT NULL,
  attachments jsonb NOT NULL,
  loaded_at timestamptz NOT NULL DEFAULT now(),
  search tsvector GENERATED ALWAYS AS
    (to_tsvector('simple', {s}.fold(left(title || ' ' || body, 1000000)))) STORED);
-- lz4 compresses the long columns several times faster than the default pglz.
DO $do$ BEGIN
  ALTER TABLE {s}.articles ALTER body SET COMPRESSION lz4, ALTER body_html SET COMPRESSION lz4,
    ALTER search SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN NULL;  -- A server built without lz4.
END $do$;
CREATE INDEX articles_site_published ON {s}.articles (site, published DESC);
CREATE INDEX articles_site_fetched ON {s}.articles (site, fetched_at DESC);
CREATE INDEX articles_locality ON {s}.articles (province, district, commune, published DESC);
CREATE INDEX articles_published ON {s}.articles (published DESC);
CREATE INDEX articles_content_hash ON {s}.articles (content_hash);
CREATE INDEX articles_search ON {s}.articles USING gin (search);
CREATE TABLE {s}.sightings (
  article text PRIMARY KEY,
  story text NOT NULL REFERENCES {s}.stories (id),
  site text NOT NULL,
  url text NOT NULL,
  seen_at timestamptz NOT NULL);
CREATE INDEX sightings_story ON {s}.sightings (story);
CREATE INDEX sightings_site_seen ON {s}.sightings (site, seen_at DESC);
CREATE TABLE {s}.spool_position (
  spool text PRIMARY KEY,
  file text NOT NULL,
  seq bigint NOT NULL,
  byte_offset bigint NOT NULL,
  lines bigint NOT NULL DEFAULT 0,
  inserted bigint NOT NULL DEFAULT 0,
  updated bigint NOT NULL DEFAULT 0,
  skipped bigint NOT NULL DEFAULT 0,
  rejected bigint NOT NULL DEFAULT 0,
  updated_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE {s}.rejected_lines (
  spool text NOT NULL,
  file text NOT NULL,
  byte_offset bigint NOT NULL,
  line bytea NOT NULL,
  error text NOT NULL,
  rejected_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (spool, file, byte_offset));
CREATE FUNCTION {s}.search_query(q text) RETURNS tsquery LANGUAGE sql STABLE PARALLEL SAFE
  AS $fn$ SELECT websearch_to_tsquery('simple', {s}.fold(q)) $fn$;
)sql";

constexpr const char* kV1Staging = R"sql(
-- The staging tables of one session; COPY fills tincrawl_staging, apply_batch() drains it.
-- Column order = the COPY rows (crawler/sink/copy_rows.cpp).
CREATE FUNCTION {s}.prepare_staging() RETURNS void LANGUAGE plpgsql AS $fn$
BEGIN
  SET LOCAL client_min_messages = warning;
  CREATE TEMP TABLE IF NOT EXISTS tincrawl_staging (
    line_no integer NOT NULL, id text NOT NULL, revision integer NOT NULL, url text NOT NULL,
    canonical_url text NOT NULL, site text NOT NULL, level text NOT NULL, province text NOT NULL,
    district text NOT NULL, commune text NOT NULL, merged_into text NOT NULL, title text NOT NULL,
    published timestamptz, modified timestamptz, author text NOT NULL, posted_by text NOT NULL,
    source text NOT NULL, summary text NOT NULL, body text NOT NULL, body_html text NOT NULL,
    lang text NOT NULL, content_hash bigint NOT NULL, simhash bigint NOT NULL,
    fetched_at timestamptz NOT NULL, first_seen timestamptz NOT NULL, confidence real NOT NULL,
    images jsonb NOT NULL, attachments jsonb NOT NULL, duplicate_of text NOT NULL,
    sightings jsonb NOT NULL) ON COMMIT DELETE ROWS;
  CREATE TEMP TABLE IF NOT EXISTS tincrawl_applied (
    id text PRIMARY KEY, line_no integer NOT NULL, fresh boolean NOT NULL,
    simple boolean NOT NULL DEFAULT false) ON COMMIT DELETE ROWS;
END $fn$;
)sql";

constexpr const char* kV1Apply = R"sql(
CREATE FUNCTION {s}.apply_batch(OUT inserted bigint, OUT updated bigint, OUT skipped bigint)
LANGUAGE plpgsql AS $fn$
DECLARE
  r record;
  v_story text;
  v_old text;
  v_moved text[] := '{}';
  v_total bigint;
BEGIN
  SELECT count(*), count(*) FILTER (WHERE s.revision <= a.revision) INTO v_total, skipped
    FROM pg_temp.tincrawl_staging s LEFT JOIN {s}.articles a ON a.id = s.id;
  INSERT INTO {s}.sites AS t (id, level, province, district, commune, merged_into)
    SELECT DISTINCT ON (site) site, level, province, district, commune, merged_into
      FROM pg_temp.tincrawl_staging ORDER BY site, line_no DESC
  ON CONFLICT (id) DO UPDATE SET level = excluded.level, province = excluded.province,
    district = excluded.district, commune = excluded.commune, merged_into = excluded.merged_into,
    updated_at = now()
  WHERE (t.level, t.province, t.district, t.commune, t.merged_into) IS DISTINCT FROM
        (excluded.level, excluded.province, excluded.district, excluded.commune,
         excluded.merged_into);
  WITH src AS (
    SELECT DISTINCT ON (id) * FROM pg_temp.tincrawl_staging ORDER BY id, revision DESC, line_no DESC),
  up AS (
    INSERT INTO {s}.articles AS a (id, site, url, canonical_url, title, published, modified, author,
      posted_by, source, summary, body, body_html, lang, level, province, district, commune,
      merged_into, content_hash, simhash, revision, first_seen, fetched_at, confidence, images,
      attachments)
    SELECT id, site, url, canonical_url, title, published, modified, author, posted_by, source,
      summary, body, body_html, lang, level, province, district, commune, merged_into,
      content_hash, simhash, revision, first_seen, fetched_at, confidence, images, attachments
      FROM src
    ON CONFLICT (id) DO UPDATE SET site = excluded.site, url = excluded.url,
      canonical_url = excluded.canonical_url, title = excluded.title,
      published = excluded.published, modified = excluded.modified, author = excluded.author,
      posted_by = excluded.posted_by, source = excluded.source, summary = excluded.summary,
      body = excluded.body, body_html = excluded.body_html, lang = excluded.lang,
      level = excluded.level, province = excluded.province, district = excluded.district,
      commune = excluded.commune, merged_into = excluded.merged_into,
      content_hash = excluded.content_hash, simhash = excluded.simhash,
      revision = excluded.revision, first_seen = excluded.first_seen,
      fetched_at = excluded.fetched_at, confidence = excluded.confidence,
      images = excluded.images, attachments = excluded.attachments, loaded_at = now()
    WHERE a.revision < excluded.revision
    RETURNING a.id, (a.xmax = 0) AS fresh)
  INSERT INTO pg_temp.tincrawl_applied (id, line_no, fresh)
    SELECT up.id, src.line_no, up.fresh FROM up JOIN src USING (id);
  SELECT count(*) FILTER (WHERE fresh) INTO inserted FROM pg_temp.tincrawl_applied;
  updated := v_total - inserted - skipped;
  -- The common case in bulk: a first publisher that lists no other copy and has no sighting
  -- yet. The loop below would give each the same result, and nothing else in the batch can
  -- depend on the order (copies resolve through these sightings; reroots move them later).
  UPDATE pg_temp.tincrawl_applied p SET simple = true FROM pg_temp.tincrawl_staging s
   WHERE s.line_no = p.line_no AND s.duplicate_of = '' AND jsonb_array_length(s.sightings) <= 1
     AND NOT EXISTS (SELECT 1 FROM {s}.sightings g WHERE g.article = s.id);
  WITH simple AS (
    SELECT s.* FROM pg_temp.tincrawl_applied p JOIN pg_temp.tincrawl_staging s USING (line_no)
     WHERE p.simple),
  st AS (
    INSERT INTO {s}.stories AS t (id, site, title, published, first_seen)
      SELECT id, site, title, published, first_seen FROM simple
    ON CONFLICT (id) DO UPDATE SET site = excluded.site, title = excluded.title,
      published = excluded.published, first_seen = excluded.first_seen)
  INSERT INTO {s}.sightings (article, story, site, url, seen_at)
    SELECT id, id, site, url, first_seen FROM simple;
  FOR r IN SELECT s.id, s.site, s.url, s.title, s.published, s.first_seen, s.duplicate_of,
                  s.sightings, p.fresh
             FROM pg_temp.tincrawl_applied p JOIN pg_temp.tincrawl_staging s USING (line_no)
            WHERE NOT p.simple ORDER BY p.line_no LOOP
    SELECT story INTO v_old FROM {s}.sightings WHERE article = r.id;
    IF r.duplicate_of <> '' THEN
      SELECT story INTO v_story FROM {s}.sightings WHERE article = r.duplicate_of;
      v_story := coalesce(v_story, r.duplicate_of);
    ELSIF r.fresh AND v_old IS NOT NULL THEN
      v_story := v_old;  -- A first publisher listed it already: its line was emitted late.
    ELSE
      v_story := r.id;
    END IF;
    INSERT INTO {s}.stories AS t (id, site, title, published, first_seen)
      SELECT v_story, r.site, r.title, r.published, r.first_seen WHERE v_story = r.id
      UNION ALL SELECT v_story, NULL, NULL, NULL, NULL WHERE v_story <> r.id
    ON CONFLICT (id) DO UPDATE SET site = excluded.site, title = excluded.title,
      published = excluded.published, first_seen = excluded.first_seen
    WHERE excluded.site IS NOT NULL;
    INSERT INTO {s}.sightings AS t (article, story, site, url, seen_at)
      VALUES (r.id, v_story, r.site, r.url, r.first_seen)
    ON CONFLICT (article) DO UPDATE SET story = excluded.story, site = excluded.site,
      url = excluded.url, seen_at = excluded.seen_at;
    IF v_old IS NOT NULL AND v_old <> v_story THEN
      v_moved := v_moved || v_old;
    END IF;
    IF v_story = r.id AND jsonb_array_length(r.sightings) > 1 THEN
      -- The first publisher lists every copy it knows: they all belong to its story.
      WITH l AS (
        SELECT DISTINCT ON (e->>'id') e->>'id' AS article, e->>'site' AS site, e->>'url' AS url,
               (e->>'seen_at')::timestamptz AS seen_at
          FROM jsonb_array_elements(r.sightings) e
         WHERE coalesce(e->>'id', '') NOT IN ('', r.id)),
      prev AS (
        SELECT s.story FROM {s}.sightings s JOIN l USING (article) WHERE s.story <> v_story),
      ins AS (
        INSERT INTO {s}.sightings AS t (article, story, site, url, seen_at)
          SELECT l.article, v_story, l.site, l.url, l.seen_at FROM l
        ON CONFLICT (article) DO UPDATE SET story = excluded.story WHERE t.story <> excluded.story)
      SELECT v_moved || coalesce(array_agg(DISTINCT prev.story), '{}') INTO v_moved FROM prev;
    END IF;
  END LOOP;
  DELETE FROM {s}.stories t WHERE t.id = ANY (v_moved)
    AND NOT EXISTS (SELECT 1 FROM {s}.sightings s WHERE s.story = t.id);
END $fn$;
)sql";

// Version 2: the `search` column is filled by tincrawl (crawler/sink/search_vector.h) instead of
// being generated, since PostgreSQL's text parser was most of an insert's cost. search_vector()
// is its definition on the server (older rows are recomputed with it), and search_query() cuts
// a query at the same separators, keeping websearch syntax: "phrases", or, -not.
constexpr const char* kV2Search = R"sql(
ALTER TABLE {s}.articles ALTER COLUMN search DROP EXPRESSION;
CREATE FUNCTION {s}.search_text(t text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
  AS $fn$ SELECT regexp_replace(regexp_replace({s}.fold(t), '[\u0300-\u036F]', '', 'g'),
                                '{sep}', ' ', 'g') $fn$;
CREATE FUNCTION {s}.search_vector(t text) RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE
  STRICT AS $fn$ SELECT to_tsvector('simple', {s}.search_text(left(t, 1000000))) $fn$;
CREATE OR REPLACE FUNCTION {s}.search_query(q text) RETURNS tsquery LANGUAGE sql STABLE
  PARALLEL SAFE AS $fn$
  SELECT websearch_to_tsquery('simple', regexp_replace(regexp_replace(
    regexp_replace({s}.fold(q), '[\u0300-\u036F]', '', 'g'), '{qsep}', ' ', 'g'),
    '([^ \t\n\r"])-', '\1 ', 'g')) $fn$;
UPDATE {s}.articles SET search = {s}.search_vector(title || ' ' || body);
)sql";

// fold(): unaccent with the dictionary named explicitly, so it is immutable and can feed the
// generated column; the extension's schema is only known at run time.
constexpr const char* kFold = R"sql(
DO $do$
DECLARE ext text;
BEGIN
  SELECT n.nspname INTO ext FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
   WHERE e.extname = 'unaccent';
  EXECUTE format('CREATE OR REPLACE FUNCTION {s}.fold(text) RETURNS text LANGUAGE sql '
                 'IMMUTABLE PARALLEL SAFE STRICT AS %L',
                 format('SELECT %I.unaccent(%L::regdictionary, $1)', ext,
                        quote_ident(ext) || '.unaccent'));
END $do$;
)sql";

std::string Replace(std::string text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

// Replace for the v2 edits of v1's text: a pattern that is not there is a bug in this file, and
// the migration would silently lose the edit, so it stops the program at once.
void Edit(std::string* text, const std::string& from, const std::string& to) {
  if (text->find(from) == std::string::npos) {
    std::fprintf(stderr, "tincrawl: pg_schema: migration edit not found: %s\n", from.c_str());
    std::abort();
  }
  *text = Replace(std::move(*text), from, to);
}

std::string SearchSql(std::string sql) {
  Edit(&sql, "{qsep}", SearchQuerySeparatorClass());
  Edit(&sql, "{sep}", SearchSeparatorClass());
  return sql;
}

// The v1 staging table and loader with the `search` column added.
std::string V2StagingAndApply() {
  std::string staging = kV1Staging;
  Edit(&staging, "CREATE FUNCTION", "CREATE OR REPLACE FUNCTION");
  Edit(&staging, "    sightings jsonb NOT NULL) ON COMMIT DELETE ROWS;",
       "    sightings jsonb NOT NULL, search tsvector) ON COMMIT DELETE ROWS;\n"
       "  CREATE UNIQUE INDEX IF NOT EXISTS tincrawl_staging_line\n"
       "    ON pg_temp.tincrawl_staging (line_no);\n"
       // Rows only pass through: compressing them (pglz) was a fifth of the
       // server's time. Out of line, uncompressed; articles compresses with lz4.
       "  ALTER TABLE pg_temp.tincrawl_staging ALTER body SET STORAGE EXTERNAL,\n"
       "    ALTER body_html SET STORAGE EXTERNAL, ALTER search SET STORAGE EXTERNAL;");
  Edit(&staging, "    simple boolean NOT NULL DEFAULT false) ON COMMIT DELETE ROWS;",
       "    simple boolean NOT NULL DEFAULT false) ON COMMIT DELETE ROWS;\n"
       "  CREATE UNIQUE INDEX IF NOT EXISTS tincrawl_applied_line\n"
       "    ON pg_temp.tincrawl_applied (line_no);");
  std::string apply = kV1Apply;
  Edit(&apply, "CREATE FUNCTION", "CREATE OR REPLACE FUNCTION");
  // A batch is small and the tables it looks into are big. Temporary tables have no
  // statistics, and the planner hashed whole tables (articles, sightings) by sequential scans
  // to join them, a cost that grew with the tables. Scalar subqueries are one index probe per
  // batch row at any size.
  Edit(&apply,
       "  SELECT count(*), count(*) FILTER (WHERE s.revision <= a.revision) INTO v_total, "
       "skipped\n    FROM pg_temp.tincrawl_staging s LEFT JOIN {s}.articles a ON a.id = "
       "s.id;",
       "  SELECT count(*), count(*) FILTER (WHERE s.revision <= (SELECT a.revision FROM "
       "{s}.articles a\n    WHERE a.id = s.id)) INTO v_total, skipped FROM "
       "pg_temp.tincrawl_staging s;");
  Edit(&apply, "     AND NOT EXISTS (SELECT 1 FROM {s}.sightings g WHERE g.article = s.id);",
       "     AND (SELECT count(*) FROM {s}.sightings g WHERE g.article = s.id) = 0;");
  // Joined to the staging rows by line_no: with its row count known that is a hash join, not
  // a scan of one table per row of the other.
  Edit(&apply, "  UPDATE pg_temp.tincrawl_applied p SET simple = true",
       "  ANALYZE pg_temp.tincrawl_applied;\n"
       "  UPDATE pg_temp.tincrawl_applied p SET simple = true");
  Edit(&apply, "confidence, images,\n      attachments)",
       "confidence, images,\n      attachments, search)");
  Edit(&apply, "confidence, images, attachments\n      FROM src",
       "confidence, images, attachments, search\n      FROM src");
  Edit(&apply, "attachments = excluded.attachments, loaded_at = now()",
       "attachments = excluded.attachments, search = excluded.search,\n"
       "      loaded_at = now()");
  // A temp table left by v1 in this session has no search column: start from the new shape.
  return "DROP TABLE IF EXISTS pg_temp.tincrawl_staging;\n" + staging + apply;
}

std::string Bootstrap(const std::string& schema) {
  return Replace(
      "CREATE SCHEMA IF NOT EXISTS {s};\n"
      "CREATE TABLE IF NOT EXISTS {s}.schema_version (version integer PRIMARY KEY,\n"
      "  description text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now());\n",
      "{s}", QuoteIdent(schema));
}

Status ExtensionError(const Status& cause) {
  return Status::InvalidArgument(
      "the unaccent extension is not available in this database (install postgresql-contrib "
      "on the server, or have a superuser run CREATE EXTENSION unaccent in it): " +
      cause.message());
}

Status CheckEncoding(PgConn* conn) {
  PgResultPtr rows;
  if (Status s = conn->Exec("SHOW server_encoding", PGRES_TUPLES_OK, &rows); !s.ok()) return s;
  const std::string encoding = PQgetvalue(rows.get(), 0, 0);
  if (encoding == "UTF8") return Status::Ok();
  return Status::InvalidArgument("the database encoding is " + encoding +
                                 "; tincrawl needs a UTF8 database (CREATE DATABASE ... "
                                 "ENCODING 'UTF8')");
}

// The version recorded in schema_version; fails when it is newer than this build.
Status CurrentVersion(PgConn* conn, const std::string& schema, int* version) {
  PgResultPtr rows;
  Status s =
      conn->Exec("SELECT coalesce(max(version), 0) FROM " + QuoteIdent(schema) + ".schema_version",
                 PGRES_TUPLES_OK, &rows);
  if (!s.ok()) return s;
  *version = std::atoi(PQgetvalue(rows.get(), 0, 0));
  if (*version <= LatestSchemaVersion()) return Status::Ok();
  return Status::InvalidArgument("schema " + schema + " is at version " + std::to_string(*version) +
                                 ", newer than this tincrawl (" +
                                 std::to_string(LatestSchemaVersion()) + "); upgrade tincrawl");
}

Status MigrateLocked(PgConn* conn, const std::string& schema, int* from) {
  if (Status s = CheckEncoding(conn); !s.ok()) return s;
  if (Status s = conn->Exec("CREATE EXTENSION IF NOT EXISTS unaccent", PGRES_COMMAND_OK); !s.ok()) {
    return conn->last_failure() == PgFailure::kLost ? s : ExtensionError(s);
  }
  const std::string lock =
      "SELECT pg_advisory_xact_lock(hashtext(" + QuoteLiteral("tincrawl schema " + schema) + "))";
  if (Status s = conn->Exec(lock, PGRES_TUPLES_OK); !s.ok()) return s;
  if (Status s = conn->Exec(Bootstrap(schema), PGRES_COMMAND_OK); !s.ok()) return s;
  if (Status s = CurrentVersion(conn, schema, from); !s.ok()) return s;
  for (const Migration& m : Migrations()) {
    if (m.version <= *from) continue;
    if (Status s = conn->Exec(MigrationSql(m, schema), PGRES_COMMAND_OK); !s.ok()) return s;
    const std::string record = "INSERT INTO " + QuoteIdent(schema) +
                               ".schema_version (version, description) VALUES (" +
                               std::to_string(m.version) + ", " + QuoteLiteral(m.description) + ")";
    if (Status s = conn->Exec(record, PGRES_COMMAND_OK); !s.ok()) return s;
  }
  return Status::Ok();
}

}  // namespace

const std::vector<Migration>& Migrations() {
  static const std::vector<Migration> kMigrations = {
      {1, "tables, Vietnamese full-text search, batch loader",
       std::string(kFold) + kV1Tables + kV1Staging + kV1Apply},
      {2, "search vector computed by tincrawl; queries cut at the same separators",
       SearchSql(kV2Search) + V2StagingAndApply()},
  };
  return kMigrations;
}

int LatestSchemaVersion() { return Migrations().back().version; }

std::string MigrationSql(const Migration& migration, const std::string& schema) {
  return Replace(migration.sql, "{s}", QuoteIdent(schema));
}

Status Migrate(PgConn* conn, const std::string& schema, int* from) {
  if (Status s = conn->Exec("BEGIN", PGRES_COMMAND_OK); !s.ok()) return s;
  Status s = MigrateLocked(conn, schema, from);
  if (s.ok()) s = conn->Exec("COMMIT", PGRES_COMMAND_OK);
  if (!s.ok() && conn->ok()) (void)conn->Exec("ROLLBACK", PGRES_COMMAND_OK);
  return s;
}

Status CheckDatabase(PgConn* conn, const std::string& schema, std::string* report) {
  if (Status s = CheckEncoding(conn); !s.ok()) return s;
  PgResultPtr rows;
  Status s = conn->ExecParams(
      "SELECT (SELECT count(*) FROM pg_available_extensions WHERE name = 'unaccent'), "
      "to_regclass($1) IS NOT NULL",
      {QuoteIdent(schema) + ".schema_version"}, PGRES_TUPLES_OK, &rows);
  if (!s.ok()) return s;
  if (std::string(PQgetvalue(rows.get(), 0, 0)) == "0") {
    return ExtensionError(Status::NotFound("no unaccent in pg_available_extensions"));
  }
  if (std::string(PQgetvalue(rows.get(), 0, 1)) != "t") {
    *report = "schema " + schema + " does not exist yet; the daemon creates it at its first start";
    return Status::Ok();
  }
  int version = 0;
  if (Status v = CurrentVersion(conn, schema, &version); !v.ok()) return v;
  *report = "schema " + schema + " at version " + std::to_string(version) +
            (version < LatestSchemaVersion()
                 ? " (the daemon upgrades it to " + std::to_string(LatestSchemaVersion()) + ")"
                 : "");
  return Status::Ok();
}

std::string MigrationScript(const std::string& schema) {
  std::string out = "CREATE EXTENSION IF NOT EXISTS unaccent;\n" + Bootstrap(schema);
  const std::string table = QuoteIdent(schema) + ".schema_version";
  const std::string latest = std::to_string(LatestSchemaVersion());
  out += "DO $do$ BEGIN IF (SELECT coalesce(max(version), 0) FROM " + table + ") > " + latest +
         " THEN RAISE EXCEPTION 'this database has a newer tincrawl schema than this export "
         "(version " +
         latest + ")'; END IF; END $do$;\n";
  for (const Migration& m : Migrations()) {
    const std::string v = std::to_string(m.version);
    out += "SELECT NOT EXISTS (SELECT 1 FROM " + table + " WHERE version = " + v +
           ") AS tincrawl_missing \\gset\n\\if :tincrawl_missing\n" + MigrationSql(m, schema) +
           "INSERT INTO " + table + " (version, description) VALUES (" + v + ", " +
           QuoteLiteral(m.description) + ");\n\\endif\n";
  }
  return out;
}

}  // namespace tincrawl

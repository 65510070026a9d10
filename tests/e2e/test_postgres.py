"""End to end: the PostgreSQL sink (output.postgres) with the daemon crawling the farm, against
a private PostgreSQL server (tests/support/pg_server.py). Every wait polls for progress with a
bound; nothing sleeps a fixed time."""
import collections
import os
import random
import re
import signal
import subprocess
import sys
import time
import unicodedata
import unittest

from farmfix import BINARY, Farm, export, free_port, scrape, spool_lines, strip_port, tincrawl

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
from pg_server import PgServer  # noqa: E402


def state_dir(config):
    return os.path.join(os.path.dirname(os.path.dirname(config)),
                        os.path.basename(os.path.dirname(config)) + "-state")


def with_postgres(config, dsn, extra_politeness=""):
    """Adds output.postgres (and optional politeness lines) to a farm config."""
    with open(config, encoding="utf-8") as f:
        text = f.read()
    text = text.replace('output:\n  spool_dir: "spool"\n',
                        'output:\n  spool_dir: "spool"\n  postgres:\n    dsn: "%s"\n'
                        '    batch: 50\n    max_backoff_seconds: 1\n' % dsn)
    if extra_politeness:
        text = text.replace("politeness:\n", "politeness:\n" + extra_politeness)
        text = re.sub(r"(?m)^  min_delay_seconds: 0\n", "", text)
        text = re.sub(r"(?m)^  max_connections_per_host: 2\n", "", text)
    with open(config, "w", encoding="utf-8") as f:
        f.write(text)
    return config


def fold(text):
    """What tincrawl.fold() does for Vietnamese: no tone or vowel marks, đ -> d."""
    text = unicodedata.normalize("NFD", text).replace("đ", "d").replace("Đ", "D")
    return "".join(c for c in text if not unicodedata.combining(c))


def wait_until(predicate, seconds, step=0.05):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()


class PgCase(unittest.TestCase):
    def setUp(self):
        self.pg = PgServer.create().start()

    def tearDown(self):
        self.pg.destroy()

    def count(self, table, where="true"):
        return int(self.pg.psql("SELECT count(*) FROM tincrawl.%s WHERE %s" % (table, where))[0][0])

    def position(self):
        """(lines, inserted, updated, skipped, rejected) committed; zeros before the first."""
        if self.pg.psql("SELECT to_regclass('tincrawl.spool_position') IS NULL")[0][0] == "t":
            return (0, 0, 0, 0, 0)
        rows = self.pg.psql("SELECT lines, inserted, updated, skipped, rejected "
                            "FROM tincrawl.spool_position")
        return tuple(int(x) for x in rows[0]) if rows else (0, 0, 0, 0, 0)

    def assert_database_matches_store(self, config):
        """Every stored article is a row exactly once, at its stored revision, and every spool
        line was committed once (none skipped as already loaded, none rejected)."""
        articles = export(config)
        rows = dict((r[0], int(r[1])) for r in self.pg.psql(
            "SELECT id, revision FROM tincrawl.articles"))
        self.assertEqual(set(rows), {a["id"] for a in articles})
        self.assertEqual(rows, {a["id"]: a["revision"] for a in articles})
        lines, inserted, updated, skipped, rejected = self.position()
        self.assertEqual(lines, len(spool_lines(state_dir(config))))
        self.assertEqual((inserted, skipped, rejected), (len(articles), 0, 0))
        self.assertEqual(inserted + updated, lines)
        return articles


class FarmCrawlTest(PgCase):
    def test_crawl_loads_every_article_once_searchable_and_in_its_story(self):
        farm = Farm(seed=3)
        try:
            config = with_postgres(farm.config(), self.pg.dsn())
            tincrawl("crawl", "-c", config, timeout=300)
            articles = self.assert_database_matches_store(config)
            self.assertGreaterEqual(len(articles), 300)
            self.check_stories(farm.gold(), articles)
            self.check_search(articles)
            self.check_backfill(config)
        finally:
            farm.stop()

    def check_stories(self, gold, articles):
        story = dict(self.pg.psql("SELECT article, story FROM tincrawl.sightings"))
        by_url = {strip_port(a["url"]): a for a in articles}
        groups = collections.defaultdict(list)
        for url, g in gold.items():
            if url in by_url:
                groups[g["canonical_id"]].append(by_url[url]["id"])
        linked = [ids for ids in groups.values() if len(ids) > 1]
        self.assertGreaterEqual(len(linked), 3)
        for ids in linked:
            self.assertEqual(len({story[i] for i in ids}), 1, "copies split: %s" % ids)
            first = story[ids[0]]
            self.assertIn(first, ids)  # The story is named by its first publisher.
            self.assertEqual(self.pg.psql("SELECT site FROM tincrawl.stories WHERE id = '%s'"
                                          % first)[0][0],
                             next(a["site"] for a in articles if a["id"] == first))

    def check_search(self, articles):
        # A title word run without its accents finds the accented article.
        sample = [a for a in articles if len(a["title"].split()) >= 4][:5]
        self.assertTrue(sample)
        for a in sample:
            words = fold(a["title"]).lower().split()[:4]
            query = " ".join(w for w in words if w.isalnum())
            ids = [r[0] for r in self.pg.psql(
                "SELECT id FROM tincrawl.articles WHERE search @@ tincrawl.search_query('%s')"
                % query.replace("'", "''"))]
            self.assertIn(a["id"], ids, "query %r" % query)
            self.assertNotEqual(query, a["title"].lower())

    def check_backfill(self, config):
        """export --format sql loads a new database with the same rows and stories."""
        self.pg.psql("CREATE DATABASE backfill")
        script = os.path.join(self.pg.dir, "backfill.sql")
        with open(script, "w", encoding="utf-8") as f:
            f.write(tincrawl("export", "-c", config, "--format", "sql").stdout)
        for _ in range(2):  # Loading it twice changes nothing.
            proc = subprocess.run([os.path.join(self.pg.bin, "psql"), "-X", "-q", "-v",
                                   "ON_ERROR_STOP=1", "-h", self.pg.sock, "-p", str(self.pg.port),
                                   "-U", "tincrawl", "-d", "backfill", "-f", script],
                                  capture_output=True, text=True, timeout=300)
            self.assertEqual(proc.returncode, 0, proc.stderr)
        query = ("SELECT a.id, a.revision, a.title, s.story FROM tincrawl.articles a "
                 "JOIN tincrawl.sightings s ON s.article = a.id ORDER BY a.id")
        self.assertEqual(self.pg.psql(query, dbname="backfill"), self.pg.psql(query))


class CrashTest(PgCase):
    def test_kill_nine_ten_times_and_three_server_restarts_keep_counts_exact(self):
        farm = Farm(seed=5, sites=6, articles=25)
        try:
            config = with_postgres(farm.config(), self.pg.dsn(),
                                   "  min_delay_seconds: 0.3\n  max_connections_per_host: 1\n")
            with open(config, encoding="utf-8") as f:  # Every line durable at once: the sink
                text = f.read()                         # loads while the kills land.
            with open(config, "w", encoding="utf-8") as f:
                f.write(text.replace('fsync: "batch"', 'fsync: "always"'))
            spool = os.path.join(state_dir(config), "spool")
            rng = random.Random(16)
            for run in range(10):
                p = subprocess.Popen([BINARY, "run", "-c", config], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
                try:
                    if run in (2, 5, 8):
                        self.progress(spool, run)
                        self.pg.stop("immediate")  # A server crash under the running sink.
                        self.pg.start()
                    self.progress(spool, run + rng.random())
                finally:
                    p.send_signal(signal.SIGKILL)
                    p.wait(timeout=30)
            tincrawl("crawl", "-c", config, timeout=300)
            self.assert_database_matches_store(config)
        finally:
            farm.stop()

    def progress(self, spool, salt):
        """Waits (bounded) until the daemon wrote a new spool line or the sink committed one."""
        def size():
            return sum(os.path.getsize(os.path.join(spool, n)) for n in os.listdir(spool)) \
                if os.path.isdir(spool) else 0

        before_spool, before_db = size(), self.position()[0]
        if int(salt * 2) % 2 == 0:
            wait_until(lambda: size() > before_spool, 20)
        else:
            wait_until(lambda: self.position()[0] > before_db, 20, step=0.1)


class DownAtStartTest(PgCase):
    def test_crawl_runs_while_the_database_is_down_and_the_backlog_drains_later(self):
        farm = Farm(seed=21, sites=3, articles=10)
        try:
            port = free_port()
            config = with_postgres(farm.config(metrics_port=port), self.pg.dsn())
            self.pg.stop()
            check = tincrawl("check-config", "-c", config)  # Unreachable: a warning only.
            self.assertIn("warning: output.postgres", check.stderr)
            p = subprocess.Popen([BINARY, "run", "-c", config], stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
            try:
                state = state_dir(config)
                self.assertTrue(wait_until(lambda: len(spool_lines(state)) >= 10, 60),
                                "the crawl stalled while the database was down")

                def metric(name):
                    m = re.search(r"(?m)^%s (\S+)$" % re.escape(name), scrape(port))
                    return float(m.group(1)) if m else -1
                self.assertTrue(wait_until(
                    lambda: metric('tincrawl_sink_errors_total{reason="connect"}') >= 2, 30))
                self.assertGreater(metric("tincrawl_sink_lag_seconds"), 0)
                self.pg.start()
                self.assertTrue(wait_until(
                    lambda: self.position()[0] == len(spool_lines(state)) and
                    metric("tincrawl_sink_lag_seconds") == 0, 60, step=0.2))
            finally:
                p.send_signal(signal.SIGTERM)
                self.assertEqual(p.wait(timeout=60), 0)
            self.assert_database_matches_store(config)
            self.assertGreater(self.count("articles"), 0)
        finally:
            farm.stop()

    def test_check_config_and_start_name_bad_credentials_and_missing_database(self):
        farm = Farm(seed=22, sites=1, articles=3)
        try:
            for name, dsn, needle in (
                    ("badpw", self.pg.dsn(password="wrong-pw-123"), "password authentication failed"),
                    ("nodb", self.pg.dsn(dbname="nosuchdb"), 'database "nosuchdb" does not exist')):
                config = with_postgres(farm.config(name=name), dsn)
                for cmd in ("check-config", "crawl"):
                    proc = tincrawl(cmd, "-c", config, check=False)
                    self.assertEqual(proc.returncode, 2, proc.stderr)
                    self.assertIn(needle, proc.stderr)
                    self.assertRegex(proc.stderr, r"tincrawl\.yaml:\d+:\d+: .*output\.postgres")
                    self.assertNotIn("wrong-pw-123", proc.stderr + proc.stdout)
                    self.assertNotIn(self.pg.password, proc.stderr + proc.stdout)
        finally:
            farm.stop()


if __name__ == "__main__":
    unittest.main()

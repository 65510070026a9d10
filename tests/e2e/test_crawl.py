"""End to end: tincrawl crawls the simulated portal farm on 127.0.0.1."""
import collections
import datetime
import gzip
import os
import random
import signal
import subprocess
import time
import unittest

from farmfix import Farm, export, spool_lines, strip_port, tincrawl, BINARY


def state_dir(config):
    return os.path.join(os.path.dirname(os.path.dirname(config)),
                        os.path.basename(os.path.dirname(config)) + "-state")


class CrawlFarmTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.farm = Farm(seed=3)
        cls.gold = cls.farm.gold()
        cls.config = cls.farm.config()
        cls.first = tincrawl("crawl", "-c", cls.config, timeout=240)
        cls.log_after_first = len(cls.farm.log())
        cls.articles = export(cls.config)

    @classmethod
    def tearDownClass(cls):
        cls.farm.stop()

    def by_url(self):
        return {strip_port(a["url"]): a for a in self.articles}

    def test_every_allowed_gold_article_is_stored_once(self):
        got = self.by_url()
        self.assertEqual(len(got), len(self.articles), "an article URL was stored twice")
        allowed = [u for u, g in self.gold.items() if not g.get("robots_disallowed")]
        missing = [u for u in allowed if u not in got]
        self.assertEqual(missing, [], "%d of %d gold articles missing" % (len(missing), len(allowed)))
        self.assertGreaterEqual(len(allowed), 300)

    def test_robots_disallowed_articles_are_never_fetched(self):
        banned = {u for u, g in self.gold.items() if g.get("robots_disallowed")}
        self.assertTrue(banned, "the farm should have a robots.txt-disallowed section")
        fetched = {"http://%s%s" % (e["host"], e["path"]) for e in self.farm.log()}
        self.assertEqual(banned & fetched, set())

    def test_titles_dates_and_bodies_match_gold(self):
        got = self.by_url()
        for url, g in self.gold.items():
            if url not in got:
                continue
            a = got[url]
            self.assertEqual(a["title"], g["title"], url)
            self.assertEqual(a["published"], g["published"], url)
            for para in g["body"]:
                self.assertIn(para, a["body"], url)

    def test_syndicated_copies_become_one_story(self):
        got = self.by_url()
        groups = collections.defaultdict(list)
        for url, g in self.gold.items():
            if url in got:
                groups[g["canonical_id"]].append(got[url])
        linked = 0
        for cid, members in groups.items():
            if len(members) < 2:
                continue
            roots = {m["duplicate_of"] or m["id"] for m in members}
            self.assertEqual(len(roots), 1, "story %s split into %s" % (cid, roots))
            root = next(m for m in members if m["id"] in roots)
            self.assertEqual(root["published"], min(m["published"] for m in members))
            self.assertGreaterEqual(len(root["sightings"]), len(members))
            linked += 1
        self.assertGreaterEqual(linked, 3)

    def test_second_crawl_refetches_nothing_before_its_time(self):
        tincrawl("crawl", "-c", self.config, timeout=120)
        again = self.farm.log()[self.log_after_first:]
        pages = [e for e in again if not e["path"].startswith("/robots.txt")]
        self.assertEqual(pages, [], "refetched: %s" % [e["path"] for e in pages[:5]])

    def test_trap_section_is_cut_off(self):
        traps = [e for e in self.farm.log() if e["path"].startswith(("/lich/", "/van-ban/van-ban"))]
        self.assertTrue(traps, "the crawler never met the farm's trap")
        self.assertLess(len(traps), 500, "trap pages crawled without limit")

    def test_spool_has_each_article_once(self):
        lines = spool_lines(state_dir(self.config))
        ids = collections.Counter((l["id"], l.get("revision", 1)) for l in lines)
        self.assertEqual([k for k, n in ids.items() if n > 1], [])
        self.assertEqual(len({l["id"] for l in lines}), len(self.articles))

    def test_sites_command_lists_every_site(self):
        out = tincrawl("sites", "-c", self.config).stdout
        for site in self.farm.manifest["sites"]:
            self.assertRegex(out, r"(?m)^%s\s+ok\s" % site["id"])

    def test_url_command_explains_a_stored_article_and_an_unknown_url(self):
        article = self.articles[0]
        out = tincrawl("url", "-c", self.config, article["url"]).stdout
        self.assertIn("status      fetched", out)
        self.assertRegex(out, r"last fetch  \d{4}-\d\d-\d\dT.*outcome ok, HTTP 200")
        self.assertRegex(out, r"found by    \S")
        self.assertIn("kind        article", out)
        unknown = article["url"].rstrip("/") + "-never-linked"
        proc = tincrawl("url", "-c", self.config, unknown, check=False)
        self.assertEqual(proc.returncode, 1)
        self.assertIn("never discovered", proc.stdout)
        listing = article["url"][:article["url"].index("/", len("http://"))] + "/"
        proc = tincrawl("url", "-c", self.config, listing, check=False)
        self.assertIn("status      fetched", proc.stdout, proc.stdout)


class FreshnessTest(unittest.TestCase):
    """The farm publishes while the daemon runs: each new article is fetched within its
    listing's recrawl interval."""

    def test_new_articles_are_fetched_within_the_listing_interval(self):
        farm = Farm(seed=11, sites=4, articles=10, publish_every=2)
        try:
            config = farm.config(name="fresh")
            with open(config, encoding="utf-8") as f:
                text = f.read()
            text = text.replace("listing_min_seconds: 30", "listing_min_seconds: 2")
            text = text.replace("listing_max_seconds: 3600", "listing_max_seconds: 8")
            with open(config, "w", encoding="utf-8") as f:
                f.write(text)
            p = subprocess.Popen([BINARY, "run", "-c", config], stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
            # Runs until ten articles are due (published more than a listing interval plus a
            # fetch ago) and all of them are in the spool, or a generous deadline passes.
            deadline = time.time() + 180
            try:
                while time.time() < deadline and p.poll() is None:
                    due, spooled = self.due_and_spooled(farm, state_dir(config), time.time())
                    if due >= 10 and spooled:
                        break
                    time.sleep(0.5)
            finally:
                p.send_signal(signal.SIGTERM)
            self.assertEqual(p.wait(timeout=30), 0)
            stopped = time.time()
            stored = {strip_port(a["url"]): a for a in export(config)}
            fresh = [g for g in farm.gold().values() if "published_unix" in g]
            self.assertGreaterEqual(len(fresh), 10, "the farm did not publish")
            # Published early enough that a listing recrawl (<= 8 s) plus a fetch fit in the run.
            due = [g for g in fresh if g["published_unix"] < stopped - 8 - 5]
            missing = [g["url"] for g in due if g["url"] not in stored]
            self.assertEqual(missing, [])
            for g in due:
                delay = self.unix(stored[g["url"]]["fetched_at"]) - g["published_unix"]
                self.assertLessEqual(delay, 8 + 5, g["url"])
        finally:
            farm.stop()

    @staticmethod
    def due_and_spooled(farm, state, now):
        """How many published articles are due at `now`, and whether all of them are spooled."""
        try:
            fresh = [g for g in farm.gold().values() if "published_unix" in g]
            spooled = {strip_port(l["url"]) for l in spool_lines(state) if "url" in l}
        except (AssertionError, OSError, ValueError):
            return 0, False  # A line being written; look again.
        due = [g for g in fresh if g["published_unix"] < now - 8 - 5]
        return len(due), all(g["url"] in spooled for g in due)

    @staticmethod
    def unix(rfc3339):
        return datetime.datetime.fromisoformat(rfc3339.replace("Z", "+00:00")).timestamp()


class WarcTest(unittest.TestCase):
    """output.warc archives every fetched response as WARC/1.1 records."""

    def test_every_stored_article_has_a_response_record(self):
        farm = Farm(seed=17, sites=3, articles=8)
        try:
            config = farm.config(name="warc")
            with open(config, encoding="utf-8") as f:
                text = f.read().replace('output:\n  spool_dir: "spool"',
                                        'output:\n  warc: true\n  spool_dir: "spool"')
            with open(config, "w", encoding="utf-8") as f:
                f.write(text)
            tincrawl("crawl", "-c", config, timeout=240)
            warc_dir = os.path.join(state_dir(config), "warc")
            files = [os.path.join(warc_dir, n) for n in os.listdir(warc_dir)]
            self.assertTrue(files and all(n.endswith(".warc.gz") for n in files), files)
            records = []
            for path in files:
                with gzip.open(path, "rb") as f:
                    data = f.read()
                for block in data.split(b"WARC/1.1\r\n")[1:]:
                    head = block.split(b"\r\n\r\n", 1)[0].decode("utf-8")
                    fields = dict(l.split(": ", 1) for l in head.split("\r\n") if ": " in l)
                    records.append(fields)
            types = collections.Counter(r.get("WARC-Type") for r in records)
            self.assertEqual(types["warcinfo"], len(files))
            self.assertEqual(types["request"], types["response"])
            archived = {strip_port(r["WARC-Target-URI"]) for r in records
                        if r.get("WARC-Type") == "response"}
            for a in export(config):
                self.assertIn(strip_port(a["url"]), archived)
            self.assertTrue(all(r["WARC-Payload-Digest"].startswith("sha1:")
                                for r in records if r.get("WARC-Type") == "response"))
        finally:
            farm.stop()


class CrashSafetyTest(unittest.TestCase):
    """SIGKILL the daemon at random moments, restart, and check nothing is lost or doubled."""

    def test_kill_nine_twenty_times(self):
        farm = Farm(seed=5, sites=6, articles=25)
        try:
            config = farm.config()
            rng = random.Random(42)
            for _ in range(20):
                p = subprocess.Popen([BINARY, "run", "-c", config], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
                time.sleep(rng.uniform(0.2, 1.2))
                p.send_signal(signal.SIGKILL)
                p.wait(timeout=10)
            tincrawl("crawl", "-c", config, timeout=240)
            gold = farm.gold()
            articles = export(config)
            urls = collections.Counter(strip_port(a["url"]) for a in articles)
            self.assertEqual([u for u, n in urls.items() if n > 1], [])
            allowed = [u for u, g in gold.items() if not g.get("robots_disallowed")]
            self.assertEqual([u for u in allowed if u not in urls], [])
            lines = spool_lines(state_dir(config))
            versions = collections.Counter((l["id"], l.get("revision", 1)) for l in lines)
            self.assertEqual([k for k, n in versions.items() if n > 1], [])
            self.assertEqual({l["id"] for l in lines}, {a["id"] for a in articles})
        finally:
            farm.stop()


if __name__ == "__main__":
    unittest.main()

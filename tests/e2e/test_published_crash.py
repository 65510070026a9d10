"""End to end (issue 14): the SIGKILL test with the behaviours of test_published_urls.py on.

The daemon (`tincrawl run`, minimal config as a new user writes it) crawls the farm of
test_published_urls.py (strict spelling, query-string URLs, a 429 host, robots.txt 503 and a
host that does not listen for the first OUTAGE seconds, a 301 to a TLS host) and is killed with
SIGKILL 20 times at random moments (seeded), restarted each time, then left to run until every
allowed gold article is stored. Checked: every allowed article stored, none twice (by URL in
the export, by (id, revision) in the spool), the spool's ids are the export's, no request for a
robots-disallowed path, and no spelling the farm never published (404)."""
import collections
import os
import random
import signal
import subprocess
import sys
import time
import unittest

from farmfix import BINARY, Farm, export, spool_lines, stop_process, strip_port
import test_published_urls as P

KILLS = 20
SEED = int(os.environ.get("TINCRAWL_KILL_SEED", "14"))
DEADLINE = float(os.environ.get("TINCRAWL_PUBLISHED_DEADLINE", "240"))


def stored_urls(state):
    try:
        return {strip_port(a["url"]) for a in spool_lines(state) if "url" in a}
    except (AssertionError, OSError, ValueError):
        return None  # Torn by the kill, or a line being written: the daemon repairs it.


class PublishedCrashTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.farm = Farm(seed=1, sites=12, articles=20, query_urls=["*"],
                        behaviours=P.behaviours())
        cls.sites = {s["host"]: s for s in cls.farm.manifest["sites"]}
        cls.gold = cls.farm.gold()
        cls.allowed = {P.expected_url(u) for u, g in cls.gold.items()
                       if not g.get("robots_disallowed")}
        cls.config = cls.farm.config(name="crash", minimal=True)
        cls.state = os.path.join(os.path.dirname(os.path.dirname(cls.config)), "crash-state")
        rng = random.Random(SEED)
        cls.t0 = time.time()
        cls.kills = []  # (seconds since start, seconds the run lasted, articles stored then)
        for _ in range(KILLS):
            p = subprocess.Popen([BINARY, "run", "-c", cls.config], stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
            life = rng.uniform(0.3, 3.5)
            time.sleep(life)
            p.send_signal(signal.SIGKILL)
            p.wait(timeout=10)
            got = stored_urls(cls.state)
            cls.kills.append((round(time.time() - cls.t0, 1), round(life, 2),
                              None if got is None else len(got & cls.allowed)))
        # Then a run left alone until every allowed article is in the spool.
        p = subprocess.Popen([BINARY, "run", "-c", cls.config], stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True)
        t1 = time.time()
        cls.done = False
        try:
            while time.time() - t1 < DEADLINE and p.poll() is None:
                got = stored_urls(cls.state)
                if got is not None and cls.allowed <= got:
                    cls.done = True
                    break
                time.sleep(0.5)
        finally:
            cls.exit_code = stop_process(p)
            cls.stderr = p.stderr.read()
            p.stderr.close()
        cls.elapsed = time.time() - cls.t0
        cls.articles = export(cls.config)
        cls.lines = spool_lines(cls.state)
        cls.log = cls.farm.log()
        print("\n%d kills (t s, life s, allowed articles stored): %s\nfinal run: %s after "
              "%.1f s in all" % (KILLS, cls.kills, "complete" if cls.done else "deadline",
                                 cls.elapsed), file=sys.stderr)

    @classmethod
    def tearDownClass(cls):
        cls.farm.stop()

    def test_final_run_stopped_cleanly(self):
        self.assertEqual(self.exit_code, 0, self.stderr[-2000:])

    def test_every_allowed_article_stored(self):
        urls = {strip_port(a["url"]) for a in self.articles}
        missing = sorted(self.allowed - urls)
        self.assertEqual(missing, [], "%d of %d allowed articles missing"
                         % (len(missing), len(self.allowed)))

    def test_no_article_stored_twice(self):
        urls = collections.Counter(strip_port(a["url"]) for a in self.articles)
        self.assertEqual([u for u, n in urls.items() if n > 1], [])
        versions = collections.Counter((l["id"], l.get("revision", 1)) for l in self.lines)
        self.assertEqual([k for k, n in versions.items() if n > 1], [])

    def test_spool_ids_are_the_exported_ids(self):
        self.assertEqual({l["id"] for l in self.lines}, {a["id"] for a in self.articles})

    def test_no_robots_disallowed_path_requested(self):
        self.assertEqual(P.disallowed_requests(self.log, self.sites), [])

    def test_only_published_spellings_requested(self):
        misses = sorted({(e["host"], e["path"]) for e in self.log if e["status"] == 404})
        self.assertEqual(misses, [])


if __name__ == "__main__":
    unittest.main()

"""Steady state with the issue-14 behaviours on (bench/steady_state.py and
test_steady_state.py share this): the daemon crawls the farm of test_published_urls.py until
its initial gold set is stored (the backfill), then the farm publishes one article at a time,
round robin over the sites, and every request the farm sees from then on is counted.

The articles are published through the farm's own publish endpoint (`/__farm/publish`, the
code `serve --publish-every` runs), driven from here instead of by the server's timer so that
publishing starts when the backfill is done: the steady window then holds only steady-state
work, and each new article is one the crawler had to find on a recrawl.

Request kinds come from the farm's routes (`www/<host>/.routes.json`, read at the end, so
live-published pages are in them): home and listing pages are "listing", then "feed",
"sitemap", "article", "robots"; anything else (assets, trap pages, unknown paths) is "other".
A request to TLS_HOST under /moved/<MOVED host> counts as the moved host's page; the plain
HTTP request that the TLS host answers with a 301 to https counts as what it asked for."""
import collections
import datetime
import json
import os
import statistics
import subprocess
import threading
import time
import urllib.parse

from farmfix import BINARY, Farm, export, spool_lines, stop_process, strip_port
import test_published_urls as P

# How long after a listing recrawl the article it revealed may take to be stored: its own
# fetch behind the host's one-request-per-second delay, a 429 + Retry-After on the
# rate-limited host (whose delay doubles on each 429), or a 301 to the TLS host.
FETCH_MARGIN = 15.0


def unix(rfc3339):
    return datetime.datetime.fromisoformat(rfc3339.replace("Z", "+00:00")).timestamp()


def set_recrawl(config, listing_min, listing_max):
    """The documented recrawl keys a user sets for freshness (config/tincrawl.yaml)."""
    with open(config, encoding="utf-8") as f:
        text = f.read()
    old_min, old_max = "  listing_min_seconds: 30\n", "  listing_max_seconds: 3600\n"
    assert old_min in text and old_max in text, "the farm config's recrawl block changed"
    text = text.replace(old_min, "  listing_min_seconds: %g\n" % listing_min)
    text = text.replace(old_max, "  listing_max_seconds: %g\n" % listing_max)
    with open(config, "w", encoding="utf-8") as f:
        f.write(text)


def stored_urls(state):
    try:
        return {strip_port(a["url"]) for a in spool_lines(state) if "url" in a}
    except (AssertionError, OSError, ValueError):
        return None  # A line being written; read again.


class Steady:
    """One run. Call run(); the figures are in report() and the fields."""

    def __init__(self, duration=600.0, site_every=6.0, listing_min=30.0, listing_max=120.0,
                 articles=20, backfill_deadline=300.0, log=None):
        self.duration = duration
        self.site_every = site_every      # Each site publishes one article every this many s.
        self.listing_min = listing_min
        self.listing_max = listing_max
        self.bound = listing_max + FETCH_MARGIN
        self.articles_per_site = articles
        self.backfill_deadline = backfill_deadline
        self.say = log or (lambda msg: None)
        self.published = []  # gold records of the new articles (with published_unix)
        self.first_stored = {}  # expected URL -> when the poll first saw it in the spool

    # ------------------------------------------------------------ the run
    def run(self):
        self.farm = Farm(seed=1, sites=12, articles=self.articles_per_site, query_urls=["*"],
                         behaviours=P.behaviours())
        try:
            self._run()
        finally:
            self.farm.stop()
        return self

    def _run(self):
        farm = self.farm
        self.hosts = [s["host"] for s in farm.manifest["sites"]]
        self.sites = {s["host"]: s for s in farm.manifest["sites"]}
        gold = farm.gold()
        initial = {P.expected_url(u) for u, g in gold.items() if not g.get("robots_disallowed")}
        self.config = farm.config(name="steady", minimal=True)
        set_recrawl(self.config, self.listing_min, self.listing_max)
        state = os.path.join(os.path.dirname(os.path.dirname(self.config)), "steady-state")
        self.t_start = time.time()
        stderr = open(os.path.join(farm.tmp, "daemon.stderr"), "w", encoding="utf-8")
        proc = subprocess.Popen([BINARY, "run", "-c", self.config], stdout=subprocess.DEVNULL,
                                stderr=stderr)
        self.exit_code = None
        try:
            # 1. Backfill: until every allowed article of the initial gold is in the spool.
            self.t0 = None
            while time.time() - self.t_start < self.backfill_deadline and proc.poll() is None:
                got = stored_urls(state)
                if got is not None and initial <= got:
                    self.t0 = time.time()
                    break
                time.sleep(0.5)
            if self.t0 is None:
                raise RuntimeError("backfill incomplete after %.0f s (daemon exit %s)"
                                   % (time.time() - self.t_start, proc.poll()))
            self.backfill_seconds = self.t0 - self.t_start
            self.say("backfill done: %d articles stored in %.1f s"
                     % (len(initial), self.backfill_seconds))
            # 2. Publishing, round robin over the sites; the spool is polled meanwhile.
            stop = threading.Event()
            pub = threading.Thread(target=self._publish, args=(stop,), daemon=True)
            pub.start()
            last_say = time.time()
            while pub.is_alive() and proc.poll() is None:
                self._poll(state)
                if time.time() - last_say >= 60:
                    last_say = time.time()
                    self.say("t+%.0f s: %d published, %d stored"
                             % (time.time() - self.t0, len(self.published),
                                len(self.first_stored)))
                time.sleep(0.5)
            stop.set()
            pub.join()
            self.t_pub_end = time.time()
            # 3. Until every new article is stored or the last one is past the bound.
            last = max((g["published_unix"] for g in self.published), default=self.t_pub_end)
            while time.time() < last + self.bound + 5 and proc.poll() is None:
                self._poll(state)
                if len(self.first_stored) == sum(1 for g in self.published
                                                 if not g.get("robots_disallowed")):
                    break
                time.sleep(0.5)
            self.t1 = time.time()
        finally:
            self.exit_code = stop_process(proc)
            stderr.close()
        with open(os.path.join(farm.tmp, "daemon.stderr"), encoding="utf-8",
                  errors="replace") as f:
            self.stderr = f.read()
        self.stored = {strip_port(a["url"]): a for a in export(self.config)}
        self.log = [e for e in farm.log() if self.t0 <= e["t"] <= self.t1]
        self.routes = {}
        for h in self.hosts:
            with open(os.path.join(farm.dir, "www", h, ".routes.json"), encoding="utf-8") as f:
                self.routes[h] = json.load(f)["routes"]

    def _publish(self, stop):
        step = self.site_every / len(self.hosts)
        i = 0
        while not stop.is_set():
            at = self.t0 + i * step
            if at >= self.t0 + self.duration:
                return
            if stop.wait(max(0.0, at - time.time())):
                return
            host = self.hosts[i % len(self.hosts)]
            answer = json.loads(self.farm.control("publish?host=%s&n=1" % host))
            self.published += answer["articles"]
            i += 1

    def _poll(self, state):
        got = stored_urls(state)
        if got is None:
            return
        now = time.time()
        for g in list(self.published):
            u = P.expected_url(g["url"])
            if u in got:
                self.first_stored.setdefault(u, now)

    # ------------------------------------------------------------ the figures
    def kind(self, e):
        host, target = e["host"], e["path"]
        if host == P.TLS_HOST and target.startswith("/moved/"):
            rest = target[len("/moved/"):]
            for h in self.hosts:
                if rest.startswith(h + "/"):
                    host, target = h, rest[len(h):]
                    break
        if target == "/robots.txt":
            return "robots"
        route = self.routes.get(host, {}).get(target)
        k = route.get("kind") if route else None
        return {"home": "listing", "listing": "listing", "feed": "feed", "sitemap": "sitemap",
                "article": "article", "robots": "robots"}.get(k, "other")

    def figures(self):
        new = []
        for g in self.published:
            if g.get("robots_disallowed"):
                continue  # Not one a polite crawler may fetch (none so far: see the gold).
            u = P.expected_url(g["url"])
            a = self.stored.get(u)
            delay = unix(a["fetched_at"]) - g["published_unix"] if a else None
            new.append((u, g, a, delay))
        delays = [d for _, _, _, d in new if d is not None]
        within = [u for u, _, _, d in new if d is not None and d <= self.bound]
        late = sorted(((round(d, 1), u) for u, _, _, d in new
                       if d is not None and d > self.bound), reverse=True)
        missing = [u for u, _, a, _ in new if a is None]
        kinds = collections.Counter(self.kind(e) for e in self.log)
        by_status = collections.Counter((self.kind(e), e["status"]) for e in self.log)
        by_host = collections.Counter(e["host"] for e in self.log)
        new_by_host = collections.Counter(urllib.parse.urlsplit(g["url"]).hostname
                                          for g in self.published)
        return {
            "published": len(new), "stored": len(new) - len(missing), "within": len(within),
            "missing": missing, "late": late,
            "max_delay": max(delays) if delays else None,
            "median_delay": statistics.median(delays) if delays else None,
            "requests": len(self.log), "kinds": kinds, "by_status": by_status,
            "by_host": by_host, "new_by_host": new_by_host,
            "per_article": len(self.log) / len(new) if new else float("inf"),
        }

    def busiest(self, n):
        """The n listing, feed and sitemap URLs requested most in the window."""
        times = collections.defaultdict(list)
        statuses = collections.defaultdict(collections.Counter)
        for e in sorted(self.log, key=lambda e: e["t"]):
            if self.kind(e) in ("listing", "feed", "sitemap"):
                times[(e["host"], e["path"])].append(e["t"])
                statuses[(e["host"], e["path"])][e["status"]] += 1
        rows = []
        for k, ts in times.items():
            gaps = [b - a for a, b in zip(ts, ts[1:])]
            rows.append((k, len(ts), statistics.median(gaps) if gaps else 0.0,
                         ",".join("%s:%d" % x for x in sorted(statuses[k].items()))))
        rows.sort(key=lambda r: (-r[1], r[0]))
        return rows[:n]

    def report(self):
        f = self.figures()
        out = []
        w = out.append
        w("steady state: 12 sites, behaviours of test_published_urls.py (strict spelling, "
          "query-string URLs, 429 host, robots.txt 503 and late-listen hosts for the first "
          "%g s, 301 to the TLS host)" % P.OUTAGE)
        w("config: minimal site files, default politeness; recrawl listing_min_seconds %g, "
          "listing_max_seconds %g" % (self.listing_min, self.listing_max))
        w("backfill (initial gold set all stored): %.1f s; then %.0f s of publishing, one "
          "article per site every %g s (one every %.2f s round robin); window %.1f s "
          "(t0 = backfill done .. all new articles stored)"
          % (self.backfill_seconds, self.duration, self.site_every,
             self.site_every / len(self.hosts), self.t1 - self.t0))
        w("articles published %d, stored %d, stored within the bound %d (bound = "
          "listing_max_seconds %g + fetch margin %g = %g s)"
          % (f["published"], f["stored"], f["within"], self.listing_max, FETCH_MARGIN,
             self.bound))
        if f["max_delay"] is not None:
            w("publish -> fetched_at delay: median %.1f s, max %.1f s"
              % (f["median_delay"], f["max_delay"]))
        if f["missing"]:
            w("NOT STORED: %s" % f["missing"][:10])
        if f["late"]:
            w("LATE (delay s, url): %s" % f["late"][:10])
        w("requests to the farm in the window: %d = %.2f per new article"
          % (f["requests"], f["per_article"]))
        for k in ("listing", "feed", "sitemap", "article", "robots", "other"):
            statuses = {s: n for (kk, s), n in sorted(f["by_status"].items()) if kk == k}
            w("  %-8s %5d  %.2f/article  by status %s"
              % (k, f["kinds"][k], f["kinds"][k] / max(1, f["published"]), statuses))
        w("  most requested listing/feed/sitemap URLs (requests, median gap s, statuses):")
        for (h, path), n, gap, st in self.busiest(12):
            w("    %4d  %6.1f  %-22s %s%s" % (n, gap, st, h, path[:90]))
        w("  by host (requests / new articles):")
        for h in self.hosts:
            w("    %-42s %4d / %3d" % (h, f["by_host"][h], f["new_by_host"][h]))
        return "\n".join(out)

#!/usr/bin/env python3
"""Steady-state freshness and request cost (issue 14), run by hand:

    TINCRAWL_BINARY=build/release/crawler/tincrawl python3 bench/steady_state.py [--duration 600]

Starts a 12-site farm with the behaviours of tests/e2e/test_published_urls.py on, runs
`tincrawl run` on a minimal config (base_url and seeds, default politeness) until the initial
gold set is all stored, then publishes one article per site every --site-every seconds for
--duration seconds, and prints: articles published and stored, how many were stored within
listing_max_seconds plus a fetch margin of their publication, the median and max
publish -> fetched_at delay, and every request the farm saw after the backfill by kind and
status, per new article. The machinery is tests/e2e/steady.py."""
import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "e2e"))
import steady  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("duration", nargs="?", type=float, default=600.0,
                    help="seconds of publishing after the backfill (default 600)")
    ap.add_argument("--duration", dest="duration_opt", type=float, default=None)
    ap.add_argument("--site-every", type=float, default=6.0,
                    help="each site publishes one article every this many seconds (default 6: "
                         "one article every 0.5 s round robin over the 12 sites)")
    ap.add_argument("--listing-min", type=float, default=30.0,
                    help="recrawl.listing_min_seconds (default 30, the farm config's)")
    ap.add_argument("--listing-max", type=float, default=120.0,
                    help="recrawl.listing_max_seconds (default 120)")
    ap.add_argument("--articles", type=int, default=20, help="initial articles per site")
    ap.add_argument("--requests-out", metavar="FILE",
                    help="write the window's farm log lines, each with its kind, and the "
                         "published articles (kind \"published\") as JSON lines")
    args = ap.parse_args()
    duration = args.duration_opt if args.duration_opt is not None else args.duration
    t = time.time()
    run = steady.Steady(duration=duration, site_every=args.site_every,
                        listing_min=args.listing_min, listing_max=args.listing_max,
                        articles=args.articles,
                        log=lambda m: print("[%5.0f s] %s" % (time.time() - t, m), flush=True))
    run.run()
    print(run.report())
    if args.requests_out:
        with open(args.requests_out, "w", encoding="utf-8") as f:
            for e in run.log:
                f.write(json.dumps(dict(e, kind=run.kind(e), t_rel=round(e["t"] - run.t0, 2)),
                                   ensure_ascii=False) + "\n")
            for g in run.published:
                f.write(json.dumps({"kind": "published", "url": g["url"],
                                    "t_rel": round(g["published_unix"] - run.t0, 2)}) + "\n")
    if run.exit_code not in (0, None):
        print("daemon exit code %s; stderr tail:\n%s" % (run.exit_code, run.stderr[-2000:]))
    f = run.figures()
    ok = f["within"] == f["published"] and f["per_article"] <= 3
    print("target (every new article within the bound, <= 3 requests per new article): %s"
          % ("met" if ok else "NOT met"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Soak run (issue 18), by hand:

    TINCRAWL_BINARY=build/release/crawler/tincrawl python3 bench/soak.py [--minutes 30]

Generates a farm of --sites sites (1,000 by default), serves it with publishing on (one article
every --publish-every seconds, round robin over the sites) and every host in strict mode, runs
`tincrawl run` on it with /metrics on, and every --fault-every seconds puts a fault on a random
host for its next few requests (5xx, 429 with Retry-After, slow, drip, stall, wrong length,
binary body, redirect chain). Every minute it prints the daemon's RSS, open file descriptors,
event-loop lag p99 over that minute (the upper bound of its tincrawl_loop_lag_seconds bucket),
the part of RSS held by RocksDB (memtables, block cache, table readers: bounded, they fill up
while the store warms) and by the near-duplicate index (grows with the archive), the rest of
RSS, articles stored and fetches so far. At the end: the slopes after --warmup minutes (least
squares, MB/h) of RSS and of the rest, the change in open fds after warm-up, and the worst
minute's loop-lag p99, against the issue's targets (flat RSS, fds that do not grow, p99 < 10 ms).
The farm and the daemon run on 127.x addresses only."""
import argparse
import os
import random
import re
import socket
import subprocess
import sys
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "e2e"))
from farmfix import BINARY, Farm, stop_process  # noqa: E402

FAULTS = [("5xx", None), ("429", "5"), ("slow", "3"), ("drip", "2000"), ("stall", "20"),
          ("wrong_length", None), ("binary", None), ("redirect_chain", "3")]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def scrape(port):
    with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port, timeout=10) as r:
        return r.read().decode("utf-8", "replace")


def series_sum(text, name):
    total = 0.0
    for m in re.finditer(r"^%s(?:\{[^}]*\})? ([0-9.eE+-]+)$" % re.escape(name), text, re.M):
        total += float(m.group(1))
    return total


def lag_buckets(text):
    """{upper bound: cumulative count} of tincrawl_loop_lag_seconds."""
    out = {}
    for m in re.finditer(r'^tincrawl_loop_lag_seconds_bucket\{[^}]*le="([^"]+)"[^}]*\} (\S+)$',
                         text, re.M):
        le = float("inf") if m.group(1) == "+Inf" else float(m.group(1))
        out[le] = out.get(le, 0.0) + float(m.group(2))
    return out


def p99(before, after):
    """Upper bound of the bucket holding the 99th percentile of the observations in between."""
    delta = sorted((le, after.get(le, 0.0) - before.get(le, 0.0)) for le in after)
    total = delta[-1][1] if delta else 0.0
    if total <= 0:
        return 0.0
    for le, cum in delta:
        if cum >= 0.99 * total:
            return le
    return float("inf")


def proc_rss_mb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    return 0.0


def rest_mb(sample):
    """RSS less what RocksDB and the near-duplicate index account for (MiB, as RSS is)."""
    return sample[1] - sample[6] - sample[7]


def slope_mb_per_hour(points):
    """Least-squares slope of (seconds, MB) points, in MB per hour."""
    if len(points) < 2:
        return 0.0
    n = len(points)
    mx = sum(t for t, _ in points) / n
    my = sum(v for _, v in points) / n
    sxx = sum((t - mx) ** 2 for t, _ in points)
    sxy = sum((t - mx) * (v - my) for t, v in points)
    return sxy / sxx * 3600.0 if sxx > 0 else 0.0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--minutes", type=float, default=30.0)
    ap.add_argument("--sites", type=int, default=1000)
    ap.add_argument("--articles", type=int, default=10, help="initial articles per site")
    ap.add_argument("--publish-every", type=float, default=0.5)
    ap.add_argument("--fault-every", type=float, default=2.0)
    ap.add_argument("--warmup", type=float, default=5.0, help="minutes left out of the slopes")
    ap.add_argument("--sample-every", type=float, default=60.0, help="seconds between samples")
    args = ap.parse_args()

    t_gen = time.time()
    farm = Farm(seed=1, sites=args.sites, articles=args.articles,
                publish_every=args.publish_every, behaviours={"*": {"strict": True}})
    print("farm: %d sites generated and served in %.0f s" % (args.sites, time.time() - t_gen),
          flush=True)
    hosts = [s["host"] for s in farm.manifest["sites"]]
    port = free_port()
    config = farm.config(name="soak", metrics_port=port)
    stderr = open(os.path.join(farm.tmp, "daemon.stderr"), "w", encoding="utf-8")
    proc = subprocess.Popen([BINARY, "run", "-c", config], stdout=subprocess.DEVNULL,
                            stderr=stderr)
    rng = random.Random(18)
    samples = []  # (t, rss MB, fds, lag p99 s, stored, fetches, RocksDB MB, index MB)
    faults = 0
    try:
        t0 = time.time()
        text = None
        while text is None and time.time() - t0 < 60 and proc.poll() is None:
            try:
                text = scrape(port)
            except OSError:
                time.sleep(0.2)
        if text is None:
            raise RuntimeError("no /metrics from the daemon (exit %s)" % proc.poll())
        prev = lag_buckets(text)
        next_sample = t0 + args.sample_every
        next_fault = t0
        end = t0 + args.minutes * 60
        print("   min   rss MB   rocksdb MB   index MB   rest MB   fds   lag p99 ms   stored   "
              "fetches   faults", flush=True)
        while time.time() < end and proc.poll() is None:
            now = time.time()
            if now >= next_fault:
                mode, arg = rng.choice(FAULTS)
                q = "fault?host=%s&mode=%s&count=3" % (rng.choice(hosts), mode)
                farm.control(q + ("&arg=" + arg if arg else ""))
                faults += 1
                next_fault += args.fault_every
            if now >= next_sample:
                text = scrape(port)
                cur = lag_buckets(text)
                s = (now - t0, proc_rss_mb(proc.pid), len(os.listdir("/proc/%d/fd" % proc.pid)),
                     p99(prev, cur), series_sum(text, "tincrawl_articles_total"),
                     series_sum(text, "tincrawl_fetches_total"),
                     series_sum(text, "tincrawl_store_memory_bytes") / 2**20,
                     series_sum(text, "tincrawl_dedup_index_bytes") / 2**20)
                prev = cur
                samples.append(s)
                print("%6.1f %8.1f %12.1f %10.1f %9.1f %5d %12.1f %8.0f %9.0f %8d"
                      % (s[0] / 60, s[1], s[6], s[7], rest_mb(s), s[2], s[3] * 1000, s[4], s[5],
                         faults), flush=True)
                next_sample += args.sample_every
            time.sleep(min(0.2, max(0.0, min(next_fault, next_sample) - time.time())))
    finally:
        code = stop_process(proc)
        stderr.close()
        farm.stop()
    if code not in (0, None):
        print("daemon exit code %s" % code)
    after = [s for s in samples if s[0] >= args.warmup * 60]
    if len(after) < 2:
        print("too few samples after warm-up (%d)" % len(after))
        return 1
    rss_slope = slope_mb_per_hour([(s[0], s[1]) for s in after])
    rest_slope = slope_mb_per_hour([(s[0], rest_mb(s)) for s in after])
    fd_change = after[-1][2] - after[0][2]
    worst_lag = max(s[3] for s in after)
    print("after %.0f min warm-up: RSS %.1f -> %.1f MB, slope %+.1f MB/h (RocksDB %.1f -> %.1f MB, "
          "index %.1f -> %.1f MB; the rest %.1f -> %.1f MB, slope %+.1f MB/h); open fds %d -> %d; "
          "worst minute's loop-lag p99 %.1f ms; %d faults injected"
          % (args.warmup, after[0][1], after[-1][1], rss_slope, after[0][6], after[-1][6],
             after[0][7], after[-1][7], rest_mb(after[0]), rest_mb(after[-1]), rest_slope,
             after[0][2], after[-1][2], worst_lag * 1000, faults))
    # The histogram's buckets bound the percentile from above: a p99 in the 10 ms bucket is
    # reported as 10 ms, and counts as meeting "< 10 ms" only as "<= 10 ms".
    ok = worst_lag <= 0.010 and fd_change <= 0
    print("lag and fd targets (p99 <= 10 ms, fds not growing): %s; judge the RSS slope against "
          "its run length" % ("met" if ok else "NOT met"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

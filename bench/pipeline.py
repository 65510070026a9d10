#!/usr/bin/env python3
"""Whole-pipeline run (issue 18), by hand:

    python3 tests/farm/farm.py generate --out /tmp/pipe/farm --sites 1000 --articles 1000
    TINCRAWL_BINARY=build/release/crawler/tincrawl python3 bench/pipeline.py --dir /tmp/pipe/farm

Serves a generated farm with nginx (static mode: no faults, no publishing) on a free 127.0.0.1
port, runs `tincrawl run` on the farm's config with politeness off (no per-host delay, robots
Crawl-delay not honoured, the pagination walked to its end) and /metrics on, and samples the
daemon every --sample-every seconds: pages fetched (tincrawl_fetches_total), articles stored
(tincrawl_articles_total, first stores), RSS and CPU time. The crawl ends when as many articles
as the farm's gold allows are stored, or nothing new was stored for --idle seconds. Then it prints the pages/s of the first
--window pages and of the last --window pages before the crawl's end (the issue's target: the
last at least 80% of the first), and the rate per window in between. The farm and the daemon
run on 127.x addresses only."""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "e2e"))
from farmfix import BINARY, FARM, PYTHON, free_port, scrape, stop_process  # noqa: E402

NGINX = "/usr/sbin/nginx"


def series_sum(text, name, labels=r"[^}]*"):
    total = 0.0
    for m in re.finditer(r"^%s(?:\{%s\})? ([0-9.eE+-]+)$" % (re.escape(name), labels), text,
                         re.M):
        total += float(m.group(1))
    return total


# First stores of an article page (not updates or unchanged revisits).
FIRST_STORE = r'kind="(?:new|duplicate_exact|duplicate_near)"[^}]*'



def proc_stat(pid):
    """(RSS MB, CPU seconds of user + system) of `pid`."""
    with open("/proc/%d/status" % pid) as f:
        rss = next((int(l.split()[1]) / 1024.0 for l in f if l.startswith("VmRSS:")), 0.0)
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return rss, (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def farm_articles(farm_dir):
    """Articles a crawler may store: the gold lines the farm's robots.txt allows."""
    n = 0
    for name in os.listdir(os.path.join(farm_dir, "gold")):
        with open(os.path.join(farm_dir, "gold", name), encoding="utf-8") as f:
            for line in f:
                if line.strip() and not json.loads(line).get("robots_disallowed"):
                    n += 1
    return n


def politeness_off(text, metrics_port, workers):
    """The farm's daemon config with /metrics on and every politeness wait taken out."""
    text = re.sub(r"metrics:\n  enabled: false\n  listen: \"[^\"]*\"",
                  'metrics:\n  enabled: true\n  listen: "127.0.0.1:%d"' % metrics_port, text)
    text = re.sub(r"^workers: \d+$", "workers: %d" % workers, text, flags=re.M)
    text = re.sub(r"^  crawl_delay_cap_seconds: .*$", "  crawl_delay_cap_seconds: 0", text,
                  flags=re.M)
    text = re.sub(r"^  backfill_pages: .*$", "  backfill_pages: 100000", text, flags=re.M)
    text = re.sub(r"^  pages_per_day: .*$", "  pages_per_day: 10000000", text, flags=re.M)
    return text


def time_at(samples, pages):
    """Interpolated time at which the fetch counter reached `pages`."""
    prev = samples[0]
    for s in samples:
        if s[1] >= pages:
            if s[1] == prev[1]:
                return s[0]
            return prev[0] + (s[0] - prev[0]) * (pages - prev[1]) / (s[1] - prev[1])
        prev = s
    return samples[-1][0]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dir", required=True, help="a farm written by farm.py generate")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--window", type=int, default=100000, help="pages in the first/last window")
    ap.add_argument("--idle", type=float, default=120.0,
                    help="seconds without a new stored article that end the crawl")
    ap.add_argument("--max-minutes", type=float, default=240.0)
    ap.add_argument("--sample-every", type=float, default=2.0)
    ap.add_argument("--keep", action="store_true", help="keep the state directory")
    args = ap.parse_args()

    farm_dir = os.path.abspath(args.dir)
    expected = farm_articles(farm_dir)
    tmp = tempfile.mkdtemp(prefix="tincrawl-pipeline-")
    port, metrics_port = free_port(), free_port()
    conf_path = os.path.join(tmp, "nginx.conf")
    subprocess.run([PYTHON, FARM, "nginx", "--dir", farm_dir, "--port", str(port), "--out",
                    conf_path, "--daemon-off", "--workers", "1"], check=True,
                   stdout=subprocess.DEVNULL)
    prefix = os.path.splitext(conf_path)[0] + ".d"
    nginx = subprocess.Popen([NGINX, "-c", conf_path, "-p", prefix],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    conf = os.path.join(tmp, "conf")
    subprocess.run([PYTHON, FARM, "config", "--dir", farm_dir, "--port", str(port), "--out", conf,
                    "--state", os.path.join(tmp, "state")], check=True, stdout=subprocess.DEVNULL)
    daemon_yaml = os.path.join(conf, "tincrawl.yaml")
    with open(daemon_yaml, encoding="utf-8") as f:
        text = politeness_off(f.read(), metrics_port, args.workers)
    with open(daemon_yaml, "w", encoding="utf-8") as f:
        f.write(text)
    stderr = open(os.path.join(tmp, "daemon.stderr"), "w", encoding="utf-8")
    proc = subprocess.Popen([BINARY, "run", "-c", daemon_yaml], stdout=subprocess.DEVNULL,
                            stderr=stderr)
    samples = []  # (t, pages fetched, articles stored, RSS MB, CPU s)
    try:
        t0 = time.time()
        last_new = t0
        print("farm %s: %d articles to store; nginx on 127.0.0.1:%d" % (farm_dir, expected, port),
              flush=True)
        print("    min      pages   pages/s   stored   rss MB   cpu %", flush=True)
        next_print = t0 + 60
        while proc.poll() is None and time.time() - t0 < args.max_minutes * 60:
            time.sleep(args.sample_every)
            try:
                text = scrape(metrics_port)
            except OSError:
                continue
            rss, cpu = proc_stat(proc.pid)
            s = (time.time() - t0, series_sum(text, "tincrawl_fetches_total"),
                 series_sum(text, "tincrawl_articles_total", FIRST_STORE), rss, cpu)
            if samples and s[2] > samples[-1][2]:
                last_new = time.time()
            samples.append(s)
            if time.time() >= next_print:
                back = next((p for p in reversed(samples) if p[0] <= s[0] - 60), samples[0])
                print("%7.1f %10.0f %9.0f %8.0f %8.1f %7.0f"
                      % (s[0] / 60, s[1], (s[1] - back[1]) / max(1e-9, s[0] - back[0]), s[2],
                         rss, 100 * (s[4] - back[4]) / max(1e-9, s[0] - back[0])), flush=True)
                next_print += 60
            if s[2] >= expected or time.time() - last_new > args.idle:
                break
    finally:
        code = stop_process(proc)
        stderr.close()
        stop_process(nginx, timeout=10)
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    if code not in (0, None):
        print("daemon exit code %s" % code)
    if not samples or samples[-1][1] < 2 * args.window:
        print("too few pages for two windows of %d" % args.window)
        return 1
    stored = samples[-1][2]
    # The crawl's end: the first sample holding the final article count.
    end = next(s for s in samples if s[2] >= stored)
    t_start = next((s[0] for s in samples if s[1] > 0), samples[0][0])
    def rate(pages, seconds):
        return pages / max(seconds, args.sample_every)

    first = rate(args.window, time_at(samples, args.window) - t_start)
    last = rate(args.window, end[0] - time_at(samples, end[1] - args.window))
    print("crawl: %.0f pages and %.0f of %d articles stored in %.1f min (%.0f pages/s); RSS max "
          "%.0f MB, at end %.0f MB" % (end[1], stored, expected, end[0] / 60, end[1] / end[0],
                                      max(s[3] for s in samples), end[3]))
    marks = list(range(0, int(end[1]) - args.window + 1, args.window)) + [end[1] - args.window]
    rates = ["%.0f" % rate(args.window, time_at(samples, m + args.window) -
                           max(t_start, time_at(samples, m))) for m in marks]
    print("pages/s per window of %d pages: %s" % (args.window, ", ".join(rates)))
    ratio = last / first
    print("first %d pages %.0f/s, last %d pages %.0f/s: ratio %.2f (target >= 0.80: %s)"
          % (args.window, first, args.window, last, ratio, "met" if ratio >= 0.8 else "NOT met"))
    return 0 if ratio >= 0.8 and stored >= expected else 1


if __name__ == "__main__":
    sys.exit(main())

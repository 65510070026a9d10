#!/usr/bin/python3
"""Writes a few hours of synthetic tincrawl metrics as OpenMetrics text with timestamps.

    synth_openmetrics.py OUT [--hours H] [--step S] [--end EPOCH]

Used by `check.sh --live`: the output is backfilled into the throwaway Prometheus
(`promtool tsdb create-blocks-from openmetrics OUT DATA_DIR`) so that every dashboard
expression can be required to return data. The series mimic one daemon (job "tincrawl",
instance "127.0.0.1:9464") with three sites: "healthy" (publishes), "down" (fetches fail since
the start, last success long ago) and "never" (no success since the daemon started, gauges 0).
Every series the daemon registers (crawler/telemetry/metrics.cpp) is present.
"""
import argparse
import math
import time

JOB = 'job="tincrawl",instance="127.0.0.1:9464"'
SITES = ("healthy", "down", "never")
OUTCOMES = ("ok", "not_modified", "redirect", "http_4xx", "http_5xx", "timeout", "dns", "connect",
            "tls", "too_large", "robots_denied", "reset", "private_address",
            "cancelled", "error")
KINDS = ("new", "updated", "duplicate_exact", "duplicate_near", "unchanged")
REASONS = ("no_content", "no_title", "no_date", "binary", "too_large", "empty", "other")
SETTINGS = ("ca_file", "legacy_server_connect", "security_level", "verify_off")
PHASE_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
LAG_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1)
PHASE_MEAN = {"dns": 0.02, "connect": 0.06, "tls": 0.2, "first_byte": 0.6, "total": 1.2}


def fmt(v):
    return repr(float(v))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--hours", type=float, default=3)
    ap.add_argument("--step", type=int, default=30)
    ap.add_argument("--end", type=float, default=None)
    a = ap.parse_args()
    end = int(a.end if a.end is not None else time.time() - 5)
    start = end - int(a.hours * 3600)
    times = list(range(start, end + 1, a.step))
    proc_start = start - 600

    fams = {}  # family name -> list of (labels, fn(t, i) -> value); insertion-ordered

    def add(name, labels, fn):
        fams.setdefault(name, []).append((labels, fn))

    def counter(rate):
        return lambda t, i: rate * (t - start)

    lbl = lambda extra="": JOB + ("," + extra if extra else "")
    add("tincrawl_build_info", lbl('version="0.0.0-synthetic"'), lambda t, i: 1)
    add("tincrawl_up", lbl(), lambda t, i: 1)
    add("process_cpu_seconds_total", lbl(), counter(0.05))
    add("process_resident_memory_bytes", lbl(), lambda t, i: 120e6 + 5e6 * math.sin(i / 20))
    add("process_virtual_memory_bytes", lbl(), lambda t, i: 900e6)
    add("process_open_fds", lbl(), lambda t, i: 40 + i % 7)
    add("process_max_fds", lbl(), lambda t, i: 65536)
    add("process_start_time_seconds", lbl(), lambda t, i: proc_start)
    add("tincrawl_inflight_fetches", lbl(), lambda t, i: i % 5)
    add("tincrawl_sites_configured", lbl(), lambda t, i: len(SITES))
    add("tincrawl_store_bytes", lbl(), lambda t, i: 50e6 + 1000 * (t - start))
    add("tincrawl_store_pending_compaction_bytes", lbl(), lambda t, i: 1e6 * (i % 3))
    for part, size in (("memtables", 20e6), ("block_cache", 64e6), ("table_readers", 1e6)):
        add("tincrawl_store_memory_bytes", lbl(f'part="{part}"'),
            lambda t, i, size=size: size * min(1.0, (t - start) / 3600 + 0.5))
    add("tincrawl_dedup_index_bytes", lbl(), lambda t, i: 1e6 + 100 * (t - start))
    add("tincrawl_store_paused", lbl(), lambda t, i: 0)
    add("tincrawl_store_write_errors_total", lbl(), lambda t, i: 0)
    add("tincrawl_spool_lines_total", lbl(), counter(0.02))
    add("tincrawl_config_reloads_total", lbl('result="success"'), lambda t, i: 1 if t - start > 3600 else 0)
    add("tincrawl_config_reloads_total", lbl('result="failure"'), lambda t, i: 0)
    for reason, rate in (("out_of_scope", 0.3), ("trap", 0.01), ("budget", 0.02), ("robots", 0.01)):
        add("tincrawl_urls_dropped_total", lbl(f'reason="{reason}"'), counter(rate))
    add("tincrawl_worker_queue_full_total", lbl(), counter(0.001))
    add("tincrawl_sink_lag_seconds", lbl(), lambda t, i: 2 + (i % 4))
    for op, rate in (("insert", 0.015), ("update", 0.004), ("skip", 0.0), ("reject", 0.0)):
        add("tincrawl_sink_rows_total", lbl(f'op="{op}"'), counter(rate))
    for reason in ("connect", "schema", "query", "rejected", "spool", "position"):
        add("tincrawl_sink_errors_total", lbl(f'reason="{reason}"'),
            counter(0.001 if reason == "connect" else 0.0))

    def histogram(name, extra, buckets, mean, rate):
        # Exponential-ish distribution: P(x <= le) = 1 - exp(-le / mean).
        for le in buckets:
            frac = 1 - math.exp(-le / mean)
            add(name + "_bucket", lbl(extra + ("," if extra else "") + f'le="{le}"'),
                counter(rate * frac))
        add(name + "_bucket", lbl(extra + ("," if extra else "") + 'le="+Inf"'), counter(rate))
        add(name + "_sum", lbl(extra), counter(rate * mean))
        add(name + "_count", lbl(extra), counter(rate))

    histogram("tincrawl_loop_lag_seconds", "", LAG_BUCKETS, 0.002, 1.0)
    for phase, mean in PHASE_MEAN.items():
        histogram("tincrawl_fetch_duration_seconds", f'phase="{phase}"', PHASE_BUCKETS, mean, 0.5)

    for site in SITES:
        s = f'site="{site}"'
        healthy = site == "healthy"
        for o in OUTCOMES:
            rate = 0.0
            if healthy:
                rate = {"ok": 0.3, "not_modified": 0.1, "redirect": 0.01, "http_4xx": 0.005,
                        "robots_denied": 0.002}.get(o, 0.0)
            elif site == "down":
                rate = {"timeout": 0.05, "connect": 0.02, "cancelled": 0.05}.get(o, 0.0)
            else:
                rate = {"tls": 0.03}.get(o, 0.0)
            add("tincrawl_fetches_total", lbl(f'{s},outcome="{o}"'),
                counter(rate))
        add("tincrawl_response_bytes_total", lbl(s), counter(60000 if healthy else 0))
        add("tincrawl_robots_denied_total", lbl(s), counter(0.002 if healthy else 0))
        for setting in SETTINGS:
            rate = 0.01 if (site == "never" and setting == "legacy_server_connect") else 0.0
            add("tincrawl_tls_relaxed_fetches_total", lbl(f'{s},setting="{setting}"'), counter(rate))
        for kind in KINDS:
            rate = {"new": 0.01, "updated": 0.002, "duplicate_exact": 0.003,
                    "duplicate_near": 0.001, "unchanged": 0.2}[kind] if healthy else 0.0
            add("tincrawl_articles_total", lbl(f'{s},kind="{kind}"'), counter(rate))
        for reason in REASONS:
            rate = {"no_date": 0.001, "no_content": 0.0005}.get(reason, 0.0) if healthy else 0.0
            add("tincrawl_extract_failures_total", lbl(f'{s},reason="{reason}"'), counter(rate))
        add("tincrawl_extract_fallback_total", lbl(s), counter(0.0005 if healthy else 0))
        if healthy:
            last_ok = lambda t, i: t - 20
            last_new = lambda t, i: t - 300
        elif site == "down":
            last_ok = lambda t, i: proc_start + 60   # one success right after the start
            last_new = lambda t, i: proc_start + 60
        else:
            last_ok = last_new = lambda t, i: 0
        add("tincrawl_site_last_success_timestamp_seconds", lbl(s), last_ok)
        add("tincrawl_site_last_new_article_timestamp_seconds", lbl(s), last_new)
        add("tincrawl_site_consecutive_failures", lbl(s), lambda t, i, h=healthy: 0 if h else 5 + i)
        add("tincrawl_site_circuit_open", lbl(s), lambda t, i, site=site: 1 if site == "down" else 0)
        add("tincrawl_site_delay_seconds", lbl(s), lambda t, i, site=site: 30 if site == "down" else 5)
        for reason in ("http_4xx", "redirect", "error"):
            add("tincrawl_urls_given_up_total", lbl(f'{s},reason="{reason}"'), counter(0.01))
        for state, val in (("due", 120), ("inflight", 2), ("scheduled", 3000)):
            add("tincrawl_frontier_urls", lbl(f'{s},state="{state}"'),
                lambda t, i, v=val, h=healthy: v if h else v // 10)

    with open(a.out, "w", encoding="utf-8") as f:
        for name, series in fams.items():
            for labels, fn in series:
                for i, t in enumerate(times):
                    f.write(f"{name}{{{labels}}} {fmt(fn(t, i))} {t}\n")
        f.write("# EOF\n")


if __name__ == "__main__":
    main()

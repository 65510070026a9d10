#!/usr/bin/python3
"""Generates tincrawl-overview.json and tincrawl-sites.json (Grafana 10+ dashboards).

The JSON files are committed; this script is their source. After editing it run
    /usr/bin/python3 dashboards/gen_dashboards.py          # rewrite the JSON files
    /usr/bin/python3 dashboards/gen_dashboards.py --check  # exit 1 if they are out of date
check.sh runs --check. (If you would rather edit in the Grafana UI: export the dashboard, save it
over the JSON file and port the change back here, or --check will flag the difference.)

Conventions (checked by extract_promql.py --lint):
  * every panel and target uses the datasource variable ${datasource};
  * every expression filters with job=~"$job", instance=~"$instance" (regex match, so the
    "All" value .* works) and per-site panels with site=~"$site";
  * process_* series are joined with tincrawl_up so other jobs' process metrics are ignored.
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DS = {"type": "prometheus", "uid": "${datasource}"}
SEL = 'job=~"$job", instance=~"$instance"'
SITE_SEL = SEL + ', site=~"$site"'

# Outcomes that are a failure of the portal or the network. robots_denied is a fetch we chose
# not to make, cancelled is shutdown; they are excluded from both sides.
ERROR_OUTCOMES = "http_4xx|http_5xx|timeout|dns|connect|tls|too_large|reset|private_address|error"
NOT_ATTEMPTED = "robots_denied|cancelled"
EXTRACTED_KINDS = "new|updated|duplicate_exact|duplicate_near"
DUPLICATE_KINDS = "duplicate_exact|duplicate_near"


def last_or_start(gauge, sel=SEL):
    """The site's timestamp gauge, or the daemon start time while the gauge is still 0."""
    return (f"({gauge}{{{sel}}} > 0 or {gauge}{{{sel}}} * 0"
            f" + ignoring(site) group_left() process_start_time_seconds{{{SEL}}})")


class Builder:
    def __init__(self):
        self.panels = []
        self.next_id = 1
        self.y = 0
        self.x = 0
        self.row_h = 0

    def _place(self, w, h):
        if self.x + w > 24:
            self.y += self.row_h
            self.x, self.row_h = 0, 0
        pos = {"x": self.x, "y": self.y, "w": w, "h": h}
        self.x += w
        self.row_h = max(self.row_h, h)
        return pos

    def _newline(self):
        self.y += self.row_h
        self.x, self.row_h = 0, 0

    def _id(self):
        i = self.next_id
        self.next_id += 1
        return i

    def row(self, title, repeat=None, collapsed=False):
        self._newline()
        p = {"type": "row", "id": self._id(), "title": title, "collapsed": collapsed,
             "datasource": DS, "gridPos": {"x": 0, "y": self.y, "w": 24, "h": 1}, "panels": []}
        if repeat:
            p["repeat"] = repeat
        self.y += 1
        self.panels.append(p)
        return p

    def panel(self, kind, title, targets, w=8, h=8, description="", unit=None, fieldconfig=None,
              options=None, transformations=None, decimals=None, overrides=None, links=None):
        refs = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
        tgts = []
        for i, t in enumerate(targets):
            if isinstance(t, str):
                t = {"expr": t}
            t = dict(t)
            t.setdefault("legendFormat", "__auto")
            t.setdefault("range", True)
            t.setdefault("instant", False)
            tgts.append({"datasource": DS, "refId": refs[i], "editorMode": "code", **t})
        defaults = {"unit": unit or "short"}
        if decimals is not None:
            defaults["decimals"] = decimals
        if kind == "timeseries":
            defaults["custom"] = {"drawStyle": "line", "lineWidth": 1, "fillOpacity": 10,
                                  "showPoints": "never", "spanNulls": False,
                                  "stacking": {"mode": "none", "group": "A"}}
            defaults["min"] = 0
        defaults["color"] = {"mode": "palette-classic" if kind == "timeseries" else "thresholds"}
        defaults["thresholds"] = {"mode": "absolute",
                                  "steps": [{"color": "green", "value": None}]}
        defaults["mappings"] = []
        if fieldconfig:
            _deep_update(defaults, fieldconfig)
        p = {"type": kind, "id": self._id(), "title": title, "description": description,
             "datasource": DS, "gridPos": self._place(w, h), "targets": tgts,
             "fieldConfig": {"defaults": defaults, "overrides": overrides or []}}
        if kind == "timeseries":
            p["options"] = {"legend": {"displayMode": "list", "placement": "bottom",
                                       "showLegend": True, "calcs": []},
                            "tooltip": {"mode": "multi", "sort": "desc"}}
        elif kind == "stat":
            p["options"] = {"reduceOptions": {"calcs": ["lastNotNull"], "fields": "",
                                              "values": False},
                            "colorMode": "value", "graphMode": "none", "justifyMode": "auto",
                            "textMode": "auto", "orientation": "auto"}
        if options:
            _deep_update(p.setdefault("options", {}), options)
        if transformations:
            p["transformations"] = transformations
        if links:
            p["links"] = links
        self.panels.append(p)
        return p


def _deep_update(dst, src):
    for k, v in src.items():
        if isinstance(v, dict) and isinstance(dst.get(k), dict):
            _deep_update(dst[k], v)
        else:
            dst[k] = v


def thresholds(*steps):
    out = [{"color": steps[0], "value": None}]
    for i in range(1, len(steps), 2):
        out.append({"color": steps[i + 1], "value": steps[i]})
    return {"thresholds": {"mode": "absolute", "steps": out}}


def stacked():
    return {"custom": {"stacking": {"mode": "normal", "group": "A"}, "fillOpacity": 40}}


def datasource_var():
    return {"name": "datasource", "label": "Data source", "type": "datasource",
            "query": "prometheus", "current": {}, "hide": 0, "includeAll": False,
            "multi": False, "options": [], "refresh": 1, "regex": "", "skipUrlSync": False}


def query_var(name, label, query, multi=True, include_all=True, all_value=".*"):
    v = {"name": name, "label": label, "type": "query", "datasource": DS,
         "definition": query, "query": {"query": query, "refId": f"{name}-var"},
         "current": {}, "hide": 0, "includeAll": include_all, "multi": multi, "options": [],
         "refresh": 2, "regex": "", "sort": 1, "skipUrlSync": False}
    if include_all:
        v["allValue"] = all_value
    return v


def dashboard(uid, title, description, panels, variables, tags, time_from="now-24h"):
    return {
        "uid": uid,
        "title": title,
        "description": description,
        "tags": tags,
        "timezone": "browser",
        "editable": True,
        "graphTooltip": 1,
        "fiscalYearStartMonth": 0,
        "liveNow": False,
        "refresh": "1m",
        "schemaVersion": 39,
        "version": 1,
        "weekStart": "",
        "time": {"from": time_from, "to": "now"},
        "timepicker": {},
        "annotations": {"list": [{
            "builtIn": 1, "datasource": {"type": "grafana", "uid": "-- Grafana --"},
            "enable": True, "hide": True, "iconColor": "rgba(0, 211, 255, 1)",
            "name": "Annotations & Alerts", "type": "dashboard"}]},
        "links": [{"type": "dashboards", "tags": ["tincrawl"], "asDropdown": False,
                   "includeVars": True, "keepTime": True, "title": "tincrawl",
                   "icon": "external link", "targetBlank": False, "tooltip": "", "url": ""}],
        "templating": {"list": variables},
        "panels": panels,
    }


def common_vars():
    return [
        datasource_var(),
        query_var("job", "Job", "label_values(tincrawl_up, job)"),
        query_var("instance", "Instance", 'label_values(tincrawl_up{job=~"$job"}, instance)'),
    ]


# --------------------------------------------------------------------------------------------
def overview():
    b = Builder()
    b.row("Health")
    b.panel("stat", "Daemons up", [f"sum(tincrawl_up{{{SEL}}})"], w=3, h=4,
            description="Daemons exporting tincrawl_up (1 each while running).",
            fieldconfig=thresholds("red", 1, "green"))
    b.panel("stat", "Version", [{"expr": f"count by (version) (tincrawl_build_info{{{SEL}}})",
                                 "legendFormat": "{{version}}", "instant": True,
                                 "range": False}],
            w=3, h=4, description="tincrawl_build_info: the running version(s).",
            options={"textMode": "name", "colorMode": "none"})
    b.panel("stat", "Uptime",
            [f"time() - process_start_time_seconds{{{SEL}}} and on(instance, job) tincrawl_up{{{SEL}}}"],
            w=3, h=4, unit="s", description="Time since the daemon (re)started.")
    b.panel("stat", "Sites configured", [f"sum(tincrawl_sites_configured{{{SEL}}})"], w=3, h=4,
            description="Enabled sites in the loaded config.")
    b.panel("stat", "Sites up", [
        f"count(tincrawl_site_last_success_timestamp_seconds{{{SEL}}} > time() - 6 * 3600) or vector(0)"],
        w=3, h=4, description="Sites with a successful fetch in the last 6 hours.",
        fieldconfig=thresholds("green"))
    b.panel("stat", "Sites dark", [
        f"count(time() - {last_or_start('tincrawl_site_last_success_timestamp_seconds')} > 6 * 3600) or vector(0)"],
        w=3, h=4, description="Sites without a successful fetch for 6 hours (a site that never "
        "succeeded counts from the daemon start). Alert: SiteUnreachable.",
        fieldconfig=thresholds("green", 1, "red"))
    b.panel("stat", "Sites stale", [
        f"count(time() - {last_or_start('tincrawl_site_last_new_article_timestamp_seconds')} > 3 * 86400) or vector(0)"],
        w=3, h=4, description="Sites without a new article for 3 days (a site that never had one "
        "counts from the daemon start). Alert: SiteStale (only for sites that usually publish).",
        fieldconfig=thresholds("green", 1, "orange"))
    b.panel("stat", "Circuits open", [f"sum(tincrawl_site_circuit_open{{{SEL}}}) or vector(0)"],
            w=3, h=4, description="Sites with a host whose circuit breaker is open.",
            fieldconfig=thresholds("green", 1, "orange"))

    b.row("Fetching")
    b.panel("timeseries", "Fetch rate by outcome", [{
        "expr": f"sum by (outcome) (rate(tincrawl_fetches_total{{{SEL}}}[$__rate_interval]))",
        "legendFormat": "{{outcome}}"}], w=12, unit="reqps", fieldconfig=stacked(),
        description="Completed fetches per second by outcome (ok, not_modified, redirect, "
        "http_4xx, http_5xx, timeout, dns, connect, tls, too_large, robots_denied, reset, "
        "private_address, cancelled, error).")
    b.panel("timeseries", "Fetch error ratio", [{
        "expr": f'sum(rate(tincrawl_fetches_total{{{SEL}, outcome=~"{ERROR_OUTCOMES}"}}[$__rate_interval]))'
                f' / sum(rate(tincrawl_fetches_total{{{SEL}, outcome!~"{NOT_ATTEMPTED}"}}[$__rate_interval]))',
        "legendFormat": "error ratio"}], w=12, unit="percentunit",
        fieldconfig={"max": 1},
        description="Failed fetches (HTTP 4xx/5xx, timeout, DNS, connect, TLS, too large, reset, "
        "private address, other errors) over attempted fetches. robots_denied and "
        "cancelled are not attempts and count on neither side.")
    b.panel("timeseries", "Fetch time p50 / p95 (total)", [
        {"expr": f'histogram_quantile(0.5, sum by (le) (rate(tincrawl_fetch_duration_seconds_bucket{{{SEL}, phase="total"}}[$__rate_interval])))',
         "legendFormat": "p50"},
        {"expr": f'histogram_quantile(0.95, sum by (le) (rate(tincrawl_fetch_duration_seconds_bucket{{{SEL}, phase="total"}}[$__rate_interval])))',
         "legendFormat": "p95"}], w=8, unit="s",
        description="Whole-transfer time quantiles from tincrawl_fetch_duration_seconds{phase=\"total\"}.")
    b.panel("timeseries", "Fetch phase p95", [{
        "expr": f"histogram_quantile(0.95, sum by (le, phase) (rate(tincrawl_fetch_duration_seconds_bucket{{{SEL}}}[$__rate_interval])))",
        "legendFormat": "{{phase}}"}], w=8, unit="s",
        description="p95 of the time to reach each phase (dns, connect, tls, first_byte, total), "
        "cumulative from the start of the transfer.")
    b.panel("timeseries", "In-flight transfers", [{
        "expr": f"sum by (instance) (tincrawl_inflight_fetches{{{SEL}}})",
        "legendFormat": "{{instance}}"}], w=8,
        description="Transfers currently in flight (tincrawl_inflight_fetches).")
    b.panel("timeseries", "Download rate", [{
        "expr": f"sum(rate(tincrawl_response_bytes_total{{{SEL}}}[$__rate_interval]))",
        "legendFormat": "decoded body bytes"}], w=8, unit="Bps",
        description="Decoded response body bytes per second over all sites.")
    b.panel("timeseries", "URLs dropped by reason", [{
        "expr": f"sum by (reason) (rate(tincrawl_urls_dropped_total{{{SEL}}}[$__rate_interval]))",
        "legendFormat": "{{reason}}"}], w=8, unit="ops", fieldconfig=stacked(),
        description="Discovered URLs not queued: out_of_scope, trap, budget, robots.")
    b.panel("timeseries", "Backpressure and robots", [
        {"expr": f"sum(rate(tincrawl_worker_queue_full_total{{{SEL}}}[$__rate_interval]))",
         "legendFormat": "worker queue full"},
        {"expr": f"sum(rate(tincrawl_robots_denied_total{{{SEL}}}[$__rate_interval]))",
         "legendFormat": "robots denied"}], w=8, unit="ops",
        description="Times the worker queue was full, and URLs skipped because robots.txt "
        "disallows them.")

    b.row("Articles")
    b.panel("timeseries", "New articles per hour", [{
        "expr": f'sum(rate(tincrawl_articles_total{{{SEL}, kind="new"}}[$__rate_interval])) * 3600',
        "legendFormat": "new / h"}], w=8, decimals=1,
        description="Rate of new articles, scaled to articles per hour.")
    b.panel("timeseries", "Articles by kind per hour", [{
        "expr": f"sum by (kind) (rate(tincrawl_articles_total{{{SEL}}}[$__rate_interval])) * 3600",
        "legendFormat": "{{kind}}"}], w=8, decimals=1, fieldconfig=stacked(),
        description="new, updated, duplicate_exact, duplicate_near, unchanged; per hour.")
    b.panel("timeseries", "Duplicate ratio", [{
        "expr": f'sum(rate(tincrawl_articles_total{{{SEL}, kind=~"{DUPLICATE_KINDS}"}}[$__rate_interval]))'
                f' / sum(rate(tincrawl_articles_total{{{SEL}, kind=~"{EXTRACTED_KINDS}"}}[$__rate_interval]))',
        "legendFormat": "duplicates"}], w=8, unit="percentunit", fieldconfig={"max": 1},
        description="Exact and near duplicates over all extracted articles (new, updated, "
        "duplicates; unchanged re-fetches excluded).")
    b.panel("timeseries", "Extraction failure ratio", [{
        "expr": f"sum(rate(tincrawl_extract_failures_total{{{SEL}}}[$__rate_interval]))"
                f' / (sum(rate(tincrawl_articles_total{{{SEL}, kind=~"{EXTRACTED_KINDS}"}}[$__rate_interval]))'
                f" + sum(rate(tincrawl_extract_failures_total{{{SEL}}}[$__rate_interval])))",
        "legendFormat": "failed"}], w=8, unit="percentunit", fieldconfig={"max": 1},
        description="Article pages that gave no usable article, over all article pages. "
        "Alert ExtractionFailing fires per site above 20% for an hour.")
    b.panel("timeseries", "Extraction failures by reason", [{
        "expr": f"sum by (reason) (rate(tincrawl_extract_failures_total{{{SEL}}}[$__rate_interval])) * 3600",
        "legendFormat": "{{reason}}"}], w=8, decimals=1, fieldconfig=stacked(),
        description="Failures per hour: no_content, no_title, no_date, binary, too_large, empty, other.")
    b.panel("timeseries", "Generic-extraction fallbacks per hour", [{
        "expr": f"sum(rate(tincrawl_extract_fallback_total{{{SEL}}}[$__rate_interval])) * 3600",
        "legendFormat": "fallbacks / h"}], w=8, decimals=1,
        description="Pages where the site's rules failed and generic extraction was used.")

    b.row("Process and store")
    b.panel("timeseries", "Event loop lag p99", [{
        "expr": f"histogram_quantile(0.99, sum by (le, instance) (rate(tincrawl_loop_lag_seconds_bucket{{{SEL}}}[$__rate_interval])))",
        "legendFormat": "{{instance}}"}], w=8, unit="s",
        fieldconfig={"custom": {"thresholdsStyle": {"mode": "line"}},
                     **thresholds("green", 0.1, "red")},
        description="How late periodic timers fire. Alert LoopLagHigh: p99 > 100ms for 10m.")
    b.panel("timeseries", "Resident memory", [
        {"expr": f"process_resident_memory_bytes{{{SEL}}} and on(instance, job) tincrawl_up{{{SEL}}}",
         "legendFormat": "RSS {{instance}}"},
        {"expr": f"sum by (instance, part) (tincrawl_store_memory_bytes{{{SEL}}})",
         "legendFormat": "RocksDB {{part}} {{instance}}"},
        {"expr": f"sum by (instance) (tincrawl_dedup_index_bytes{{{SEL}}})",
         "legendFormat": "near-duplicate index {{instance}}"}], w=8, unit="bytes",
        description="Resident set size of the daemon, and the parts of it that are RocksDB's "
        "memtables, block cache (bounded by store.block_cache_bytes) and table readers, and the "
        "near-duplicate index (grows with the archive). RSS growing while these stay flat is "
        "heap growth elsewhere.")
    b.panel("timeseries", "CPU", [{
        "expr": f"rate(process_cpu_seconds_total{{{SEL}}}[$__rate_interval]) and on(instance, job) tincrawl_up{{{SEL}}}",
        "legendFormat": "{{instance}}"}], w=8, unit="percentunit",
        description="CPU seconds per second (1 = one full core).")
    b.panel("timeseries", "Store size", [
        {"expr": f"sum by (instance) (tincrawl_store_bytes{{{SEL}}})",
         "legendFormat": "SST files {{instance}}"},
        {"expr": f"sum by (instance) (tincrawl_store_pending_compaction_bytes{{{SEL}}})",
         "legendFormat": "pending compaction {{instance}}"}], w=8, unit="bytes",
        description="RocksDB SST bytes and the bytes compaction still has to rewrite.")
    b.panel("timeseries", "Store health", [
        {"expr": f"max by (instance) (tincrawl_store_paused{{{SEL}}})",
         "legendFormat": "paused {{instance}}"},
        {"expr": f"sum by (instance) (increase(tincrawl_store_write_errors_total{{{SEL}}}[$__rate_interval]))",
         "legendFormat": "write errors {{instance}}"}], w=8,
        description="1 while fetching is paused because the store cannot write (alert "
        "DiskAlmostFull), and failed store writes (alert StoreWriteErrors).")
    b.panel("timeseries", "File descriptors", [
        {"expr": f"process_open_fds{{{SEL}}} and on(instance, job) tincrawl_up{{{SEL}}}",
         "legendFormat": "open {{instance}}"},
        {"expr": f"process_max_fds{{{SEL}}} and on(instance, job) tincrawl_up{{{SEL}}}",
         "legendFormat": "limit {{instance}}"}], w=8,
        description="Open file descriptors and the RLIMIT_NOFILE soft limit.")
    b.panel("timeseries", "Spool lines per minute", [{
        "expr": f"sum(rate(tincrawl_spool_lines_total{{{SEL}}}[$__rate_interval])) * 60",
        "legendFormat": "lines / min"}], w=8, decimals=1,
        description="Lines appended to the spool (exported articles).")

    b.row("PostgreSQL sink")
    b.panel("timeseries", "Sink lag", [{
        "expr": f"max by (instance) (tincrawl_sink_lag_seconds{{{SEL}}})",
        "legendFormat": "{{instance}}"}], w=8, unit="s",
        fieldconfig={"custom": {"thresholdsStyle": {"mode": "line"}},
                     **thresholds("green", 600, "red")},
        description="Age of the oldest durable spool line not yet in PostgreSQL (0 when caught "
        "up). Alert SinkFallingBehind: above 10 minutes for 10 minutes.")
    b.panel("timeseries", "Sink rows per minute", [{
        "expr": f"sum by (op) (rate(tincrawl_sink_rows_total{{{SEL}}}[$__rate_interval])) * 60",
        "legendFormat": "{{op}}"}], w=8, decimals=1, fieldconfig=stacked(),
        description="Spool lines committed to PostgreSQL: insert (new article row), update "
        "(a newer revision, in place), skip (the row had it), reject (kept in rejected_lines).")
    b.panel("timeseries", "Sink errors per hour", [{
        "expr": f"sum by (reason) (rate(tincrawl_sink_errors_total{{{SEL}}}[$__rate_interval])) * 3600",
        "legendFormat": "{{reason}}"}], w=8, decimals=1, fieldconfig=stacked(),
        description="connect, schema, query (each retried with backoff), rejected (a line the "
        "database refused), spool (unreadable spool), position (the spool did not match the "
        "committed position).")
    b.panel("stat", "Config reloads (time range)", [{
        "expr": f"sum by (result) (increase(tincrawl_config_reloads_total{{{SEL}}}[$__range]))",
        "legendFormat": "{{result}}", "instant": True, "range": False}], w=8, decimals=0,
        description="Config reloads in the dashboard's time range, by result (success, failure). "
        "Alert ConfigReloadFailed.",
        overrides=[{"matcher": {"id": "byName", "options": "failure"},
                    "properties": [{"id": "thresholds", "value": thresholds(
                        "green", 1, "red")["thresholds"]}]}],
        options={"textMode": "value_and_name"})
    b.panel("timeseries", "Config reloads", [{
        "expr": f"sum by (result) (increase(tincrawl_config_reloads_total{{{SEL}}}[$__rate_interval]))",
        "legendFormat": "{{result}}"}], w=8, decimals=0,
        fieldconfig={"custom": {"drawStyle": "bars", "fillOpacity": 80}},
        description="Config reloads (systemctl reload tincrawl) by result.")
    return dashboard(
        "tincrawl-overview", "tincrawl / overview",
        "tincrawl news crawler: fetching, articles, sites health, process and store.",
        b.panels, common_vars(), ["tincrawl"])


# --------------------------------------------------------------------------------------------
def sites():
    b = Builder()
    b.row("All sites")
    by_site = lambda e: {"expr": e, "format": "table", "instant": True, "range": False,
                         "legendFormat": "__auto"}
    never = {"type": "range", "options": {"from": 1e9, "to": None,
                                          "result": {"text": "never", "color": "red"}}}
    age_fc = lambda warn, crit: [
        {"id": "unit", "value": "s"}, {"id": "decimals", "value": 0},
        {"id": "mappings", "value": [never]},
        {"id": "custom.cellOptions", "value": {"type": "color-text"}},
        {"id": "thresholds", "value": thresholds("green", warn, "orange", crit, "red")["thresholds"]}]
    targets = [
        by_site(f"time() - max by (site) (tincrawl_site_last_success_timestamp_seconds{{{SEL}}})"),
        by_site(f"time() - max by (site) (tincrawl_site_last_new_article_timestamp_seconds{{{SEL}}})"),
        by_site(f"max by (site) (tincrawl_site_consecutive_failures{{{SEL}}})"),
        by_site(f"max by (site) (tincrawl_site_circuit_open{{{SEL}}})"),
        by_site(f'sum by (site) (increase(tincrawl_articles_total{{{SEL}, kind="new"}}[1d]))'),
        by_site(f"sum by (site) (increase(tincrawl_extract_failures_total{{{SEL}}}[$__range]))"
                f' / (sum by (site) (increase(tincrawl_articles_total{{{SEL}, kind=~"{EXTRACTED_KINDS}"}}[$__range]))'
                f" + sum by (site) (increase(tincrawl_extract_failures_total{{{SEL}}}[$__range])))"),
        by_site(f'sum by (site) (tincrawl_frontier_urls{{{SEL}, state="due"}})'),
        by_site(f'sum by (site) (increase(tincrawl_fetches_total{{{SEL}, outcome=~"{ERROR_OUTCOMES}"}}[1h]))'
                f' / sum by (site) (increase(tincrawl_fetches_total{{{SEL}, outcome!~"{NOT_ATTEMPTED}"}}[1h]))'),
    ]
    names = {
        "Value #A": "Last success",
        "Value #B": "Last new article",
        "Value #C": "Consecutive failures",
        "Value #D": "Circuit",
        "Value #E": "New articles / 24h",
        "Value #F": "Extraction failures",
        "Value #G": "Queued URLs",
        "Value #H": "Fetch errors (1h)",
    }
    order = {"site": 0}
    order.update({k: i + 1 for i, k in enumerate(names)})
    ov = lambda name, props: {"matcher": {"id": "byName", "options": name}, "properties": props}
    overrides = [
        ov("site", [{"id": "displayName", "value": "Site"},
                    {"id": "links", "value": [{
                        "title": "Drill down to ${__value.raw}",
                        "url": "/d/tincrawl-sites/tincrawl-sites?${__url_time_range}"
                               "&${datasource:queryparam}&${job:queryparam}"
                               "&${instance:queryparam}&var-site=${__value.raw}"}]}]),
        ov("Last success", age_fc(3600, 6 * 3600)),
        ov("Last new article", age_fc(86400, 3 * 86400)),
        ov("Consecutive failures", [
            {"id": "custom.cellOptions", "value": {"type": "color-text"}},
            {"id": "thresholds", "value": thresholds("green", 3, "orange", 10, "red")["thresholds"]}]),
        ov("Circuit", [
            {"id": "mappings", "value": [{"type": "value", "options": {
                "0": {"text": "closed", "color": "green"},
                "1": {"text": "open", "color": "red"}}}]},
            {"id": "custom.cellOptions", "value": {"type": "color-text"}}]),
        ov("New articles / 24h", [{"id": "decimals", "value": 0}]),
        ov("Extraction failures", [
            {"id": "unit", "value": "percentunit"}, {"id": "decimals", "value": 1},
            {"id": "custom.cellOptions", "value": {"type": "color-text"}},
            {"id": "thresholds", "value": thresholds("green", 0.05, "orange", 0.2, "red")["thresholds"]}]),
        ov("Queued URLs", [{"id": "decimals", "value": 0}]),
        ov("Fetch errors (1h)", [
            {"id": "unit", "value": "percentunit"}, {"id": "decimals", "value": 1},
            {"id": "custom.cellOptions", "value": {"type": "color-text"}},
            {"id": "thresholds", "value": thresholds("green", 0.1, "orange", 0.5, "red")["thresholds"]}]),
    ]
    b.panel("table", "Sites", targets, w=24, h=14,
            description="One row per configured site. Last success / last new article are ages "
            "(\"never\" while the gauge is still 0 since the daemon started). Dark = no success "
            "for 6h (red), stale = no new article for 3 days (red). Articles/24h counts new "
            "articles; extraction failures are over the dashboard time range; fetch errors over "
            "the last hour. Click a site to drill down.",
            transformations=[
                {"id": "merge", "options": {}},
                {"id": "organize", "options": {
                    "excludeByName": {"Time": True},
                    "indexByName": order,
                    "renameByName": names}},
                {"id": "sortBy", "options": {"fields": {}, "sort": [
                    {"field": "Last success", "desc": True}]}},
            ],
            overrides=overrides,
            fieldconfig={"custom": {"align": "auto", "filterable": True,
                                    "cellOptions": {"type": "auto"}, "inspect": False}},
            options={"showHeader": True, "cellHeight": "sm",
                     "footer": {"show": False, "reducer": ["sum"], "countRows": False,
                                "fields": ""},
                     "sortBy": [{"displayName": "Last success", "desc": True}]})

    b.row("Site $site", repeat="site")
    b.panel("timeseries", "Fetch outcomes", [{
        "expr": f"sum by (outcome) (rate(tincrawl_fetches_total{{{SITE_SEL}}}[$__rate_interval]))",
        "legendFormat": "{{outcome}}"}], w=8, unit="reqps", fieldconfig=stacked(),
        description="Completed fetches of the site per second, by outcome.")
    b.panel("timeseries", "Articles by kind per hour", [{
        "expr": f"sum by (kind) (rate(tincrawl_articles_total{{{SITE_SEL}}}[$__rate_interval])) * 3600",
        "legendFormat": "{{kind}}"}], w=8, decimals=1, fieldconfig=stacked(),
        description="new, updated, duplicate_exact, duplicate_near, unchanged.")
    b.panel("timeseries", "Extraction failures by reason per hour", [
        {"expr": f"sum by (reason) (rate(tincrawl_extract_failures_total{{{SITE_SEL}}}[$__rate_interval])) * 3600",
         "legendFormat": "{{reason}}"},
        {"expr": f"sum(rate(tincrawl_extract_fallback_total{{{SITE_SEL}}}[$__rate_interval])) * 3600",
         "legendFormat": "generic fallback (not a failure)"}], w=8, decimals=1,
        description="no_content, no_title, no_date, binary, too_large, empty, other; plus pages "
        "extracted by the generic fallback.")
    b.panel("timeseries", "Frontier by state", [{
        "expr": f"sum by (state) (tincrawl_frontier_urls{{{SITE_SEL}}})",
        "legendFormat": "{{state}}"}], w=8,
        description="URLs in the site's frontier: due (waiting), inflight, scheduled (for a later visit).")
    b.panel("timeseries", "Health", [
        {"expr": f"max(tincrawl_site_consecutive_failures{{{SITE_SEL}}})",
         "legendFormat": "consecutive failures"},
        {"expr": f"max(tincrawl_site_circuit_open{{{SITE_SEL}}})",
         "legendFormat": "circuit open"}], w=8,
        description="Consecutive failed fetches and the circuit-breaker state (1 = open).")
    b.panel("timeseries", "Time since last success / new article", [
        {"expr": f"time() - max(tincrawl_site_last_success_timestamp_seconds{{{SITE_SEL}}} > 0)",
         "legendFormat": "since last success"},
        {"expr": f"time() - max(tincrawl_site_last_new_article_timestamp_seconds{{{SITE_SEL}}} > 0)",
         "legendFormat": "since last new article"}], w=8, unit="s",
        description="Ages of the site's timestamps (no line while a gauge is still 0).")
    b.panel("timeseries", "Robots denials and relaxed TLS", [
        {"expr": f"sum(rate(tincrawl_robots_denied_total{{{SITE_SEL}}}[$__rate_interval]))",
         "legendFormat": "robots denied"},
        {"expr": f"sum by (setting) (rate(tincrawl_tls_relaxed_fetches_total{{{SITE_SEL}}}[$__rate_interval]))",
         "legendFormat": "relaxed TLS: {{setting}}"}], w=12, unit="ops",
        description="URLs skipped by robots.txt (alert RobotsBlockedAll) and fetches under a "
        "relaxed TLS setting (alert TLSRelaxedUsed).")
    b.panel("timeseries", "Download rate", [{
        "expr": f"sum(rate(tincrawl_response_bytes_total{{{SITE_SEL}}}[$__rate_interval]))",
        "legendFormat": "decoded body bytes"}], w=12, unit="Bps",
        description="Decoded response body bytes per second.")
    b.panel("timeseries", "Politeness delay", [{
        "expr": f"max by (site) (tincrawl_site_delay_seconds{{{SITE_SEL}}})",
        "legendFormat": "{{site}}"}], w=12, unit="s",
        description="Current delay between requests to the site's hosts. It doubles on each 429 "
        "(or 503 with Retry-After), up to crawl_delay_cap_seconds, and relaxes back to the "
        "configured delay after successes; rate limits never open the circuit.")
    b.panel("timeseries", "URLs given up", [{
        "expr": f"sum by (site, reason) (increase(tincrawl_urls_given_up_total{{{SITE_SEL}}}[1h]))",
        "legendFormat": "{{site}} {{reason}}"}], w=12, unit="short",
        description="URLs no longer fetched after 4 permanent refusals in a row (other 4xx, "
        "redirect loops, unknown errors), per hour. Transient failures (DNS, timeouts, 5xx, 429, "
        "robots.txt outages) never give a URL up; docs/outcomes.md has the table.")

    variables = common_vars() + [query_var(
        "site", "Site", 'label_values(tincrawl_fetches_total{job=~"$job", instance=~"$instance"}, site)',
        multi=True, include_all=False)]
    return dashboard(
        "tincrawl-sites", "tincrawl / sites",
        "Per-site health of the tincrawl crawler: one table row per site, drill-down per site.",
        b.panels, variables, ["tincrawl"])


def main():
    check = "--check" in sys.argv[1:]
    stale = []
    for name, fn in (("tincrawl-overview.json", overview), ("tincrawl-sites.json", sites)):
        text = json.dumps(fn(), indent=2, ensure_ascii=False) + "\n"
        path = os.path.join(HERE, name)
        if check:
            try:
                with open(path, encoding="utf-8") as f:
                    if f.read() != text:
                        stale.append(name)
            except FileNotFoundError:
                stale.append(name)
        else:
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
    if stale:
        print("out of date (run gen_dashboards.py): " + ", ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

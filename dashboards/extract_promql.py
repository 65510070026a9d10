#!/usr/bin/python3
"""Extracts every PromQL expression from the tincrawl dashboards and alert rules.

    extract_promql.py [options] [FILE...]

FILEs are Grafana dashboard JSON files and Prometheus rule files (YAML); by default
tincrawl-overview.json, tincrawl-sites.json and alerts.yml next to this script.

Writes the expressions one per line (whitespace collapsed, duplicates removed, in file order)
to stdout or -o FILE, with Grafana variables substituted so that each line is plain PromQL:
    $__rate_interval, $__interval, ${__interval} ...  -> 1m
    $__range, ${__range}                            -> 1h
    $__range_s -> 3600, $__range_ms -> 3600000, $__interval_ms -> 60000
    any other $var, ${var}, ${var:format}, [[var]]  -> .*   (dashboards match variables with =~)
Panel targets, and the PromQL inside query variables (label_values(EXPR, label) and
query_result(EXPR)), are extracted.

Options:
  -o FILE             write the expressions to FILE instead of stdout
  --with-source       prefix each line with "<file>:<where>\t" (the file is then not deduplicated)
  --lint              also check the files and exit 1 on any problem:
                        dashboards: JSON parses, schemaVersion >= 38, a `datasource` variable
                        (type datasource, query prometheus), every panel and target uses
                        ${datasource}, every non-row panel has targets and every target a
                        non-empty expr, unique panel ids, variables used in exprs are defined and
                        only used with =~ / !~;
                        rules: every alert has a severity (critical|warning|info), a summary and
                        a description; per-site alerts mention {{ $labels.site }} in the summary;
                        all: metric names and label values of tincrawl's enumerated labels
                        (outcome, kind, reason, phase, state, setting, result) exist.
  --metrics-source F  with --lint, take the known metric names from F (crawler/telemetry/metrics.cpp)
                      instead of the built-in list
  --rules-file F      also write the expressions as a Prometheus rule file (one recording rule
                      each) to F, so `promtool check rules F` parses every expression offline
  --query-url URL     send every expression to a Prometheus at URL (/api/v1/query) and exit 1
                      unless each answers status "success"
  --require-data      with --query-url, also require every dashboard expression (from a .json
                      file) to return a non-empty result: use against a Prometheus holding
                      tincrawl data (check.sh --live backfills synth_openmetrics.py output)
  --timeout S         per-request timeout for --query-url (default 10)
Python 3 stdlib + PyYAML (Debian python3-yaml).
"""
import argparse
import json
import os
import re
import sys
import urllib.error
import urllib.parse
import urllib.request

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_FILES = ["tincrawl-overview.json", "tincrawl-sites.json", "alerts.yml"]

# Metrics the daemon exports (crawler/telemetry/metrics.cpp); histograms expand to _bucket/_sum/_count.
KNOWN_METRICS = {
    "tincrawl_build_info", "tincrawl_up", "process_cpu_seconds_total",
    "process_resident_memory_bytes", "process_virtual_memory_bytes", "process_open_fds",
    "process_max_fds", "process_start_time_seconds", "tincrawl_fetches_total",
    "tincrawl_response_bytes_total", "tincrawl_inflight_fetches", "tincrawl_robots_denied_total",
    "tincrawl_tls_relaxed_fetches_total", "tincrawl_articles_total",
    "tincrawl_extract_failures_total", "tincrawl_extract_fallback_total",
    "tincrawl_site_last_success_timestamp_seconds",
    "tincrawl_site_last_new_article_timestamp_seconds", "tincrawl_site_consecutive_failures",
    "tincrawl_site_circuit_open", "tincrawl_frontier_urls", "tincrawl_store_bytes",
    "tincrawl_store_pending_compaction_bytes", "tincrawl_store_paused",
    "tincrawl_store_write_errors_total", "tincrawl_spool_lines_total",
    "tincrawl_config_reloads_total", "tincrawl_sites_configured", "tincrawl_urls_dropped_total",
    "tincrawl_worker_queue_full_total", "tincrawl_extract_guarded_total",
    "tincrawl_frontier_links_total", "tincrawl_frontier_leases_total",
    "tincrawl_frontier_budget_deferrals_total", "tincrawl_site_delay_seconds",
    "tincrawl_urls_given_up_total",
    "tincrawl_sink_lag_seconds", "tincrawl_sink_rows_total", "tincrawl_sink_errors_total",
}
HISTOGRAMS = {"tincrawl_loop_lag_seconds", "tincrawl_fetch_duration_seconds"}
# Not from tincrawl: Prometheus' own `up` and the optional node_exporter rule.
EXTERNAL_METRICS = {"up", "node_filesystem_avail_bytes", "node_filesystem_size_bytes"}

LABEL_VALUES = {
    "outcome": {"ok", "not_modified", "redirect", "http_4xx", "http_5xx", "timeout", "dns",
                "connect", "tls", "too_large", "robots_denied", "reset", "private_address",
                "cancelled", "error"},
    "kind": {"new", "updated", "duplicate_exact", "duplicate_near", "unchanged"},
    "reason": {"no_content", "no_title", "no_date", "binary", "too_large", "empty", "other",
               "out_of_scope", "trap", "budget", "robots", "depth", "elements", "work",
               "parser", "connect", "schema", "query", "rejected", "spool", "position"},
    "op": {"insert", "update", "skip", "reject"},
    "phase": {"dns", "connect", "tls", "first_byte", "total"},
    "state": {"due", "inflight", "scheduled"},
    "setting": {"ca_file", "legacy_server_connect", "security_level", "verify_off"},
    "result": {"success", "failure", "added", "known"},
}
SEVERITIES = {"critical", "warning", "info"}

BUILTIN_SUBST = [
    (r"\$\{__rate_interval\}|\$__rate_interval\b", "1m"),
    (r"\$\{__interval_ms\}|\$__interval_ms\b", "60000"),
    (r"\$\{__interval\}|\$__interval\b", "1m"),
    (r"\$\{__range_ms\}|\$__range_ms\b", "3600000"),
    (r"\$\{__range_s\}|\$__range_s\b", "3600"),
    (r"\$\{__range\}|\$__range\b", "1h"),
]
VAR_RE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::[^}]*)?\}|\$([A-Za-z_][A-Za-z0-9_]*)|\[\[([A-Za-z_][A-Za-z0-9_]*)(?::[^\]]*)?\]\]")


def substitute(expr):
    for pattern, repl in BUILTIN_SUBST:
        expr = re.sub(pattern, repl, expr)
    return VAR_RE.sub(".*", expr)


def one_line(expr):
    return " ".join(expr.split())


def variables_in(expr):
    names = set()
    for m in VAR_RE.finditer(expr):
        names.add(next(g for g in m.groups() if g))
    return names


class Problems(list):
    def add(self, where, msg):
        self.append(f"{where}: {msg}")


# ---------------------------------------------------------------------------------------------
def walk_panels(panels):
    for p in panels or []:
        yield p
        # Collapsed rows keep their panels inside the row.
        yield from walk_panels(p.get("panels"))


def var_promql(var):
    """The PromQL inside a query variable, or None."""
    q = var.get("query")
    if isinstance(q, dict):
        q = q.get("query")
    if not isinstance(q, str) or not q.strip():
        return None
    q = q.strip()
    m = re.fullmatch(r"label_values\((.*),\s*[A-Za-z_][A-Za-z0-9_]*\s*\)", q, re.S)
    if m:
        return m.group(1)
    m = re.fullmatch(r"query_result\((.*)\)", q, re.S)
    if m:
        return m.group(1)
    if re.fullmatch(r"(label_values|label_names|metrics)\(.*\)", q, re.S):
        return None  # no PromQL expression (label_values(label), metrics(regex), ...)
    return q


def from_dashboard(path, problems, lint):
    where0 = os.path.basename(path)
    try:
        with open(path, encoding="utf-8") as f:
            dash = json.load(f)
    except (OSError, ValueError) as e:
        problems.add(where0, f"cannot parse JSON: {e}")
        return []
    out = []
    variables = dash.get("templating", {}).get("list", [])
    var_names = {v.get("name") for v in variables}
    if lint:
        if not isinstance(dash.get("schemaVersion"), int) or dash["schemaVersion"] < 38:
            problems.add(where0, f"schemaVersion {dash.get('schemaVersion')!r} < 38")
        ds_vars = [v for v in variables if v.get("name") == "datasource"]
        if not ds_vars or ds_vars[0].get("type") != "datasource" or \
                ds_vars[0].get("query") != "prometheus":
            problems.add(where0, "no `datasource` variable of type datasource, query prometheus")
        if not dash.get("uid") or not dash.get("title"):
            problems.add(where0, "missing uid or title")
    for v in variables:
        if v.get("type") != "query":
            continue
        where = f"{where0}:variable {v.get('name')}"
        if lint and not _is_ds_var(v.get("datasource")):
            problems.add(where, f"datasource is {v.get('datasource')!r}, not ${{datasource}}")
        expr = var_promql(v)
        if expr:
            out.append((where, expr))
    ids = set()
    panels = list(walk_panels(dash.get("panels")))
    if lint and not panels:
        problems.add(where0, "no panels")
    for p in panels:
        where = f"{where0}:panel {p.get('id')} {p.get('title')!r}"
        if lint:
            if p.get("id") in ids:
                problems.add(where, "duplicate panel id")
            ids.add(p.get("id"))
            if not _is_ds_var(p.get("datasource")):
                problems.add(where, f"datasource is {p.get('datasource')!r}, not ${{datasource}}")
            if "gridPos" not in p:
                problems.add(where, "no gridPos")
        if p.get("type") == "row":
            continue
        targets = p.get("targets") or []
        if lint and not targets:
            problems.add(where, "no targets")
        for t in targets:
            twhere = f"{where} target {t.get('refId')}"
            expr = t.get("expr")
            if lint and not _is_ds_var(t.get("datasource")):
                problems.add(twhere, f"datasource is {t.get('datasource')!r}, not ${{datasource}}")
            if not isinstance(expr, str) or not expr.strip():
                problems.add(twhere, "empty expr")
                continue
            out.append((twhere, expr))
    if lint:
        for where, expr in out:
            for name in variables_in(expr):
                if not name.startswith("__") and name not in var_names:
                    problems.add(where, f"uses undefined variable ${name}")
            for m in re.finditer(r'([A-Za-z_][A-Za-z0-9_]*)\s*(!=|=)(?![=~])\s*"([^"]*\$[^"]*)"',
                                 expr):
                problems.add(where, f'variable used with {m.group(2)} ({m.group(0)}); use =~ so '
                             'multi-value and All (.*) work')
    return out


def _is_ds_var(ds):
    if isinstance(ds, dict):
        return ds.get("uid") in ("${datasource}", "$datasource")
    return ds in ("${datasource}", "$datasource")


def from_rules(path, problems, lint):
    where0 = os.path.basename(path)
    try:
        with open(path, encoding="utf-8") as f:
            doc = yaml.safe_load(f)
    except (OSError, yaml.YAMLError) as e:
        problems.add(where0, f"cannot parse YAML: {e}")
        return []
    out = []
    groups = (doc or {}).get("groups")
    if not isinstance(groups, list):
        problems.add(where0, "no `groups` list")
        return []
    for g in groups:
        for r in g.get("rules") or []:
            name = r.get("alert") or r.get("record")
            where = f"{where0}:{g.get('name')}/{name}"
            expr = r.get("expr")
            if not isinstance(expr, str) or not expr.strip():
                problems.add(where, "empty expr")
                continue
            out.append((where, str(expr)))
            if lint and "alert" in r:
                labels = r.get("labels") or {}
                ann = r.get("annotations") or {}
                if labels.get("severity") not in SEVERITIES:
                    problems.add(where, f"severity {labels.get('severity')!r} not in {sorted(SEVERITIES)}")
                for key in ("summary", "description"):
                    if not str(ann.get(key, "")).strip():
                        problems.add(where, f"no {key} annotation")
                if re.search(r"\btincrawl_(site_|articles|extract|fetches|robots|tls)", expr) \
                        and "$labels.site" not in str(ann.get("summary", "")):
                    problems.add(where, "per-site alert without {{ $labels.site }} in its summary")
    return out


# ---------------------------------------------------------------------------------------------
def known_metrics(source):
    names = set(KNOWN_METRICS)
    hist = set(HISTOGRAMS)
    if source:
        with open(source, encoding="utf-8") as f:
            text = f.read()
        found = set(re.findall(r'"((?:tincrawl|process)_[a-z0-9_]+)"', text))
        found_hist = set(re.findall(
            r'BuildHistogram\(\)\s*\.Name\("([a-z0-9_]+)"\)', text))
        names, hist = found - found_hist, found_hist
    for h in hist:
        names |= {h + "_bucket", h + "_sum", h + "_count"}
    return names | EXTERNAL_METRICS


def lint_expr(where, expr, metrics, problems):
    # Drop string literals before looking for metric names.
    bare = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)
    for m in re.finditer(r"\b((?:tincrawl|process|node)_[A-Za-z0-9_:]*)", bare):
        if m.group(1) not in metrics:
            problems.add(where, f"unknown metric {m.group(1)}")
    for m in re.finditer(r'\b([a-z_]+)\s*(=~|!~|!=|=)\s*"([^"]*)"', expr):
        label, _, value = m.groups()
        if label not in LABEL_VALUES:
            continue
        if value and not re.fullmatch(r"[A-Za-z0-9_|]+", value):
            continue  # a real regex or a variable: cannot enumerate
        for v in filter(None, value.split("|")):
            if v not in LABEL_VALUES[label]:
                problems.add(where, f'{label}="{v}" is not a value tincrawl exports')


def query_all(url, exprs, timeout, need_data=()):
    failures = 0
    empty = 0
    for expr in exprs:
        q = urllib.parse.urlencode({"query": expr})
        try:
            with urllib.request.urlopen(f"{url.rstrip('/')}/api/v1/query?{q}",
                                        timeout=timeout) as resp:
                body = json.load(resp)
        except urllib.error.HTTPError as e:
            try:
                body = json.load(e)
            except ValueError:
                body = {"status": "error", "error": str(e)}
        except (urllib.error.URLError, OSError, ValueError) as e:
            body = {"status": "error", "error": str(e)}
        if body.get("status") != "success":
            failures += 1
            print(f"FAIL {expr}\n     {body.get('errorType', '')}: {body.get('error')}",
                  file=sys.stderr)
        elif expr in need_data:
            data = body.get("data") or {}
            if data.get("resultType") in ("vector", "matrix") and not data.get("result"):
                empty += 1
                print(f"EMPTY {expr}", file=sys.stderr)
    print(f"{len(exprs) - failures}/{len(exprs)} expressions answered status success",
          file=sys.stderr)
    if need_data:
        print(f"{len(need_data) - empty}/{len(need_data)} dashboard expressions returned data",
              file=sys.stderr)
    return failures == 0 and empty == 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("files", nargs="*")
    ap.add_argument("-o", "--output")
    ap.add_argument("--with-source", action="store_true")
    ap.add_argument("--lint", action="store_true")
    ap.add_argument("--metrics-source")
    ap.add_argument("--rules-file")
    ap.add_argument("--query-url")
    ap.add_argument("--require-data", action="store_true")
    ap.add_argument("--timeout", type=float, default=10)
    args = ap.parse_args()
    files = args.files or [os.path.join(HERE, f) for f in DEFAULT_FILES]

    problems = Problems()
    found = []
    for path in files:
        if path.endswith(".json"):
            found += from_dashboard(path, problems, args.lint)
        else:
            found += from_rules(path, problems, args.lint)

    metrics = known_metrics(args.metrics_source) if args.lint else None
    lines, seen, from_dashboards = [], set(), set()
    for where, raw in found:
        expr = one_line(substitute(raw))
        if ".json:" in where:
            from_dashboards.add(expr)
        if args.lint:
            lint_expr(where, expr, metrics, problems)
        if args.with_source:
            lines.append(f"{where}\t{expr}")
        elif expr not in seen:
            seen.add(expr)
            lines.append(expr)
    text = "".join(line + "\n" for line in lines)
    if args.output:
        os.makedirs(os.path.dirname(os.path.abspath(args.output)), exist_ok=True)
        with open(args.output, "w", encoding="utf-8") as f:
            f.write(text)
    else:
        sys.stdout.write(text)

    if args.rules_file:
        exprs = [line.split("\t", 1)[-1] for line in lines]
        doc = {"groups": [{"name": "extracted_promql", "rules": [
            {"record": f"extracted:expr_{i}", "expr": e} for i, e in enumerate(exprs)]}]}
        with open(args.rules_file, "w", encoding="utf-8") as f:
            yaml.safe_dump(doc, f, sort_keys=False, width=1 << 16)

    for p in problems:
        print(f"problem: {p}", file=sys.stderr)
    ok = not problems
    if args.query_url:
        exprs = list(dict.fromkeys(line.split("\t", 1)[-1] for line in lines))
        need = from_dashboards if args.require_data else set()
        ok = query_all(args.query_url, exprs, args.timeout, need) and ok
    if not found:
        print("no expressions found", file=sys.stderr)
        ok = False
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

#!/bin/bash
# Checks the tincrawl dashboards and alert rules. Exit status 0 only if every step passes.
#
#   dashboards/check.sh          offline checks (promtool + Python, no network)
#   dashboards/check.sh --live   also start a throwaway Prometheus on 127.0.0.1 (free port
#                                >= 20000, no scrape targets, alerts.yml loaded), send every
#                                extracted expression to /api/v1/query and require status
#                                "success", and require every alert rule to evaluate without
#                                error. The server is killed on exit.
#
# Steps (offline):
#   1. promtool check rules dashboards/alerts.yml
#   2. promtool test rules dashboards/alerts_test.yml
#   3. the dashboard JSON files parse and match gen_dashboards.py
#   4. extract_promql.py --lint: panel/target/variable structure, ${datasource} everywhere,
#      non-empty exprs, metric names and label values against crawler/telemetry/metrics.cpp; writes every
#      PromQL expression, one per line, to $PROMQL_OUT (default build/dashboards/promql.txt)
#   5. every extracted expression parses (promtool check rules on a generated rule file)
#   6. the linter itself rejects a dashboard with seeded mistakes
#   7. the Grafana provisioning files parse and point at /usr/share/tincrawl/dashboards and
#      http://127.0.0.1:9090
#
# --live additionally backfills three hours of synthetic series (synth_openmetrics.py) into the
# throwaway server and requires every dashboard expression to return data.
#
# Environment: PROMTOOL, PROMETHEUS (binaries), PROMQL_OUT (expression file).
set -u -o pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
PY=/usr/bin/python3
PROMTOOL=${PROMTOOL:-promtool}
PROMETHEUS=${PROMETHEUS:-prometheus}
OUT=${PROMQL_OUT:-$ROOT/build/dashboards/promql.txt}
LIVE=0

for arg in "$@"; do
  case $arg in
    --live) LIVE=1 ;;
    -h|--help) sed -n '2,/^set /p' "$0" | grep '^#'; exit 0 ;;
    *) echo "usage: $0 [--live]" >&2; exit 2 ;;
  esac
done

TMP=$(mktemp -d "${TMPDIR:-/tmp}/tincrawl-dashboards.XXXXXX")
PROM_PID=
cleanup() {
  if [ -n "$PROM_PID" ] && kill -0 "$PROM_PID" 2>/dev/null; then
    kill "$PROM_PID" 2>/dev/null
    wait "$PROM_PID" 2>/dev/null
  fi
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

FAILED=()
step() {
  local name=$1
  shift
  echo "== $name"
  if "$@"; then
    echo "   ok"
  else
    echo "   FAILED: $name"
    FAILED+=("$name")
  fi
}

need() {
  if ! command -v "$1" >/dev/null 2>&1; then
    echo "missing $1 (Debian: apt-get install -y $2)" >&2
    exit 1
  fi
}
need "$PROMTOOL" prometheus
[ -x "$PY" ] || { echo "missing $PY" >&2; exit 1; }
"$PY" -c 'import yaml' 2>/dev/null || { echo "missing PyYAML (apt-get install -y python3-yaml)" >&2; exit 1; }

json_parses() {
  local f rc=0
  for f in "$HERE"/tincrawl-overview.json "$HERE"/tincrawl-sites.json; do
    "$PY" -m json.tool "$f" >/dev/null || { echo "   $f does not parse"; rc=1; }
  done
  return $rc
}

extract() {
  local src=()
  [ -f "$ROOT/crawler/telemetry/metrics.cpp" ] && src=(--metrics-source "$ROOT/crawler/telemetry/metrics.cpp")
  "$PY" "$HERE/extract_promql.py" --lint "${src[@]}" -o "$OUT" --rules-file "$TMP/extracted.rules.yml" &&
    echo "   $(wc -l <"$OUT") expressions in $OUT"
}

exprs_parse() {
  [ -s "$TMP/extracted.rules.yml" ] && "$PROMTOOL" check rules "$TMP/extracted.rules.yml" >"$TMP/parse.log" 2>&1 ||
    { cat "$TMP/parse.log"; return 1; }
}

lint_selftest() {
  "$PY" - "$HERE/tincrawl-sites.json" "$TMP/seeded.json" <<'EOF' || return 1
import json, sys
d = json.load(open(sys.argv[1]))
panels = [p for p in d["panels"] if p["type"] != "row"]
panels[0]["targets"][0]["expr"] = " "
panels[1]["datasource"] = {"type": "prometheus", "uid": "hardcoded"}
panels[2]["targets"][0]["expr"] = 'rate(tincrawl_fetchs_total{site="$site", outcome="okay"}[5m])'
json.dump(d, open(sys.argv[2], "w"))
EOF
  local n
  n=$("$PY" "$HERE/extract_promql.py" --lint "$TMP/seeded.json" 2>&1 >/dev/null | grep -c '^problem:')
  # empty expr, hardcoded datasource, unknown metric, = with a variable, unknown outcome
  if [ "$n" -ne 5 ]; then
    echo "   expected 5 problems in the seeded dashboard, got $n"
    return 1
  fi
}

provisioning() {
  "$PY" - "$HERE/provisioning/dashboards.yml" "$HERE/provisioning/datasources.yml" <<'EOF'
import sys, yaml
dash, ds = (yaml.safe_load(open(f)) for f in sys.argv[1:3])
paths = [p["options"]["path"] for p in dash["providers"] if p.get("type") == "file"]
assert paths == ["/usr/share/tincrawl/dashboards"], paths
urls = [d["url"] for d in ds["datasources"] if d.get("type") == "prometheus"]
assert urls == ["http://127.0.0.1:9090"], urls
assert dash["apiVersion"] == 1 and ds["apiVersion"] == 1
EOF
}

free_port() {
  "$PY" - <<'EOF'
import random, socket
for port in random.sample(range(20000, 60000), 200):
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", port))
    except OSError:
        continue
    finally:
        s.close()
    print(port)
    break
EOF
}

live() {
  need "$PROMETHEUS" prometheus
  need curl curl
  local port url i
  port=$(free_port)
  [ -n "$port" ] || { echo "   no free port"; return 1; }
  url="http://127.0.0.1:$port"
  mkdir -p "$TMP/data"
  # Three hours of synthetic tincrawl series, so dashboard expressions can be required to
  # return data (catches joins and filters that silently match nothing).
  "$PY" "$HERE/synth_openmetrics.py" "$TMP/synthetic.om" --hours 3 --step 15 &&
    "$PROMTOOL" tsdb create-blocks-from openmetrics "$TMP/synthetic.om" "$TMP/data" >"$TMP/backfill.log" 2>&1 ||
    { echo "   backfill failed:"; cat "$TMP/backfill.log"; return 1; }
  cat >"$TMP/prometheus.yml" <<EOF
global:
  scrape_interval: 15s
  evaluation_interval: 1s
rule_files:
  - $HERE/alerts.yml
scrape_configs: []
EOF
  # timeout(1) bounds the server's life even if this script is killed with SIGKILL.
  timeout -s TERM 600 "$PROMETHEUS" --config.file="$TMP/prometheus.yml" \
    --storage.tsdb.path="$TMP/data" --web.listen-address="127.0.0.1:$port" \
    --log.level=warn >"$TMP/prometheus.log" 2>&1 &
  PROM_PID=$!
  echo "   prometheus pid $PROM_PID on $url"
  for i in $(seq 1 60); do
    curl -fsS --max-time 2 "$url/-/ready" >/dev/null 2>&1 && break
    if ! kill -0 "$PROM_PID" 2>/dev/null; then
      echo "   prometheus exited:"; cat "$TMP/prometheus.log"; return 1
    fi
    sleep 0.5
  done
  curl -fsS --max-time 2 "$url/-/ready" >/dev/null 2>&1 || { echo "   not ready after 30s"; cat "$TMP/prometheus.log"; return 1; }

  local rc=0
  "$PY" "$HERE/extract_promql.py" --query-url "$url" --require-data --timeout 10 -o "$TMP/live.txt" 2>&1 || rc=1

  # Every alert rule must have been evaluated and be healthy (retry while rules are unevaluated).
  cat >"$TMP/rules_ok.py" <<'EOF'
import json, sys
rules = [r for g in json.load(open(sys.argv[1]))["data"]["groups"] for r in g["rules"]]
bad = [r for r in rules if r.get("health") != "ok"]
if not rules or bad:
    for r in bad:
        print(f"   rule {r['name']}: health {r.get('health')} {r.get('lastError', '')}", file=sys.stderr)
    sys.exit(1)
print(f"   {len(rules)} alert rules evaluated, all healthy")
EOF
  local ok=
  for i in $(seq 1 20); do
    if curl -fsS --max-time 5 "$url/api/v1/rules" >"$TMP/rules.json" 2>/dev/null &&
      "$PY" "$TMP/rules_ok.py" "$TMP/rules.json" 2>/dev/null; then
      ok=1
      break
    fi
    sleep 1
  done
  [ -n "$ok" ] || "$PY" "$TMP/rules_ok.py" "$TMP/rules.json"
  [ -n "$ok" ] || rc=1
  kill "$PROM_PID" 2>/dev/null
  wait "$PROM_PID" 2>/dev/null
  PROM_PID=
  return $rc
}

cd "$ROOT" || exit 1
step "promtool check rules dashboards/alerts.yml" "$PROMTOOL" check rules "$HERE/alerts.yml"
step "promtool test rules dashboards/alerts_test.yml" "$PROMTOOL" test rules "$HERE/alerts_test.yml"
step "dashboard JSON parses" json_parses
step "dashboard JSON matches gen_dashboards.py" "$PY" "$HERE/gen_dashboards.py" --check
step "provisioning files parse (dashboards path, Prometheus URL)" provisioning
step "lint dashboards and rules, extract PromQL" extract
step "every extracted expression parses" exprs_parse
step "linter rejects seeded mistakes" lint_selftest
[ "$LIVE" = 1 ] && step "live Prometheus accepts every expression" live

if [ ${#FAILED[@]} -ne 0 ]; then
  echo "FAILED: ${FAILED[*]}"
  exit 1
fi
echo "all checks passed"

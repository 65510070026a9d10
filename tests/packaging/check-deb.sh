#!/usr/bin/env bash
# Builds the .deb with CPack, unpacks it into a scratch root and checks the layout, the
# conffiles, the computed dependencies and the systemd unit (verify + security exposure).
set -euo pipefail
build="$1"
src="$2"
root="$(mktemp -d -t tincrawl-deb-XXXXXX)"
trap 'rm -rf "$root"' EXIT
fail() { echo "check-deb: $*" >&2; exit 1; }

cmake --build "$build" --target tincrawl tincrawl_man >/dev/null
(cd "$build" && cpack -G DEB >/dev/null)
deb="$(ls -t "$build"/tincrawl_*.deb | head -1)"
dpkg -x "$deb" "$root"
for f in usr/bin/tincrawl etc/tincrawl/tincrawl.yaml etc/tincrawl/sites/quang-ninh/quangninh.yaml \
         usr/lib/systemd/system/tincrawl.service usr/share/man/man1/tincrawl.1.gz \
         usr/share/tincrawl/schema/site.schema.json \
         usr/share/tincrawl/dashboards/tincrawl-overview.json \
         usr/share/tincrawl/dashboards/alerts.yml \
         usr/share/tincrawl/dashboards/provisioning/dashboards.yml; do
  [ -e "$root/$f" ] || fail "missing /$f"
done
grep -q '^state_dir: /var/lib/tincrawl' "$root/etc/tincrawl/tincrawl.yaml" ||
  fail "installed config does not keep state in /var/lib/tincrawl"
info="$(dpkg-deb -f "$deb" Depends)"
for lib in libcurl4 libuv1 libgumbo1 libicu72 libyaml-cpp libpq5; do
  grep -q "$lib" <<<"$info" || fail "Depends lacks $lib: $info"
done
conffiles="$(dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./conffiles)"
grep -qx /etc/tincrawl/tincrawl.yaml <<<"$conffiles" || fail "tincrawl.yaml is not a conffile"
[ "$(grep -c '^/etc/tincrawl/sites/' <<<"$conffiles")" -ge 34 ] || fail "site files not conffiles"
# The installed binary runs and validates the installed config (paths relative to the root).
"$root/usr/bin/tincrawl" --version | grep -q '^tincrawl ' || fail "binary does not run"
"$root/usr/bin/tincrawl" check-config -c "$root/etc/tincrawl/tincrawl.yaml" >/dev/null ||
  fail "installed config does not validate"
if command -v systemd-analyze >/dev/null; then
  unit="$root/usr/lib/systemd/system/tincrawl.service"
  out="$(systemd-analyze security --offline=yes "$unit" 2>&1 | tail -1)"
  score="$(grep -oE '[0-9]+\.[0-9]+' <<<"$out" | head -1)"
  awk -v s="$score" 'BEGIN { exit !(s <= 1.5) }' || fail "exposure $score > 1.5: $out"
  # verify checks the unit against this machine's systemd, with ExecStart= pointing into the
  # scratch root (the man page is not installed here, so that one check is skipped).
  mkdir -p "$root/verify"
  sed "s#/usr/bin/tincrawl#$root/usr/bin/tincrawl#g" "$unit" >"$root/verify/tincrawl.service"
  verify="$(cd "$root/verify" && systemd-analyze verify ./tincrawl.service 2>&1 |
            grep -v 'man tincrawl(1)' || true)"
  [ -z "$verify" ] || fail "systemd-analyze verify: $verify"
  echo "check-deb: exposure $score"
fi
echo "check-deb: $(basename "$deb") OK"

#!/usr/bin/env python3
"""tincrawl's simulated network of Vietnamese government portals. See README.md.

  farm.py generate --out DIR [--seed 1] [--sites 12] [--articles 30] [--jobs N]
  farm.py serve --dir DIR [--host 127.0.0.1] [--port 0] [--port-file FILE]
                [--publish-every SECONDS] [--log FILE]
  farm.py config --dir DIR --port PORT --out CONFDIR [--state STATEDIR]
  farm.py nginx --dir DIR --port PORT --out FILE [--daemon-off] [--workers N] [--access-log]
"""

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import farm_conf  # noqa: E402
import farm_gen  # noqa: E402
import farm_server  # noqa: E402


def main(argv=None):
    ap = argparse.ArgumentParser(prog="farm.py", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("generate", help="write pages, manifest and gold")
    g.add_argument("--out", required=True)
    g.add_argument("--seed", type=int, default=1)
    g.add_argument("--sites", type=int, default=12)
    g.add_argument("--articles", type=int, default=30)
    g.add_argument("--jobs", type=int, default=0, help="worker processes (default: cores)")
    g.add_argument("--query-urls", default="",
                   help="comma-separated site ids (or '*') whose listings, pagination and "
                        "articles are order-sensitive query-string URLs")
    s = sub.add_parser("serve", help="serve a generated farm over HTTP/1.1")
    s.add_argument("--dir", required=True)
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=0)
    s.add_argument("--port-file")
    s.add_argument("--publish-every", type=float)
    s.add_argument("--log")
    c = sub.add_parser("config", help="write a tincrawl config for a running farm")
    c.add_argument("--dir", required=True)
    c.add_argument("--port", type=int, required=True)
    c.add_argument("--out", required=True)
    c.add_argument("--state")
    c.add_argument("--minimal", action="store_true",
                   help="site files with only base_url and seeds; default politeness")
    n = sub.add_parser("nginx", help="write an nginx config serving the farm statically")
    n.add_argument("--dir", required=True)
    n.add_argument("--port", type=int, required=True)
    n.add_argument("--out", required=True)
    n.add_argument("--daemon-off", action="store_true")
    n.add_argument("--workers", type=int, default=2)
    n.add_argument("--access-log", action="store_true")
    a = ap.parse_args(argv)

    if a.cmd == "generate":
        if a.sites < 1 or a.articles < 1:
            ap.error("--sites and --articles must be positive")
        t0 = time.time()
        qs = [x for x in a.query_urls.split(",") if x]
        m = farm_gen.generate(a.out, a.seed, a.sites, a.articles, a.jobs or None, qs)
        dt = time.time() - t0
        print(f"farm: {len(m['sites'])} sites, {m['pages']} pages in {dt:.1f}s "
              f"({m['pages'] / max(dt, 1e-6):.0f} pages/s) -> {a.out}")
    elif a.cmd == "serve":
        if a.host not in ("127.0.0.1", "localhost", "::1"):
            ap.error("the farm binds loopback addresses only")
        farm_server.serve_forever(a.dir, a.host, a.port, a.port_file, a.publish_every, a.log)
    elif a.cmd == "config":
        paths = farm_conf.write_config(a.dir, a.port, a.out, a.state, a.minimal)
        print(f"farm: wrote {paths[0]} and {len(paths) - 1} site files")
    elif a.cmd == "nginx":
        out, prefix = farm_conf.write_nginx(a.dir, a.port, a.out, a.daemon_off, a.workers,
                                            a.access_log)
        print(f"farm: wrote {out}; run: nginx -c {out} -p {prefix}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Writers for a tincrawl daemon config and an nginx config serving the farm."""

import json
import os

import farm_gen as G
import farm_render as R


def q(s):
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(s, ensure_ascii=False)


def yaml_list(key, items, indent=""):
    if not items:
        return f"{indent}{key}: []\n"
    return f"{indent}{key}:\n" + "".join(f"{indent}  - {q(i)}\n" for i in items)


def with_port(url, port, scheme=None):
    old, rest = url.split("://", 1)
    host, _, path = rest.partition("/")
    return f"{scheme or old}://{host}:{port}/{path}"


class Net:
    """Where the crawler reaches each farm host, given the server behaviours
    (DIR/behaviours.json): TLS hosts on the TLS port with https, late listeners on their
    own loopback address."""

    def __init__(self, root, port):
        import farm_server as S
        self.root = os.path.abspath(root)
        self.port = port
        self.behaviours = S.load_behaviours(root)
        self.tls_port = None
        if S.tls_hosts(self.behaviours):
            with open(os.path.join(root, S.TLS_DIR, "port"), encoding="utf-8") as f:
                self.tls_port = int(f.read().strip())

    def b(self, host):
        return self.behaviours.get(host, {})

    def url(self, site, url):
        if self.b(site["host"]).get("tls"):
            return with_port(url, self.tls_port, "https")
        return with_port(url, self.port)

    def resolve(self, host):
        b = self.b(host)
        if b.get("tls"):
            return f"{host}:{self.tls_port}:127.0.0.1"
        addr = (b.get("late_listen") or {}).get("addr", "127.0.0.2") if b.get("late_listen") \
            else "127.0.0.1"
        return f"{host}:{self.port}:{addr}"

    def tls_yaml(self, host):
        """A TLS host trusts CA b (which signed its certificate); a host that redirects to
        another gets CA a, which cannot verify it: its policy must not carry over."""
        b = self.b(host)
        name = "b" if b.get("tls") else "a" if b.get("redirect_articles_to") else None
        if not name:
            return ""
        return f"tls:\n  ca_file: {q(os.path.join(self.root, 'tls', 'ca-' + name + '.pem'))}\n"


def daemon_yaml(manifest, port, state_dir, sites_dir="sites", net=None):
    hosts = [s["host"] for s in manifest["sites"]]
    resolve = [net.resolve(h) if net else f"{h}:{port}:127.0.0.1" for h in hosts]
    return (
        "# tincrawl daemon config for the simulated portal farm (tests/farm/farm.py config).\n"
        f"# Every farm host resolves to the farm server on 127.0.0.1:{port}.\n"
        f"state_dir: {q(state_dir)}\n"
        f"sites: {q(sites_dir)}\n"
        "workers: 2\n"
        "drain_seconds: 5\n"
        "metrics:\n"
        "  enabled: false\n"
        "  listen: \"127.0.0.1:0\"\n"
        "network:\n"
        "  user_agent: \"tincrawl-farm/1.0 (+https://github.com/tincrawl/tincrawl)\"\n"
        "  max_connections: 64\n"
        "  connect_timeout_seconds: 5\n"
        "  timeout_seconds: 20\n"
        "  low_speed_limit_bytes: 100\n"
        "  low_speed_time_seconds: 10\n"
        "  max_body_bytes: 10485760\n"
        "  max_redirects: 5\n"
        + yaml_list("resolve", resolve, "  ")
        + yaml_list("allow_private_networks", ["127.0.0.0/8"], "  ")
        + "politeness:\n"
        "  max_connections_per_host: 2\n"
        "  max_connections_per_ip: 64  # every farm host shares 127.0.0.1\n"
        "  min_delay_seconds: 0\n"
        "  crawl_delay_cap_seconds: 1\n"
        "  respect_robots: true\n"
        "  circuit_failures: 5\n"
        "  circuit_open_seconds: 30\n"
        "  backoff_max_seconds: 60\n"
        "recrawl:\n"
        "  listing_min_seconds: 30\n"
        "  listing_max_seconds: 3600\n"
        "  article_seconds: 86400\n"
        "  backfill_pages: 20\n"
        "  max_depth: 10\n"
        "  pages_per_day: 100000\n"
        "output:\n"
        "  spool_dir: \"spool\"\n"
        "  fsync: \"batch\"\n"
        "log:\n"
        "  level: \"info\"\n"
        "  format: \"logfmt\"\n"
    )


def minimal_site_yaml(site, net):
    """A site file as a new user writes it: id, name, locality (required), base_url and seeds,
    and TLS trust where the site needs it. No cms, urls, feeds, sitemaps or politeness."""
    return (
        f"# Farm site {site['id']}, minimal (tests/farm/farm.py config --minimal).\n"
        f"id: {q(site['id'])}\n"
        f"name: {q(site['name'])}\n"
        "locality:\n"
        f"  level: {q(site['level'])}\n"
        f"  province: {q(site['province'])}\n"
        f"  district: {q(site['district'])}\n"
        f"  commune: {q(site['commune'])}\n"
        f"base_url: {q(net.url(site, site['base_url']))}\n"
        + yaml_list("seeds", [net.url(site, u) for u in site["seeds"]])
        + net.tls_yaml(site["host"]))


def site_yaml(site, port, net=None):
    fam = site["family"]
    prefix = r"^https?://[^/]+"
    if net is not None:
        return _site_yaml(site, port, net, fam, prefix)
    return _site_yaml(site, port, None, fam, prefix)


def _site_yaml(site, port, net, fam, prefix):
    u = (lambda x: net.url(site, x)) if net else (lambda x: with_port(x, port))
    return (
        f"# Farm site {site['id']} ({fam}), generated by tests/farm/farm.py config.\n"
        f"id: {q(site['id'])}\n"
        f"name: {q(site['name'])}\n"
        "locality:\n"
        f"  level: {q(site['level'])}\n"
        f"  province: {q(site['province'])}\n"
        f"  district: {q(site['district'])}\n"
        f"  commune: {q(site['commune'])}\n"
        f"base_url: {q(u(site['base_url']))}\n"
        + yaml_list("seeds", [u(x) for x in site["seeds"]])
        + yaml_list("feeds", [u(x) for x in site["feeds"]])
        + yaml_list("sitemaps", [u(x) for x in site["sitemaps"]])
        + f"cms: {q(fam)}\n"
        "urls:\n"
        + yaml_list("article", [prefix + R.article_regex(fam, R.query_urls(site))], "  ")
        + yaml_list("listing", [prefix + R.listing_regex(fam, R.query_urls(site))], "  ")
        + "politeness:\n"
        "  max_connections_per_host: 2\n"
        "  min_delay_seconds: 0\n"
        + (net.tls_yaml(site["host"]) if net else "")
        + "enabled: true\n"
    )


def write_config(root, port, out, state_dir=None, minimal=False):
    """Writes out/tincrawl.yaml and out/sites/<province>/<site>.yaml; returns written paths.

    minimal: site files carry only id, name, base_url and seeds (plus TLS trust), and the daemon
    config keeps tincrawl's default politeness (one request per second per host)."""
    manifest = G.load_manifest(root)
    net = Net(root, port)
    state_dir = os.path.abspath(state_dir or os.path.join(out, "state"))
    os.makedirs(out, exist_ok=True)
    paths = [os.path.join(out, "tincrawl.yaml")]
    text = daemon_yaml(manifest, port, state_dir, net=net)
    if minimal:
        text = text.replace("  max_connections_per_host: 2\n", "").replace(
            "  min_delay_seconds: 0\n", "")
    with open(paths[0], "w", encoding="utf-8") as f:
        f.write(text)
    by_id = {s["id"]: s for s in manifest["sites"]}
    for s in manifest["sites"]:
        top = s
        while top.get("parent"):
            top = by_id[top["parent"]]
        d = os.path.join(out, "sites", top["id"])
        os.makedirs(d, exist_ok=True)
        p = os.path.join(d, s["id"] + ".yaml")
        with open(p, "w", encoding="utf-8") as f:
            f.write(minimal_site_yaml(s, net) if minimal else site_yaml(s, port, net))
        paths.append(p)
    return paths


# ---------------------------------------------------------------- nginx

SUFFIXES = ["h8", "hn", "h1258", "rss", "atom", "xml", "xgz", "txt"]


def write_nginx(root, port, out, daemon_off=False, workers=2, access_log=False):
    """Writes an nginx config serving the farm statically on 127.0.0.1:port.

    Runtime files (pid, logs, temp dirs, port-rewritten feeds/sitemaps/robots) go to a folder
    next to `out` named <out-stem>.d; run with `nginx -c OUT -p THAT_FOLDER`.
    """
    root = os.path.abspath(root)
    out = os.path.abspath(out)
    prefix = os.path.splitext(out)[0] + ".d"
    for sub in ("logs", "tmp", "abs"):
        os.makedirs(os.path.join(prefix, sub), exist_ok=True)
    manifest = G.load_manifest(root)
    types = "".join(f'    "{t}" {s};\n' for s, t in R.TYPES.items())
    types += ("    image/png png;\n    image/jpeg jpg;\n    application/pdf pdf;\n"
              "    application/msword doc docx;\n    text/css css;\n    application/javascript js;\n")
    servers = []
    for s in manifest["sites"]:
        host = s["host"]
        w = G.SiteWriter.load(root, host)
        abs_locs = []
        for target, r in sorted(w.routes.items()):
            if not r.get("abs"):
                continue
            src = os.path.join(root, "www", host, r["file"])
            dst = os.path.join(prefix, "abs", host, r["file"])
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            with open(src, "rb") as f:
                data = f.read()
            old, new = f"http://{host}/".encode(), f"http://{host}:{port}/".encode()
            if r["file"].endswith(".xgz"):
                import gzip
                data = gzip.compress(gzip.decompress(data).replace(old, new), mtime=0)
            else:
                data = data.replace(old, new)
            with open(dst, "wb") as f:
                f.write(data)
            path = target.split("?", 1)[0]
            abs_locs.append(f'    location = "{path}" {{ root "{prefix}/abs/{host}"; '
                            f'try_files "/{r["file"]}" =404; types {{ }} '
                            f'default_type "{r["type"]}"; }}\n')
        servers.append(
            f"  server {{\n    listen 127.0.0.1:{port};\n    server_name {host};\n"
            f'    root "{root}/www/{host}";\n'
            + "    set $f $uri;\n"
            '    if ($uri ~ "/$") { set $f "${uri}_index"; }\n'
            '    if ($args != "") { set $f "$f@$args"; }\n'
            + "".join(abs_locs)
            + '    location ~* "\\.(png|jpg)$" { try_files /_farm/img.png =404; }\n'
            '    location ~* "\\.pdf$" { try_files /_farm/doc.pdf =404; }\n'
            '    location ~* "\\.(doc|docx)$" { try_files /_farm/doc.doc =404; }\n'
            '    location ~* "\\.css$" { try_files /_farm/style.css =404; }\n'
            '    location ~* "\\.js$" { try_files /_farm/script.js =404; }\n'
            "    location / {\n"
            "      try_files " + " ".join(f"$f.{x}" for x in SUFFIXES) + " =404;\n"
            "    }\n  }\n")
    conf = (
        "# nginx config for the tincrawl portal farm (static mode), generated by farm.py nginx.\n"
        f"# Run: nginx -c {out} -p {prefix}\n"
        + ("daemon off;\n" if daemon_off else "")
        + f"worker_processes {workers};\n"
        f'pid "{prefix}/nginx.pid";\n'
        f'error_log "{prefix}/logs/error.log" warn;\n'
        "events { worker_connections 4096; }\n"
        "http {\n"
        + (f'  access_log "{prefix}/logs/access.log";\n' if access_log else "  access_log off;\n")
        + f'  client_body_temp_path "{prefix}/tmp/body";\n'
        f'  proxy_temp_path "{prefix}/tmp/proxy";\n'
        f'  fastcgi_temp_path "{prefix}/tmp/fastcgi";\n'
        f'  uwsgi_temp_path "{prefix}/tmp/uwsgi";\n'
        f'  scgi_temp_path "{prefix}/tmp/scgi";\n'
        "  sendfile on;\n  tcp_nopush on;\n  keepalive_timeout 30;\n  keepalive_requests 100000;\n"
        "  server_tokens off;\n  charset off;\n  server_names_hash_bucket_size 128;\n"
        "  server_names_hash_max_size 8192;\n"
        "  types {\n" + types + "  }\n"
        "  default_type application/octet-stream;\n"
        f"  server {{ listen 127.0.0.1:{port} default_server; return 404; }}\n"
        + "".join(servers)
        + "}\n")
    with open(out, "w", encoding="utf-8") as f:
        f.write(conf)
    return out, prefix

"""The live farm server: routes by Host header, fault injection, access log, publishing."""

import datetime as dt
import email.utils
import gzip
import json
import os
import random
import re
import select
import socket
import struct
import threading
import time
import urllib.parse
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import farm_gen as G
import farm_model as M
import farm_render as R

FAULT_MODES = {"refuse", "reset", "drip", "stall", "5xx", "429", "redirect_chain",
               "redirect_loop", "oversize", "gzip_bomb", "bad_chunked", "wrong_length",
               "binary", "down", "slow"}
SERVER_HEADERS = {"sharepoint-qn": "Microsoft-IIS/10.0", "tandan": "Microsoft-IIS/8.5",
                  "liferay": "Apache-Coyote/1.1", "nukeviet": "nginx",
                  "dotnetnuke": "Microsoft-IIS/8.5"}
TZ = dt.timezone(dt.timedelta(hours=7))
BOMB_SIZE = 1 << 30
HOP = "__farm_hop"
LOOP = "__farm_loop"


class HostEntry:
    def __init__(self, root, site):
        self.site = site  # manifest entry
        self.host = site["host"]
        self.dir = os.path.join(root, "www", self.host)
        with open(os.path.join(self.dir, G.ROUTES), encoding="utf-8") as f:
            data = json.load(f)
        self.routes = data["routes"]
        self.assets = data["assets"]
        self.model = None  # farm_model.Site, built on first publish
        self.published = []  # ISO times of live-published articles


BEHAVIOURS = "behaviours.json"
TLS_DIR = "tls"


def load_behaviours(root):
    """DIR/behaviours.json: {host: {behaviour: value}} (see README, "Server behaviours")."""
    path = os.path.join(root, BEHAVIOURS)
    if not os.path.exists(path):
        return {}
    with open(path, encoding="utf-8") as f:
        raw = {h.lower(): b for h, b in json.load(f).items()}
    every = raw.pop("*", {})  # "*": behaviours of every host, under its own.
    hosts = [s["host"] for s in G.load_manifest(root)["sites"]] if every else raw
    out = {h: dict(every, **raw.get(h, {})) for h in hosts}
    out.update({h: b for h, b in raw.items() if h not in out})
    return out


def tls_hosts(behaviours):
    return sorted(h for h, b in behaviours.items() if b.get("tls"))


def ensure_tls(root, hosts):
    """Two throwaway CAs under DIR/tls: ca-a.pem (signs nothing the farm serves) and ca-b.pem,
    which signs server.pem for every TLS host. Needs the openssl command line tool."""
    import subprocess
    d = os.path.join(root, TLS_DIR)
    if os.path.exists(os.path.join(d, "server.pem")):
        return d
    os.makedirs(d, exist_ok=True)

    def run(*args):
        subprocess.run(["openssl"] + list(args), check=True, capture_output=True, cwd=d)
    for name in ("a", "b"):
        run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", f"ca-{name}.key",
            "-out", f"ca-{name}.pem", "-days", "3650", "-subj", f"/CN=tincrawl farm CA {name}")
    with open(os.path.join(d, "ext.cnf"), "w") as f:
        f.write("basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\n"
                "extendedKeyUsage=serverAuth\nsubjectAltName=" +
                ",".join("DNS:" + h for h in hosts) + "\n")
    run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key.tmp", "-out",
        "server.csr", "-subj", "/CN=" + hosts[0])
    run("x509", "-req", "-in", "server.csr", "-CA", "ca-b.pem", "-CAkey", "ca-b.key",
        "-CAcreateserial", "-out", "server.pem.tmp", "-days", "3650", "-extfile", "ext.cnf")
    os.replace(os.path.join(d, "server.key.tmp"), os.path.join(d, "server.key"))
    os.replace(os.path.join(d, "server.pem.tmp"), os.path.join(d, "server.pem"))
    return d


class FarmState:
    def __init__(self, root, log_file=None):
        self.root = root
        self.manifest = G.load_manifest(root)
        self.behaviours = load_behaviours(root)
        self.started = time.time()
        self.first_seen = {}     # host -> time of its first request
        self.seen_targets = set()  # (host, target) already asked once (rate limiter)
        self.recent = {}         # host -> start times of recent requests (burst limiter)
        self.tls_port = None
        self.hosts = {s["host"]: HostEntry(root, s) for s in self.manifest["sites"]}
        self.lock = threading.Lock()
        self.pub_lock = threading.Lock()
        self.faults = {}
        self.log = []
        self.log_file = open(log_file, "a", encoding="utf-8") if log_file else None
        self.conc = {}
        self.requests = 0
        self.stopping = threading.Event()
        self._bomb = None
        self._abs_cache = {}
        for e in self.hosts.values():
            pub = os.path.join(e.dir, ".published.json")
            if os.path.exists(pub):
                with open(pub, encoding="utf-8") as f:
                    e.published = json.load(f)

    # ------------------------------------------------------------ faults
    def set_fault(self, host, mode, path=None, count=None, arg=None):
        f = {"host": host, "mode": mode, "path": path or "", "count": count, "arg": arg}
        with self.lock:
            self.faults[(host, path or "")] = f
        return f

    def clear(self, host=None):
        with self.lock:
            if host:
                for k in [k for k in self.faults if k[0] == host]:
                    del self.faults[k]
            else:
                self.faults.clear()

    def take_fault(self, host, target):
        path = target.split("?", 1)[0]
        with self.lock:
            for key in ((host, target), (host, path), (host, "")):
                f = self.faults.get(key)
                if f is None:
                    continue
                if f["count"] is not None:
                    f["count"] -= 1
                    if f["count"] <= 0:
                        del self.faults[key]
                return dict(f)
        return None

    # ------------------------------------------------------------ access log
    def enter(self, host):
        with self.lock:
            c = self.conc.get(host, 0) + 1
            self.conc[host] = c
            self.requests += 1
            return c

    def leave(self, host, entry):
        with self.lock:
            self.conc[host] = self.conc.get(host, 1) - 1
            self.log.append(entry)
            if len(self.log) > 2_000_000:
                del self.log[:1_000_000]
            if self.log_file:
                self.log_file.write(json.dumps(entry, ensure_ascii=False) + "\n")
                self.log_file.flush()

    # ------------------------------------------------------------ content
    def bomb(self):
        with self.lock:
            if self._bomb is None:
                c = zlib.compressobj(9, zlib.DEFLATED, 31)
                head = b"<html><body>"
                parts = [c.compress(head)]
                blk = b" " * (16 << 20)
                left = BOMB_SIZE - len(head)
                while left > 0:
                    n = min(left, len(blk))
                    parts.append(c.compress(blk[:n]) if n < len(blk) else c.compress(blk))
                    left -= n
                parts.append(c.flush())
                self._bomb = b"".join(parts)
            return self._bomb

    def body_for(self, entry, route, hostport, scheme="http"):
        with open(os.path.join(entry.dir, route["file"]), "rb") as f:
            data = f.read()
        if route.get("abs") and (hostport != entry.host or scheme != "http"):
            key = (entry.host, route["file"], hostport, scheme, len(data), zlib.crc32(data))
            cached = self._abs_cache.get(key)
            if cached is not None:
                return cached
            old = f"http://{entry.host}/".encode()
            new = f"{scheme}://{hostport}/".encode()
            if route["file"].endswith(".xgz"):
                data = gzip.compress(gzip.decompress(data).replace(old, new), mtime=0)
            else:
                data = data.replace(old, new)
            self._abs_cache[key] = data
        return data

    def site_model(self, entry):
        if entry.model is None:
            entry.model = G.rebuild_site(self.root, self.manifest, entry.host)
            for k, when in enumerate(entry.published):
                entry.model.articles.append(
                    entry.model.publish(k, dt.datetime.fromisoformat(when)))
        return entry.model

    def publish(self, host, n=1):
        """Publishes n new articles on host; returns their gold records."""
        entry = self.hosts[host]
        out = []
        with self.pub_lock:
            site = self.site_model(entry)
            fam = R.FAMILY_CLASSES[site.family](site)
            writer = G.SiteWriter(self.root, host)
            writer.routes = dict(entry.routes)
            now = dt.datetime.now(TZ).replace(tzinfo=None, second=0, microsecond=0)
            new = []
            for _ in range(n):
                k = len(entry.published)
                a = site.publish(k, now)
                site.articles.append(a)
                entry.published.append(now.isoformat())
                new.append(a)
            fam = R.FAMILY_CLASSES[site.family](site)
            for a in new:
                writer.write(R.render_article(site, fam, a))
            for p in R.render_index_pages(site, fam):
                writer.write(p)
            writer.save_routes()
            with open(os.path.join(entry.dir, ".published.json.tmp"), "w", encoding="utf-8") as f:
                json.dump(entry.published, f)
            os.replace(os.path.join(entry.dir, ".published.json.tmp"),
                       os.path.join(entry.dir, ".published.json"))
            live_at = time.time()  # When the pages became visible (after the routes update).
            with open(os.path.join(self.root, "gold", entry.site["id"] + ".jsonl"), "a",
                      encoding="utf-8") as f:
                for a in new:
                    record = json.loads(G.gold_line(site, a))
                    # Page dates have minute precision; freshness tests need the real moment.
                    record["published_unix"] = live_at
                    f.write(json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n")
                    out.append(record)
            with self.lock:
                entry.routes = writer.routes
                self._abs_cache.clear()
        return out


def _http_date(t):
    return email.utils.formatdate(t, usegmt=True)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 30
    disable_nagle_algorithm = True  # headers and body are separate writes; avoid 40 ms stalls
    state: FarmState = None  # set by make_server
    _server_name = "Microsoft-IIS/8.5"

    def log_message(self, fmt, *args):  # Quiet: the access log is kept by the farm.
        pass

    def version_string(self):
        return self._server_name

    def do_HEAD(self):
        self.handle_request(head=True)

    def do_GET(self):
        self.handle_request(head=False)

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        if n:
            self.rfile.read(min(n, 1 << 20))
        self.handle_request(head=False)

    # ------------------------------------------------------------ plumbing
    def send_bytes(self, status, ctype, data, extra=(), head=False):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        if not head:
            self.wfile.write(data)
        self.sent = 0 if head else len(data)
        self.status = status

    def send_json(self, obj, status=200):
        self.send_bytes(status, "application/json; charset=utf-8",
                        (json.dumps(obj, ensure_ascii=False) + "\n").encode())

    def rst(self):
        """Aborts the connection with a TCP RST (SO_LINGER 0)."""
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            try:
                self.rfile.close()
            except OSError:
                pass
            self.connection.close()
        except OSError:
            pass

    def wait_client_gone(self, limit):
        end = time.time() + limit
        st = self.state
        while time.time() < end and not st.stopping.is_set():
            try:
                r, _, _ = select.select([self.connection], [], [], 0.2)
                if r and not self.connection.recv(1, socket.MSG_PEEK):
                    return
            except OSError:
                return

    def sleep(self, seconds):
        self.state.stopping.wait(seconds)

    # ------------------------------------------------------------ main dispatch
    def handle_request(self, head):
        self.sent = 0
        self.status = 0
        hostport = (self.headers.get("Host") or "").strip().lower()
        target = self.path
        if target.startswith("http://") or target.startswith("https://"):
            u = urllib.parse.urlsplit(target)
            hostport = hostport or u.netloc
            target = u.path + ("?" + u.query if u.query else "")
        host = hostport.rsplit(":", 1)[0] if ":" in hostport and not hostport.endswith("]") else hostport
        if target.startswith("/__farm/"):
            return self.control(target, host)
        st = self.state
        entry = st.hosts.get(host)
        if entry is not None:
            self._server_name = SERVER_HEADERS.get(entry.site["family"], "nginx")
        t0 = time.time()
        conc = st.enter(host)
        fault = None
        try:
            if entry is None:
                self.send_bytes(404, "text/html; charset=utf-8",
                                b"<html><body><h1>404 Not Found</h1><p>Unknown host.</p></body></html>",
                                head=head)
            else:
                fault = st.take_fault(host, _strip_farm_params(target))
                if fault is None and self.behave(entry, hostport, target, head):
                    fault = {"mode": self.behaviour}
                else:
                    self.serve(entry, hostport, target, fault, head)
        except (BrokenPipeError, ConnectionResetError, socket.timeout, OSError):
            self.close_connection = True
        finally:
            st.leave(host, {"t": t0, "t_end": time.time(), "host": host, "path": target,
                            "status": self.status, "bytes": self.sent, "conc": conc,
                            "tls": bool(getattr(self.server, "tls", False)),
                            "addr": self.server.server_address[0],
                            "ua": self.headers.get("User-Agent", ""),
                            "peer_port": self.client_address[1],
                            "fault": fault["mode"] if fault else None})

    def behave(self, entry, hostport, target, head):
        """Applies the host's behaviours (DIR/behaviours.json); True when it answered."""
        b = self.state.behaviours.get(entry.host)
        if not b:
            return False
        st = self.state
        now = time.time()
        path = target.split("?", 1)[0]
        with st.lock:
            first = st.first_seen.setdefault(entry.host, now)
        tls = bool(getattr(self.server, "tls", False))
        if b.get("tls") and not tls:  # A TLS-only host: plain HTTP is sent to https.
            self.behaviour = "tls_upgrade"
            return self.moved(f"https://{entry.host}:{st.tls_port}{target}", head)
        if path == "/robots.txt":
            secs = float(b.get("robots_503_seconds") or 0)
            if secs and now - first < secs:
                self.behaviour = "robots_503"
                self.send_bytes(503, "text/html; charset=utf-8",
                                b"<html><body><h1>Service Unavailable</h1></body></html>",
                                head=head)
                return True
            return False  # The rate limiter spares robots.txt (see README).
        if b.get("down_5xx"):  # Every page answers 500 (no Retry-After): a broken backend.
            self.behaviour = "down_5xx"
            self.send_bytes(500, "text/html; charset=utf-8",
                            b"<html><body><h1>500 Internal Server Error</h1></body></html>",
                            head=head)
            return True
        rl = b.get("rate_limit")
        if rl:
            retry = str(int(rl.get("retry_after", 2)))
            with st.lock:
                fresh = (entry.host, target) not in st.seen_targets
                st.seen_targets.add((entry.host, target))
                window = float(rl.get("window", 2.0))
                times = [t for t in st.recent.get(entry.host, []) if now - t < window]
                burst = len(times) >= int(rl.get("burst", 3))
                times.append(now)
                st.recent[entry.host] = times
            if fresh or burst:
                self.behaviour = "rate_limit_first" if fresh else "rate_limit_burst"
                self.send_bytes(429, "text/html; charset=utf-8",
                                b"<html><body><h1>429 Too Many Requests</h1></body></html>",
                                [("Retry-After", retry)], head=head)
                return True
        moved = b.get("redirect_articles_to")
        if moved:
            route = entry.routes.get(target)
            if route is not None and route.get("kind") == "article":
                dest = st.behaviours.get(moved.lower(), {})
                port = st.tls_port if dest.get("tls") else self.server.server_address[1]
                scheme = "https" if dest.get("tls") else "http"
                self.behaviour = "redirect_host"
                return self.moved(f"{scheme}://{moved}:{port}/moved/{entry.host}{target}", head)
        return False

    def moved(self, location, head):
        self.send_bytes(301, "text/html; charset=utf-8",
                        f'<html><body>Moved to <a href="{location}">here</a>.</body></html>'.encode(),
                        [("Location", location)], head=head)
        return True

    def serve(self, entry, hostport, target, fault, head):
        mode = fault["mode"] if fault else None
        arg = fault.get("arg") if fault else None
        clean = _strip_farm_params(target)
        q = urllib.parse.parse_qs(urllib.parse.urlsplit(target).query)
        if HOP in q:  # A redirect chain in progress is stateless.
            k, n = (int(x) for x in q[HOP][0].split("-"))
            if k < n:
                return self.redirect(hostport, _with_param(clean, HOP, f"{k + 1}-{n}"), head)
            mode = None
        elif LOOP in q:
            return self.redirect(hostport, clean, head)
        if mode in ("refuse",):
            self.close_connection = True
            return
        if mode == "down":
            return self.rst()
        if mode == "slow":
            self.sleep(float(arg or 5))
        if mode == "5xx":
            code = int(arg or 503)
            msg = b"<html><body><h1>Service Unavailable</h1></body></html>" if code == 503 else \
                b"<html><body><h1>Server Error in '/' Application.</h1></body></html>"
            return self.send_bytes(code, "text/html; charset=utf-8", msg, head=head)
        if mode == "429":
            if arg and str(arg).startswith("date"):
                secs = int(str(arg).split(":", 1)[1]) if ":" in str(arg) else 60
                retry = _http_date(time.time() + secs)
            else:
                retry = str(int(arg or 30))
            return self.send_bytes(429, "text/html; charset=utf-8",
                                   b"<html><body><h1>429 Too Many Requests</h1></body></html>",
                                   [("Retry-After", retry)], head=head)
        if mode == "redirect_chain":
            return self.redirect(hostport, _with_param(clean, HOP, f"1-{int(arg or 3)}"), head)
        if mode == "redirect_loop":
            return self.redirect(hostport, _with_param(clean, LOOP, "1"), head)
        if mode == "oversize":
            return self.oversize(int(float(arg or 20) * (1 << 20)), head)
        if mode == "gzip_bomb":
            return self.send_bytes(200, "text/html; charset=utf-8", self.state.bomb(),
                                   [("Content-Encoding", "gzip")], head=head)
        if mode == "binary":
            rnd = random.Random(clean)
            data = rnd.randbytes(int(arg or 65536))
            return self.send_bytes(200, "text/html; charset=utf-8", data, head=head)
        if mode == "bad_chunked":
            return self.bad_chunked()
        status, ctype, data, extra = self.resolve(entry, hostport, clean)
        if status == 304:
            self.send_response(304)
            for k, v in extra:
                self.send_header(k, v)
            self.end_headers()
            self.status = 304
            return
        if mode == "reset":
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            half = data[:max(1, len(data) // 2)]
            self.wfile.write(half)
            self.sent, self.status = len(half), status
            self.wfile.flush()
            time.sleep(0.05)
            return self.rst()
        if mode == "wrong_length":
            self.close_connection = True
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data) + int(arg or 4096)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(data)
            self.sent, self.status = len(data), status
            return
        if mode == "stall":
            self.close_connection = True
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.flush()
            self.status = status
            return self.wait_client_gone(float(arg or 600))
        if mode == "drip":
            rate = max(1, int(arg or 100))
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.status = status
            step = max(1, rate // 10)
            for i in range(0, 0 if head else len(data), step):
                if self.state.stopping.is_set():
                    self.close_connection = True
                    return
                self.wfile.write(data[i:i + step])
                self.wfile.flush()
                self.sent += len(data[i:i + step])
                time.sleep(step / rate)
            return
        self.send_bytes(status, ctype, data, extra, head=head)

    def redirect(self, hostport, target, head):
        self.send_bytes(302, "text/html; charset=utf-8",
                        f'<html><body>Object moved to <a href="{target}">here</a>.</body></html>'.encode(),
                        [("Location", f"http://{hostport}{target}")], head=head)

    def oversize(self, size, head):
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(size))
        self.end_headers()
        self.status = 200
        if head:
            return
        chunk = ("<p>Nội dung rất dài của trang thông tin điện tử. " * 1200).encode()[:65536]
        left = size
        first = b"<html><body>"
        self.wfile.write(first)
        left -= len(first)
        self.sent = len(first)
        while left > 0 and not self.state.stopping.is_set():
            part = chunk[:left]
            self.wfile.write(part)
            left -= len(part)
            self.sent += len(part)

    def bad_chunked(self):
        self.close_connection = True
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Connection", "close")
        self.end_headers()
        first = b"<html><body><p>Tin tuc</p>"
        self.wfile.write(b"%x\r\n" % len(first) + first + b"\r\n")
        self.wfile.write(b"zz-not-hex\r\n<p>broken chunk</p>\r\n")
        self.wfile.write(b"100\r\nshort\r\n")  # Declares 256 bytes, sends 5, then closes.
        self.sent, self.status = len(first), 200

    def resolve(self, entry, hostport, target):
        """(status, content type, body, extra headers) of a normal response."""
        st = self.state
        b = st.behaviours.get(entry.host, {})
        if target.startswith("/moved/"):  # Pages another farm host redirected here.
            other, _, rest = target[len("/moved/"):].partition("/")
            src = st.hosts.get(other)
            route = src.routes.get("/" + rest) if src else None
            if route is not None and st.behaviours.get(other, {}).get("redirect_articles_to") \
                    == entry.host:
                return self.validated(src, route["type"], st.body_for(src, route, hostport))
        route = entry.routes.get(target)
        if route is None and "?" in target and not b.get("strict"):
            base, query = target.split("?", 1)
            route = entry.routes.get(base + "?" + urllib.parse.unquote(query))
        if route is not None:
            data = st.body_for(entry, route, hostport, "https" if b.get("tls") else "http")
            return self.validated(entry, route["type"], data)
        if entry.site.get("trap"):
            page = _trap_page(entry, target)
            if page is not None:
                return 200, R.TYPES[page.suffix], page.data, []
        path = urllib.parse.urlsplit(target).path
        ext = path.rsplit(".", 1)[-1].lower() if "." in path.rsplit("/", 1)[-1] else ""
        asset = entry.assets.get(ext)
        if asset is not None:
            with open(os.path.join(entry.dir, asset["file"]), "rb") as f:
                data = f.read()
            return self.validated(entry, asset["type"], data)
        body = ("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Không tìm thấy trang"
                "</title></head><body><h1>404 - Không tìm thấy trang</h1>"
                "<p>Trang bạn yêu cầu không tồn tại hoặc đã bị xóa.</p>"
                "<p><a href=\"/\">Về trang chủ</a></p></body></html>").encode()
        return 404, "text/html; charset=utf-8", body, []

    def validated(self, entry, ctype, data):
        etag = '"%08x-%x"' % (zlib.crc32(data), len(data))
        extra = [("ETag", etag), ("Last-Modified", _http_date(_mtime(entry))),
                 ("Cache-Control", "private, max-age=0")]
        if entry.site["family"] in ("sharepoint-qn", "tandan", "dotnetnuke"):
            extra.append(("X-Powered-By", "ASP.NET"))
        inm = self.headers.get("If-None-Match")
        if inm and etag in [x.strip() for x in inm.split(",")]:
            return 304, ctype, b"", extra[:2]
        return 200, ctype, data, extra

    # ------------------------------------------------------------ control endpoints
    def control(self, target, host):
        st = self.state
        u = urllib.parse.urlsplit(target)
        q = {k: v[0] for k, v in urllib.parse.parse_qs(u.query, keep_blank_values=True).items()}
        cmd = u.path[len("/__farm/"):].strip("/")
        if cmd == "fault":
            mode = q.get("mode", "")
            if mode not in FAULT_MODES or not q.get("host"):
                return self.send_json({"ok": False, "error": "need host and a mode in " +
                                       ",".join(sorted(FAULT_MODES))}, 400)
            f = st.set_fault(q["host"].lower(), mode, q.get("path") or None,
                             int(q["count"]) if q.get("count") else None, q.get("arg"))
            return self.send_json({"ok": True, "fault": f})
        if cmd == "clear":
            st.clear(q.get("host"))
            return self.send_json({"ok": True})
        if cmd == "log":
            with st.lock:
                since = int(q.get("since", 0) or 0)
                lines = st.log[since:]
                if q.get("clear"):
                    st.log.clear()
            data = "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in lines).encode()
            return self.send_bytes(200, "application/x-ndjson; charset=utf-8", data)
        if cmd == "publish":
            h = (q.get("host") or host).lower()
            if h not in st.hosts:
                return self.send_json({"ok": False, "error": "unknown host"}, 404)
            gold = st.publish(h, int(q.get("n", 1)))
            return self.send_json({"ok": True, "articles": gold})
        if cmd == "status":
            with st.lock:
                faults = list(st.faults.values())
                reqs = st.requests
                nlog = len(st.log)
            return self.send_json({"ok": True, "hosts": len(st.hosts), "requests": reqs,
                                   "log_entries": nlog, "faults": faults,
                                   "published": {e.host: len(e.published) for e in st.hosts.values()
                                                 if e.published},
                                   "port": self.server.server_address[1],
                                   "tls_port": st.tls_port,
                                   "behaviours": st.behaviours})
        return self.send_json({"ok": False, "error": "unknown control endpoint"}, 404)


_MTIME = {}


def _mtime(entry):
    t = _MTIME.get(entry.host)
    if t is None:
        t = _MTIME[entry.host] = os.stat(os.path.join(entry.dir, G.ROUTES)).st_mtime
    return t


def _strip_farm_params(target):
    if HOP not in target and LOOP not in target:
        return target
    u = urllib.parse.urlsplit(target)
    kept = [(k, v) for k, v in urllib.parse.parse_qsl(u.query, keep_blank_values=True)
            if k not in (HOP, LOOP)]
    return u.path + ("?" + "&".join(f"{k}={v}" for k, v in kept) if kept else "")


def _with_param(target, key, value):
    return target + ("&" if "?" in target else "?") + f"{key}={value}"


_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_REPEAT = re.compile(r"^/(van-ban/)+$")


def _trap_page(entry, target):
    u = urllib.parse.urlsplit(target)
    if u.path == "/lich/":
        day = urllib.parse.parse_qs(u.query).get("ngay", [""])[0]
        if _DAY.match(day):
            try:
                return R.trap_calendar(None, dt.date.fromisoformat(day))
            except ValueError:
                return None
    if _REPEAT.match(u.path):
        return R.trap_repeat(None, u.path)
    return None


class FarmHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256


def make_server(root, host="127.0.0.1", port=0, log_file=None):
    """The farm server, plus the listeners its behaviours need (started by start_extras)."""
    state = FarmState(root, log_file)
    handler = type("FarmHandler", (Handler,), {"state": state})
    srv = FarmHTTPServer((host, port), handler)
    srv.state = state
    srv.handler = handler
    srv.extras = []
    hosts = tls_hosts(state.behaviours)
    if hosts:
        import ssl
        d = ensure_tls(root, hosts)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(os.path.join(d, "server.pem"), os.path.join(d, "server.key"))
        tls = FarmHTTPServer((host, 0), handler)
        tls.socket = ctx.wrap_socket(tls.socket, server_side=True, do_handshake_on_connect=False)
        tls.tls = True
        tls.state = state
        state.tls_port = tls.server_address[1]
        with open(os.path.join(d, "port.tmp"), "w") as f:
            f.write(f"{state.tls_port}\n")
        os.replace(os.path.join(d, "port.tmp"), os.path.join(d, "port"))
        srv.extras.append((0.0, tls))
    for h, b in sorted(state.behaviours.items()):
        late = b.get("late_listen")
        if late:  # Nothing listens on this address until `seconds` after the start.
            srv.extras.append((float(late.get("seconds", 60)), (late.get("addr", "127.0.0.2"),
                                                                srv.server_address[1])))
    return srv


def start_extras(srv):
    """Serves the TLS listener now and each late listener once its time has come."""
    st = srv.state

    def run(after, what):
        if after and st.stopping.wait(max(0.0, st.started + after - time.time())):
            return
        if isinstance(what, tuple):
            if not what[0].startswith("127."):
                raise ValueError("the farm binds loopback addresses only")
            s = FarmHTTPServer(what, srv.handler)
            s.state = st
        else:
            s = what
        srv.live_extras.append(s)
        s.serve_forever(poll_interval=0.2)
    srv.live_extras = []
    for after, what in srv.extras:
        threading.Thread(target=run, args=(after, what), daemon=True).start()


def stop_server(srv):
    srv.state.stopping.set()
    for s in getattr(srv, "live_extras", []):
        s.shutdown()
        s.server_close()
    srv.shutdown()
    srv.server_close()


def publisher_loop(srv, every):
    st = srv.state
    hosts = [s["host"] for s in st.manifest["sites"]]
    i = 0
    while not st.stopping.wait(every):
        st.publish(hosts[i % len(hosts)], 1)
        i += 1


def serve_forever(root, host, port, port_file=None, publish_every=None, log_file=None):
    import signal
    srv = make_server(root, host, port, log_file)
    start_extras(srv)
    bound = srv.server_address[1]
    if port_file:
        tmp = port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write(f"{bound}\n")
        os.replace(tmp, port_file)
    if publish_every:
        threading.Thread(target=publisher_loop, args=(srv, publish_every), daemon=True).start()

    def stop(_sig, _frm):
        srv.state.stopping.set()
        threading.Thread(target=srv.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"farm: serving {len(srv.state.hosts)} hosts on {host}:{bound}", flush=True)
    srv.serve_forever(poll_interval=0.2)
    srv.server_close()

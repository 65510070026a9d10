"""Self-tests of the simulated portal farm (python3 -m unittest -v test_farm)."""

import collections
import gzip
import hashlib
import html
import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unicodedata
import unittest
import xml.etree.ElementTree as ET
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import farm_conf  # noqa: E402
import farm_gen  # noqa: E402
import farm_model  # noqa: E402
import farm_render  # noqa: E402
import farm_server  # noqa: E402

TMP = None
FARM = None
MANIFEST = None
SRV = None
PORT = None


def setUpModule():
    global TMP, FARM, MANIFEST, SRV, PORT
    TMP = tempfile.mkdtemp(prefix="farmtest-")
    os.chmod(TMP, 0o755)  # nginx workers (www-data/nobody) must read the farm
    FARM = os.path.join(TMP, "farm")
    MANIFEST = farm_gen.generate(FARM, seed=1, nsites=12, narticles=30)
    SRV, PORT = start(FARM)


def tearDownModule():
    if SRV:
        farm_server.stop_server(SRV)
    shutil.rmtree(TMP, ignore_errors=True)


def start(root):
    srv = farm_server.make_server(root, "127.0.0.1", 0)
    threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()
    return srv, srv.server_address[1]


def conn(port=None, timeout=10):
    return http.client.HTTPConnection("127.0.0.1", port or PORT, timeout=timeout)


def get(host, target, port=None, headers=None, timeout=10):
    c = conn(port, timeout)
    try:
        h = {"Host": f"{host}:{port or PORT}", "User-Agent": "farm-test"}
        h.update(headers or {})
        c.request("GET", target, headers=h)
        r = c.getresponse()
        return r.status, dict(r.getheaders()), r.read()
    finally:
        c.close()


def control(cmd, port=None, **params):
    q = "&".join(f"{k}={v}" for k, v in params.items())
    st, _h, body = get("control", f"/__farm/{cmd}" + (f"?{q}" if q else ""), port)
    return st, body


def raw(host, target, port=None, timeout=5, read_limit=1 << 22):
    """Sends one request on a raw socket; returns (bytes received, error or None)."""
    s = socket.create_connection(("127.0.0.1", port or PORT), timeout=timeout)
    s.sendall(f"GET {target} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: farm-raw\r\n\r\n".encode())
    data, err = b"", None
    try:
        while len(data) < read_limit:
            b = s.recv(65536)
            if not b:
                break
            data += b
    except (ConnectionResetError, socket.timeout) as e:
        err = e
    finally:
        s.close()
    return data, err


def routes(host, root=None):
    with open(os.path.join(root or FARM, "www", host, farm_gen.ROUTES), encoding="utf-8") as f:
        return json.load(f)["routes"]


def gold(site_id, root=None):
    with open(os.path.join(root or FARM, "gold", site_id + ".jsonl"), encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def site(sid):
    return next(s for s in MANIFEST["sites"] if s["id"] == sid)


def page_text(data, charset):
    t = data.decode(charset)
    t = re.sub(r"<(script|style)\b.*?</\1>", " ", t, flags=re.S)
    t = re.sub(r"<[^>]+>", " ", t)
    return " ".join(unicodedata.normalize("NFC", html.unescape(t)).split())


def tree_digest(root):
    h = hashlib.sha256()
    for d, dirs, files in sorted(os.walk(root)):
        dirs.sort()
        for f in sorted(files):
            p = os.path.join(d, f)
            h.update(os.path.relpath(p, root).encode())
            with open(p, "rb") as fh:
                h.update(fh.read())
    return h.hexdigest()


class GenerateTest(unittest.TestCase):
    def test_sites_families_hosts(self):
        sites = MANIFEST["sites"]
        self.assertGreaterEqual(len(sites), 12)
        self.assertEqual(set(farm_model.FAMILIES), {s["family"] for s in sites})
        hosts = [s["host"] for s in sites]
        self.assertEqual(len(hosts), len(set(hosts)))
        self.assertTrue(all(h.endswith("-sim.gov.vn") for h in hosts))
        self.assertEqual({"province", "district", "commune"}, {s["level"] for s in sites})
        self.assertIn("quangyen.quangninh-sim.gov.vn", hosts)
        self.assertIn("phongcoc.quangyen.quangninh-sim.gov.vn", hosts)
        self.assertTrue(any(s["charset"] == "windows-1258" for s in sites))
        self.assertTrue(any(s["wrong_charset"] for s in sites))
        self.assertTrue(any(s["feeds"] for s in sites) and any(s["sitemaps"] for s in sites))
        self.assertTrue(any(s["trap"] for s in sites))
        for s in sites:
            self.assertTrue(s["seeds"] and all(u.startswith(s["base_url"]) for u in s["seeds"]))
            self.assertEqual(len(gold(s["id"])), 30)

    def test_determinism(self):
        a, b, c = (os.path.join(TMP, x) for x in ("det-a", "det-b", "det-c"))
        farm_gen.generate(a, seed=7, nsites=14, narticles=6, jobs=1)
        farm_gen.generate(b, seed=7, nsites=14, narticles=6, jobs=2)
        farm_gen.generate(c, seed=8, nsites=14, narticles=6, jobs=1)
        self.assertEqual(tree_digest(a), tree_digest(b))
        self.assertNotEqual(tree_digest(a), tree_digest(c))
        with open(os.path.join(a, "manifest.json")) as f:
            self.assertEqual(14, len(json.load(f)["sites"]))

    def test_gold_agrees_with_pages(self):
        checked = 0
        for s in MANIFEST["sites"]:
            rt = routes(s["host"])
            for g in gold(s["id"]):
                target = g["url"].split(s["host"], 1)[1]
                r = rt[target]
                self.assertEqual("article", r["kind"])
                with open(os.path.join(FARM, "www", s["host"], r["file"]), "rb") as f:
                    text = page_text(f.read(), r["charset"])
                self.assertIn(g["title"], text, g["url"])
                d = farm_model.dt.datetime.fromisoformat(g["published"][:19])
                self.assertIn(farm_render.date_text(s["family"], d), text, g["url"])
                self.assertIn(g["author"], text, g["url"])
                self.assertTrue(3 <= len(g["body"]) <= 13 or s["seed_article"])
                for p in g["body"] + g["captions"]:
                    self.assertIn(p, text, g["url"])
                    self.assertTrue(unicodedata.is_normalized("NFC", p))
                self.assertNotIn(g["author"], g["body"])
                for att in g["attachments"]:
                    self.assertTrue(att["url"].isascii())
                    self.assertIn(att["text"], text)
                    st, hd, _b = get(s["host"], att["url"].split(s["host"], 1)[1])
                    self.assertEqual(200, st)
                    self.assertIn(hd["Content-Type"], ("application/pdf", "application/msword"))
                for c in g["captions"]:
                    self.assertNotIn(c, g["body"])
                checked += 1
        self.assertEqual(12 * 30, checked)

    def test_seed_article(self):
        g = [x for x in gold("quangninh-quangyen") if x["author"] == "CTV: Trần Thuyết"
             and x["published"] == "2018-10-18T08:06:00+07:00"]
        self.assertEqual(1, len(g))
        g = g[0]
        self.assertEqual("Ban Thường vụ Thị ủy thảo luận, cho ý kiến về một số nội dung công tác",
                         g["title"])
        self.assertEqual(["Toàn cảnh tại hội nghị họp BTV Thị uỷ"], g["captions"])
        self.assertEqual(4, len(g["body"]))
        self.assertTrue(g["body"][0].startswith("Sáng ngày 16/10, Ban Thường vụ Thị ủy"))
        self.assertIn("Trung uơng 8", g["body"][1])
        self.assertEqual("sharepoint-qn", g["family"])
        self.assertRegex(g["url"], r"/Trang/ChiTietTinTuc\.aspx\?nid=\d+$")
        st, _h, body = get("quangyen.quangninh-sim.gov.vn", g["url"].split(".vn", 1)[1])
        text = page_text(body, "utf-8")
        for chrome in ("Tìm kiếm theo chuyên mục - nội dung - ngày tháng", "Tin Nóng",
                       "Tin tiêu điểm", "Lịch công tác", "Website liên kết", "Thống kê truy cập",
                       "Hôm nay:", "Đã truy cập:"):
            self.assertIn(chrome, text)

    def test_syndication(self):
        prov = {g["canonical_id"]: g for g in gold("quangninh")}
        copies = [g for sid in ("quangninh-quangyen", "quangninh-uongbi") for g in gold(sid)
                  if g["canonical_id"] in prov]
        self.assertGreaterEqual(len(copies), 4)
        self.assertEqual({"quangninh-quangyen", "quangninh-uongbi"}, {g["site"] for g in copies})
        exact = [g for g in copies if g["body"] == prov[g["canonical_id"]]["body"]]
        near = [g for g in copies if g["body"] != prov[g["canonical_id"]]["body"]
                or g["title"] != prov[g["canonical_id"]]["title"]]
        self.assertTrue(exact and near)
        for g in copies:
            self.assertNotEqual(g["url"], prov[g["canonical_id"]]["url"])
        for sid in ("quangninh", "hanoi", "thanhhoa"):
            for g in gold(sid):
                self.assertTrue(g["canonical_id"].startswith(sid + "/"))

    def test_charsets(self):
        legacy = next(s for s in MANIFEST["sites"] if s["charset"] == "windows-1258")
        rt = routes(legacy["host"])
        meta_only = header_only = 0
        for target, r in rt.items():
            if r["kind"] not in ("article", "listing", "home"):
                continue
            with open(os.path.join(FARM, "www", legacy["host"], r["file"]), "rb") as f:
                data = f.read()
            self.assertEqual("windows-1258", r["charset"])
            with self.assertRaises(UnicodeDecodeError):
                data.decode("utf-8")
            text = unicodedata.normalize("NFC", data.decode("cp1258"))
            self.assertIn("Cổng thông tin điện tử", text)
            if "charset=windows-1258" in r["type"]:
                header_only += 1
                self.assertNotIn(b"charset=windows-1258", data)
            else:
                meta_only += 1
                self.assertIn(b"charset=windows-1258", data)
        self.assertTrue(meta_only and header_only)
        self.assertEqual(b"\xea\xf2", farm_render.encode_cp1258("ệ"))  # ê + combining dot
        self.assertEqual("Việt Nam", unicodedata.normalize(
            "NFC", farm_render.encode_cp1258("Việt Nam").decode("cp1258")))
        # NFD text (an NFD Liferay site that is also windows-1258) is written the same way: the
        # combining circumflex, breve and horn have no cp1258 code, so no '?' may appear.
        decomposed = unicodedata.normalize("NFD", "Thông báo của ủy ban, ắt hẳn ước vọng")
        encoded = farm_render.encode_cp1258(decomposed)
        self.assertNotIn(b"?", encoded)
        self.assertEqual(farm_render.encode_cp1258("Thông báo"), encoded[:len("Thông báo")])
        self.assertEqual(unicodedata.normalize("NFC", decomposed),
                         unicodedata.normalize("NFC", encoded.decode("cp1258")))
        wrong = next(s for s in MANIFEST["sites"] if s["wrong_charset"])
        lies = [r for r in routes(wrong["host"]).values() if r["type"] == "text/html"]
        self.assertTrue(lies)
        with open(os.path.join(FARM, "www", wrong["host"], lies[0]["file"]), "rb") as f:
            data = f.read()
        self.assertIn(b"charset=iso-8859-1", data)
        data.decode("utf-8")
        nfd = [s for s in MANIFEST["sites"] if s["nfd"]]
        self.assertTrue(nfd)
        found = False
        for r in routes(nfd[0]["host"]).values():
            if r["kind"] == "article":
                with open(os.path.join(FARM, "www", nfd[0]["host"], r["file"]), encoding="utf-8") as f:
                    t = f.read()
                if not unicodedata.is_normalized("NFC", t):
                    found = True
                    break
        self.assertTrue(found)

    def test_robots_feeds_sitemaps(self):
        lines = collections.Counter()
        for s in MANIFEST["sites"]:
            st, h, body = get(s["host"], "/robots.txt")
            self.assertEqual(200, st)
            self.assertTrue(h["Content-Type"].startswith("text/plain"))
            text = body.decode()
            self.assertIn("User-agent: *", text)
            for k in ("Disallow: /", "Crawl-delay:", "Sitemap:"):
                lines[k] += k in text
            if "Sitemap:" in text:
                self.assertIn(f"Sitemap: http://{s['host']}:{PORT}/sitemap.xml", text)
            for feed in s["feeds"]:
                st, h, body = get(s["host"], feed.split(s["host"], 1)[1])
                self.assertEqual(200, st)
                root = ET.fromstring(body)
                links = [e.text for e in root.iter("link") if e.text] + \
                        [e.get("href") for e in root.iter("{http://www.w3.org/2005/Atom}link")]
                self.assertTrue(any(f"{s['host']}:{PORT}/" in (x or "") for x in links))
            for sm in s["sitemaps"]:
                st, h, body = get(s["host"], sm.split(s["host"], 1)[1])
                idx = ET.fromstring(body)
                locs = [e.text for e in idx.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
                gz = [u for u in locs if u.endswith(".gz")]
                self.assertTrue(gz)
                st, h, body = get(s["host"], gz[0].split(f":{PORT}", 1)[1])
                urls = ET.fromstring(gzip.decompress(body))
                n = len(list(urls.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}url")))
                self.assertEqual(30, n)
        self.assertTrue(lines["Crawl-delay:"] and lines["Sitemap:"] and lines["Disallow: /"])


class ServerTest(unittest.TestCase):
    def setUp(self):
        control("clear")

    def test_serves_every_route(self):
        n = 0
        for s in MANIFEST["sites"]:
            c = conn()
            for target, r in routes(s["host"]).items():
                c.request("GET", target, headers={"Host": f"{s['host']}:{PORT}"})
                resp = c.getresponse()
                body = resp.read()
                self.assertEqual(200, resp.status, target)
                self.assertEqual(r["type"], resp.getheader("Content-Type"))
                self.assertEqual(str(len(body)), resp.getheader("Content-Length"))
                with open(os.path.join(FARM, "www", s["host"], r["file"]), "rb") as f:
                    want = f.read()
                if r["abs"]:
                    old, new = f"http://{s['host']}/".encode(), f"http://{s['host']}:{PORT}/".encode()
                    want = gzip.compress(gzip.decompress(want).replace(old, new), mtime=0) \
                        if r["file"].endswith(".xgz") else want.replace(old, new)
                self.assertEqual(want, body, target)
                n += 1
            c.close()
        self.assertGreater(n, 400)
        st, _h, _b = get("nowhere.example-sim.gov.vn", "/")
        self.assertEqual(404, st)
        st, h, b = get("quangninh-sim.gov.vn", "/PublishingImages/2018/10/x.png")
        self.assertEqual((200, "image/png"), (st, h["Content-Type"]))
        self.assertTrue(b.startswith(b"\x89PNG"))
        st, _h, _b = get("quangninh-sim.gov.vn", "/khong-ton-tai.aspx")
        self.assertEqual(404, st)

    def test_etag_revalidation(self):
        st, h, _b = get("hanoi-sim.gov.vn", "/")
        st2, _h, body = get("hanoi-sim.gov.vn", "/", headers={"If-None-Match": h["ETag"]})
        self.assertEqual((200, 304, b""), (st, st2, body))

    def test_trap(self):
        st, _h, body = get("thanhhoa-sim.gov.vn", "/lich/?ngay=2031-12-31")
        self.assertEqual(200, st)
        self.assertIn(b"/lich/?ngay=2032-01-01", body)
        st, _h, body = get("thanhhoa-sim.gov.vn", "/van-ban/van-ban/van-ban/van-ban/")
        self.assertEqual(200, st)
        self.assertIn(b'href="van-ban/"', body)
        st, _h, _b = get("hanoi-sim.gov.vn", "/lich/?ngay=2031-12-31")
        self.assertEqual(404, st)

    def test_access_log_concurrency(self):
        host = "badinh.hanoi-sim.gov.vn"
        control("fault", host=host, mode="slow", arg="0.6")
        _st, logb = control("log")
        since = len(logb.splitlines())
        threads = [threading.Thread(target=get, args=(host, "/")) for _ in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(10)
        _st, logb = control("log", since=since)
        rows = [json.loads(x) for x in logb.splitlines()]
        rows = [r for r in rows if r["host"] == host]
        self.assertEqual(3, len(rows))
        self.assertEqual(3, max(r["conc"] for r in rows))
        for r in rows:
            self.assertGreaterEqual(r["t_end"] - r["t"], 0.5)
            self.assertEqual((200, "farm-test", "/"), (r["status"], r["ua"], r["path"]))
            self.assertGreater(r["bytes"], 1000)
            self.assertIsInstance(r["peer_port"], int)

    def test_fault_refuse_and_down(self):
        h = "uongbi.quangninh-sim.gov.vn"
        control("fault", host=h, mode="refuse", count=1)
        data, _err = raw(h, "/")
        self.assertEqual(b"", data)
        st, _h, _b = get(h, "/")  # count exhausted
        self.assertEqual(200, st)
        control("fault", host=h, mode="down")
        for _ in range(2):
            data, err = raw(h, "/")
            self.assertEqual(b"", data)
            self.assertIsInstance(err, ConnectionResetError)
        st, _h, _b = get("quangninh-sim.gov.vn", "/")  # other hosts unaffected
        self.assertEqual(200, st)
        st, body = control("status")
        self.assertIn('"down"', body.decode())
        control("clear", host=h)
        self.assertEqual(200, get(h, "/")[0])

    def test_fault_reset(self):
        h = "hanoi-sim.gov.vn"
        control("fault", host=h, mode="reset", path="/")
        data, err = raw(h, "/")
        head, _, body = data.partition(b"\r\n\r\n")
        length = int(re.search(rb"Content-Length: (\d+)", head).group(1))
        self.assertTrue(head.startswith(b"HTTP/1.1 200"))
        self.assertTrue(0 < len(body) < length)
        self.assertIsInstance(err, ConnectionResetError)
        st, _h, _b = get(h, "/robots.txt")  # path-scoped
        self.assertEqual(200, st)

    def test_fault_drip_and_slow(self):
        h = "phucxa.badinh.hanoi-sim.gov.vn"
        control("fault", host=h, mode="drip", arg="20000")
        t0 = time.time()
        st, hd, body = get(h, "/robots.txt")
        self.assertEqual(200, st)
        control("fault", host=h, mode="drip", arg="100000", path="/")
        t0 = time.time()
        st, hd, body = get(h, "/")
        took = time.time() - t0
        self.assertEqual(int(hd["Content-Length"]), len(body))
        self.assertGreater(took, len(body) / 100000 * 0.7)
        control("fault", host=h, mode="slow", arg="0.7", path="/robots.txt")
        t0 = time.time()
        self.assertEqual(200, get(h, "/robots.txt")[0])
        self.assertGreater(time.time() - t0, 0.65)

    def test_fault_stall(self):
        h = "quangxuong.thanhhoa-sim.gov.vn"
        control("fault", host=h, mode="stall")
        t0 = time.time()
        data, err = raw(h, "/", timeout=1.0)
        self.assertIsInstance(err, socket.timeout)
        self.assertTrue(data.startswith(b"HTTP/1.1 200"))
        self.assertTrue(data.endswith(b"\r\n\r\n"))
        self.assertLess(time.time() - t0, 3)

    def test_fault_5xx_and_429(self):
        h = "samson.thanhhoa-sim.gov.vn"
        control("fault", host=h, mode="5xx", count=2)
        self.assertEqual([503, 503, 200], [get(h, "/")[0] for _ in range(3)])
        control("fault", host=h, mode="5xx", arg="500", count=1)
        self.assertEqual(500, get(h, "/")[0])
        control("fault", host=h, mode="429", arg="7", count=1)
        st, hd, _b = get(h, "/")
        self.assertEqual((429, "7"), (st, hd["Retry-After"]))
        control("fault", host=h, mode="429", arg="date", count=1)
        st, hd, _b = get(h, "/")
        self.assertEqual(429, st)
        when = farm_model.dt.datetime.strptime(hd["Retry-After"], "%a, %d %b %Y %H:%M:%S GMT")
        delta = when.replace(tzinfo=farm_model.dt.timezone.utc).timestamp() - time.time()
        self.assertTrue(30 < delta < 90, delta)

    def test_fault_redirects(self):
        h = "quangninh-sim.gov.vn"
        control("fault", host=h, mode="redirect_chain", arg="3", path="/robots.txt")
        target, hops = "/robots.txt", 0
        while True:
            st, hd, body = get(h, target)
            if st != 302:
                break
            hops += 1
            target = hd["Location"].split(f":{PORT}", 1)[1]
            self.assertLess(hops, 10)
        self.assertEqual((200, 3), (st, hops))
        self.assertIn(b"User-agent", body)
        control("fault", host=h, mode="redirect_loop", path="/")
        target, seen = "/", []
        for _ in range(6):
            st, hd, _b = get(h, target)
            self.assertEqual(302, st)
            target = hd["Location"].split(f":{PORT}", 1)[1]
            seen.append(target)
        self.assertEqual(2, len(set(seen)))

    def test_fault_oversize_binary_wrong_length(self):
        h = "longbien.hanoi-sim.gov.vn"
        control("fault", host=h, mode="oversize", arg="3", count=1)
        st, hd, body = get(h, "/")
        self.assertEqual((200, 3 << 20, 3 << 20), (st, int(hd["Content-Length"]), len(body)))
        control("fault", host=h, mode="binary", count=1)
        st, hd, body = get(h, "/")
        self.assertEqual("text/html; charset=utf-8", hd["Content-Type"])
        with self.assertRaises(UnicodeDecodeError):
            body.decode("utf-8")
        control("fault", host=h, mode="wrong_length", count=1)
        data, _err = raw(h, "/")
        head, _, body = data.partition(b"\r\n\r\n")
        length = int(re.search(rb"Content-Length: (\d+)", head).group(1))
        self.assertLess(len(body), length)
        self.assertTrue(body.rstrip().endswith(b"</html>"))

    def test_fault_bad_chunked(self):
        h = "quangloi.quangxuong.thanhhoa-sim.gov.vn"
        control("fault", host=h, mode="bad_chunked", count=1)
        with self.assertRaises((http.client.IncompleteRead, ValueError, http.client.HTTPException)):
            get(h, "/")
        data, _err = raw(h, "/")
        self.assertFalse(data.startswith(b"HTTP/1.1 200") and b"chunked" in data)

    def test_fault_gzip_bomb(self):
        h = "phongcoc.quangyen.quangninh-sim.gov.vn"
        control("fault", host=h, mode="gzip_bomb", count=1)
        st, hd, body = get(h, "/", timeout=30)
        self.assertEqual((200, "gzip"), (st, hd["Content-Encoding"]))
        self.assertLess(len(body), 2 << 20)
        d = zlib.decompressobj(47)
        total, buf = 0, body
        while buf:
            total += len(d.decompress(buf, 64 << 20))
            buf = d.unconsumed_tail
        self.assertEqual(1 << 30, total)

    def test_bad_fault_request(self):
        st, body = control("fault", host="x", mode="explode")
        self.assertEqual(400, st)


class PublishTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.root = os.path.join(TMP, "pub")
        cls.manifest = farm_gen.generate(cls.root, seed=3, nsites=7, narticles=12, jobs=1)
        cls.srv, cls.port = start(cls.root)

    @classmethod
    def tearDownClass(cls):
        farm_server.stop_server(cls.srv)

    def test_publish(self):
        for s in self.manifest["sites"]:
            before = gold(s["id"], self.root)
            st, body = control("publish", self.port, host=s["host"], n=2)
            self.assertEqual(200, st)
            arts = json.loads(body)["articles"]
            self.assertEqual(2, len(arts))
            after = gold(s["id"], self.root)
            self.assertEqual(len(before) + 2, len(after))
            self.assertEqual(arts, after[-2:])
            newest = arts[-1]
            seed = s["seeds"][1].split(s["host"], 1)[1]
            st, _h, page = get(s["host"], seed, self.port)
            self.assertEqual(200, st)
            text = page.decode(routes(s["host"], self.root)[seed]["charset"])
            text = unicodedata.normalize("NFC", html.unescape(text))
            target = newest["url"].split(s["host"], 1)[1]
            links = re.findall(r'href="([^"]+)"', text)
            arts_links = [x for x in links if re.search(farm_render.article_regex(s["family"]), x)]
            self.assertEqual(html.unescape(target), arts_links[0] if s["family"] != "liferay"
                             else arts_links[0])
            st, _h, page = get(s["host"], target, self.port)
            self.assertEqual(200, st)
            self.assertIn(newest["title"], page_text(page, routes(s["host"], self.root)[target]["charset"]))
            for feed in s["feeds"][:1]:
                st, _h, fb = get(s["host"], feed.split(s["host"], 1)[1], self.port)
                self.assertIn(target.encode(), fb.replace(b"&amp;", b"&"))
        st, body = control("status", self.port)
        self.assertEqual(7, len(json.loads(body)["published"]))


class ConfigTest(unittest.TestCase):
    def test_config_writer(self):
        out = os.path.join(TMP, "conf")
        paths = farm_conf.write_config(FARM, 18123, out, os.path.join(TMP, "state"))
        with open(os.path.join(out, "tincrawl.yaml"), encoding="utf-8") as f:
            y = f.read()
        for s in MANIFEST["sites"]:
            self.assertIn(f'- "{s["host"]}:18123:127.0.0.1"', y)
        self.assertIn('- "127.0.0.0/8"', y)
        self.assertIn("min_delay_seconds: 0", y)
        self.assertIn("max_connections_per_host: 2", y)
        self.assertRegex(y, r"metrics:\n  enabled: false")
        site_files = [p for p in paths if "/sites/" in p]
        self.assertEqual(len(MANIFEST["sites"]), len(site_files))
        for s in MANIFEST["sites"]:
            prov = s["id"].split("-")[0]
            p = os.path.join(out, "sites", prov, s["id"] + ".yaml")
            with open(p, encoding="utf-8") as f:
                t = f.read()
            self.assertIn(f'cms: "{s["family"]}"', t)
            self.assertIn(f'base_url: "http://{s["host"]}:18123/"', t)
            art = json.loads(re.search(r"  article:\n    - (.*)\n", t).group(1))
            lst = json.loads(re.search(r"  listing:\n    - (.*)\n", t).group(1))
            for g in gold(s["id"])[:5]:
                url = g["url"].replace(s["host"], f"{s['host']}:18123")
                self.assertRegex(url, art)
                self.assertNotRegex(url, lst)
            for seed in s["seeds"][1:]:
                self.assertRegex(seed.replace(s["host"], f"{s['host']}:18123"), lst)


class BehaviourTest(unittest.TestCase):
    """Server behaviours (DIR/behaviours.json) on a small farm with query-string URLs."""

    @classmethod
    def setUpClass(cls):
        cls.root = os.path.join(TMP, "behave")
        cls.manifest = farm_gen.generate(cls.root, seed=1, nsites=12, narticles=8, jobs=1,
                                         query_urls=["*"])
        hosts = [s["host"] for s in cls.manifest["sites"]]
        cls.h = {"rate": hosts[2], "robots": hosts[4], "late": hosts[3], "moved": hosts[9],
                 "tls": hosts[10]}
        b = {"*": {"strict": True},
             cls.h["rate"]: {"rate_limit": {"retry_after": 2, "burst": 3, "window": 2}},
             cls.h["robots"]: {"robots_503_seconds": 1.5},
             cls.h["late"]: {"late_listen": {"addr": "127.0.0.2", "seconds": 1.5}},
             cls.h["moved"]: {"redirect_articles_to": hosts[10]},
             cls.h["tls"]: {"tls": True}}
        with open(os.path.join(cls.root, "behaviours.json"), "w", encoding="utf-8") as f:
            json.dump(b, f)
        cls.srv = farm_server.make_server(cls.root, "127.0.0.1", 0)
        farm_server.start_extras(cls.srv)
        threading.Thread(target=cls.srv.serve_forever, kwargs={"poll_interval": 0.1},
                         daemon=True).start()
        cls.port = cls.srv.server_address[1]

    @classmethod
    def tearDownClass(cls):
        farm_server.stop_server(cls.srv)

    def gold(self, host):
        sid = next(s["id"] for s in self.manifest["sites"] if s["host"] == host)
        with open(os.path.join(self.root, "gold", sid + ".jsonl"), encoding="utf-8") as f:
            return [json.loads(l) for l in f]

    def target(self, url):
        return re.sub(r"^https?://[^/]+", "", url)

    def test_query_urls_are_unsorted_and_strict(self):
        for s in self.manifest["sites"]:
            self.assertTrue(s["query_urls"])
            if s["host"] in self.h.values():
                continue
            g = next(x for x in self.gold(s["host"]) if "?" in x["url"])
            t = self.target(g["url"])
            path, query = t.split("?", 1)
            params = query.split("&")
            self.assertNotEqual(params, sorted(params), t)
            st, _h, _b = get(s["host"], t, self.port)
            self.assertEqual(st, 200, t)
            for other in (path + "?" + "&".join(sorted(params)), path + "?" + "&".join(params[:-1]),
                          path.upper() + "?" + query):
                st, _h, _b = get(s["host"], other, self.port)
                self.assertEqual(st, 404, other)
        for s in self.manifest["sites"]:
            for seed in s["seeds"][1:]:
                self.assertIn("?", seed)

    def test_robots_category_rule_covers_query_articles(self):
        for s in self.manifest["sites"]:
            for g in self.gold(s["host"]):
                hit = any(farm_render.robots_match(d, self.target(g["url"]))
                          for d in s["robots_rules"]["disallow"])
                self.assertEqual(hit, g["robots_disallowed"])
        self.assertTrue(any(g["robots_disallowed"] for s in self.manifest["sites"]
                            for g in self.gold(s["host"])))

    def test_rate_limit(self):
        h = self.h["rate"]
        st, hd, _b = get(h, "/", self.port)
        self.assertEqual((st, hd.get("Retry-After")), (429, "2"))
        self.assertEqual(get(h, "/", self.port)[0], 200)
        self.assertEqual(get(h, "/robots.txt", self.port)[0], 200)  # spared
        codes = [get(h, "/", self.port)[0] for _ in range(4)]
        self.assertIn(429, codes)  # burst limiter

    def test_robots_503_then_served(self):
        h = self.h["robots"]
        self.assertEqual(get(h, "/robots.txt", self.port)[0], 503)
        self.assertEqual(get(h, "/", self.port)[0], 200)
        deadline = time.time() + 10
        while get(h, "/robots.txt", self.port)[0] == 503 and time.time() < deadline:
            time.sleep(0.2)
        self.assertEqual(get(h, "/robots.txt", self.port)[0], 200)

    def test_late_listener(self):
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                with socket.create_connection(("127.0.0.2", self.port), timeout=1):
                    break
            except OSError:
                time.sleep(0.2)
        c = http.client.HTTPConnection("127.0.0.2", self.port, timeout=5)
        c.request("GET", "/", headers={"Host": self.h["late"]})
        self.assertEqual(c.getresponse().status, 200)
        c.close()
        conf = os.path.join(self.root, "conf")
        farm_conf.write_config(self.root, self.port, conf, minimal=True)
        with open(os.path.join(conf, "tincrawl.yaml"), encoding="utf-8") as f:
            y = f.read()
        self.assertIn(f'"{self.h["late"]}:{self.port}:127.0.0.2"', y)
        self.assertNotIn("min_delay_seconds", y)

    def test_redirect_to_tls_host(self):
        import ssl
        g = self.gold(self.h["moved"])[0]
        st, hd, _b = get(self.h["moved"], self.target(g["url"]), self.port)
        self.assertEqual(st, 301)
        loc = hd["Location"]
        tls_port = self.srv.state.tls_port
        self.assertTrue(loc.startswith(f"https://{self.h['tls']}:{tls_port}/moved/"), loc)
        d = os.path.join(self.root, "tls")
        for ca, ok in (("ca-b.pem", True), ("ca-a.pem", False)):
            ctx = ssl.create_default_context(cafile=os.path.join(d, ca))
            c = http.client.HTTPSConnection("127.0.0.1", tls_port, timeout=5, context=ctx)
            c._tunnel_host = None
            try:
                sock = socket.create_connection(("127.0.0.1", tls_port), timeout=5)
                c.sock = ctx.wrap_socket(sock, server_hostname=self.h["tls"])
                c.request("GET", self.target(loc), headers={"Host": self.h["tls"]})
                r = c.getresponse()
                self.assertTrue(ok)
                self.assertEqual(r.status, 200)
                self.assertIn(b"news-content", r.read())  # The moved article page itself.
            except ssl.SSLError:
                self.assertFalse(ok, ca)
            finally:
                c.close()
        conf = os.path.join(self.root, "conf2")
        farm_conf.write_config(self.root, self.port, conf, minimal=True)
        with open(os.path.join(conf, "tincrawl.yaml"), encoding="utf-8") as f:
            self.assertIn(f'"{self.h["tls"]}:{tls_port}:127.0.0.1"', f.read())


@unittest.skipUnless(os.path.exists("/usr/sbin/nginx"), "nginx not installed")
class NginxTest(unittest.TestCase):
    def test_nginx_config(self):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        out = os.path.join(TMP, "nginx", "farm.conf")
        conf, prefix = farm_conf.write_nginx(FARM, port, out, daemon_off=True, workers=1)
        r = subprocess.run(["/usr/sbin/nginx", "-t", "-c", conf, "-p", prefix],
                           capture_output=True, text=True, timeout=30)
        self.assertEqual(0, r.returncode, r.stderr)
        proc = subprocess.Popen(["/usr/sbin/nginx", "-c", conf, "-p", prefix],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            for _ in range(50):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                    break
                except OSError:
                    time.sleep(0.1)
            n = 0
            for site in MANIFEST["sites"]:
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                for target, rt in routes(site["host"]).items():
                    c.request("GET", target, headers={"Host": site["host"]})
                    resp = c.getresponse()
                    body = resp.read()
                    self.assertEqual(200, resp.status, (site["host"], target))
                    self.assertEqual(rt["type"], resp.getheader("Content-Type"), target)
                    if not rt["abs"]:
                        with open(os.path.join(FARM, "www", site["host"], rt["file"]), "rb") as f:
                            self.assertEqual(f.read(), body, target)
                    n += 1
                c.close()
            self.assertGreater(n, 400)
        finally:
            proc.terminate()
            proc.wait(10)


if __name__ == "__main__":
    unittest.main()

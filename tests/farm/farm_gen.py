"""Writes a farm directory: manifest, www/<host>/ files with .routes.json, gold/<site>.jsonl."""

import json
import multiprocessing
import os
import struct
import zlib

import farm_model as M
import farm_render as R

ROUTES = ".routes.json"
ASSET_DIR = "_farm"


def file_name(target, suffix):
    """The file (relative to www/<host>/) holding the response for a request target."""
    path, _, query = target.partition("?")
    p = path.lstrip("/")
    if p == "" or p.endswith("/"):
        p += "_index"
    if query:
        p += "@" + query
    return p + "." + suffix


def _png():
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    w, h = 16, 9
    raw = b"".join(b"\x00" + b"".join(bytes((40 + x * 8, 90 + y * 10, 160)) for x in range(w))
                   for y in range(h))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def _pdf(title):
    body = f"BT /F1 12 Tf 72 720 Td ({title}) Tj ET".encode("latin-1", "replace")
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
            b"/Resources << /Font << /F1 5 0 R >> >> >>",
            b"<< /Length %d >>\nstream\n" % len(body) + body + b"\nendstream",
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out = bytearray(b"%PDF-1.4\n")
    offs = []
    for i, o in enumerate(objs):
        offs.append(len(out))
        out += b"%d 0 obj\n" % (i + 1) + o + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    for o in offs:
        out += b"%010d 00000 n \n" % o
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return bytes(out)


ASSETS = {
    # extension -> (file, content type)
    "png": ("img.png", "image/png"), "jpg": ("img.png", "image/png"),
    "pdf": ("doc.pdf", "application/pdf"), "doc": ("doc.doc", "application/msword"),
    "docx": ("doc.doc", "application/msword"), "css": ("style.css", "text/css"),
    "js": ("script.js", "application/javascript"),
}


def asset_files():
    return {"img.png": _png(), "doc.pdf": _pdf("Van ban - tincrawl farm"),
            "doc.doc": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + b"farm document\n",
            "style.css": b"body{font-family:Arial,sans-serif;font-size:13px}\n",
            "script.js": b"/* farm */ var farm = 1;\n"}


class SiteWriter:
    """Writes pages of one site and keeps its route table."""

    def __init__(self, root, host):
        self.dir = os.path.join(root, "www", host)
        self.routes = {}
        self.made = set()

    def write(self, page):
        name = file_name(page.target, page.suffix)
        full = os.path.join(self.dir, name)
        d = os.path.dirname(full)
        if d not in self.made:
            os.makedirs(d, exist_ok=True)
            self.made.add(d)
        with open(full, "wb") as f:
            f.write(page.data)
        self.routes[page.target] = {"file": name, "type": R.TYPES[page.suffix],
                                    "charset": page.charset, "kind": page.kind, "abs": page.abs}

    def save_routes(self):
        data = {"routes": self.routes,
                "assets": {ext: {"file": f"{ASSET_DIR}/{f}", "type": t} for ext, (f, t) in ASSETS.items()}}
        tmp = os.path.join(self.dir, ROUTES + ".tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(data, f, ensure_ascii=False, indent=0, sort_keys=True)
        os.replace(tmp, os.path.join(self.dir, ROUTES))

    @staticmethod
    def load(root, host):
        w = SiteWriter(root, host)
        with open(os.path.join(w.dir, ROUTES), encoding="utf-8") as f:
            w.routes = json.load(f)["routes"]
        return w


def gold_line(site, a):
    path = R.article_path(site, a)
    g = a.gold(R.origin(site) + path)
    for att in g["attachments"]:
        att["url"] = R.origin(site) + R.attachment_href(site, a, att.pop("path"))
    g["family"] = site.family
    # A polite crawler must not fetch articles under a robots.txt Disallow (simple prefix rules
    # here, as the farm writes them): the gold says so, and coverage tests skip them.
    _text, rules = R.robots(site)
    g["robots_disallowed"] = any(R.robots_match(d, path) for d in rules["disallow"])
    return json.dumps(g, ensure_ascii=False, sort_keys=True)


def manifest_entry(site):
    sp = site.spec
    o = R.origin(site)
    _text, rules = R.robots(site)
    entry = {k: sp[k] for k in ("id", "name", "host", "family", "charset", "level", "province",
                                 "district", "commune", "base_url")}
    entry["seeds"] = [o + "/"] + [o + R.listing_path(site, c, 1) for c in sp["categories"]]
    entry["feeds"] = [o + p for p in R.feed_paths(site)]
    entry["sitemaps"] = [o + p for p in R.sitemap_paths(site)]
    entry["robots"] = bool(rules["disallow"] or rules["crawl_delay"])
    entry["robots_rules"] = rules
    entry["categories"] = sp["categories"]
    entry["articles"] = sp["articles"]
    entry["parent"] = sp["parent"]
    entry["unit"] = sp["unit"]
    entry["nfd"] = sp["nfd"]
    entry["wrong_charset"] = sp["wrong_charset"]
    entry["trap"] = [o + "/lich/?ngay=", o + "/van-ban/"] if sp["trap"] else []
    entry["seed_article"] = sp["seed_article"]
    entry["query_urls"] = bool(sp.get("query_urls"))
    return entry


_G = {}


def _init_worker(root, seed, specs):
    _G.update(root=root, seed=seed, specs=specs)


def _write_site(idx):
    root, seed, specs = _G["root"], _G["seed"], _G["specs"]
    spec = specs[idx]
    site = M.Site(seed, spec, specs)
    fam = R.FAMILY_CLASSES[site.family](site)
    w = SiteWriter(root, site.host)
    n = 0
    for a in site.articles:
        w.write(R.render_article(site, fam, a))
        n += 1
    for p in R.render_index_pages(site, fam):
        w.write(p)
        n += 1
    adir = os.path.join(w.dir, ASSET_DIR)
    os.makedirs(adir, exist_ok=True)
    for name, data in asset_files().items():
        with open(os.path.join(adir, name), "wb") as f:
            f.write(data)
    w.save_routes()
    with open(os.path.join(root, "gold", spec["id"] + ".jsonl"), "w", encoding="utf-8") as f:
        for a in site.articles:
            f.write(gold_line(site, a) + "\n")
    return idx, manifest_entry(site), n


def generate(root, seed=1, nsites=12, narticles=30, jobs=None, query_urls=()):
    """Generates the farm into `root`; returns the manifest dict.

    query_urls: site ids (or "*") whose URLs become order-sensitive query strings."""
    specs = M.site_specs(seed, nsites, narticles)
    for spec in specs:
        spec["query_urls"] = "*" in query_urls or spec["id"] in query_urls
    os.makedirs(os.path.join(root, "www"), exist_ok=True)
    os.makedirs(os.path.join(root, "gold"), exist_ok=True)
    jobs = jobs or M.cpu_count()
    entries = [None] * len(specs)
    pages = 0
    if jobs <= 1 or len(specs) < 4:
        _init_worker(root, seed, specs)
        results = map(_write_site, range(len(specs)))
        for idx, entry, n in results:
            entries[idx] = entry
            pages += n
    else:
        ctx = multiprocessing.get_context("fork")
        with ctx.Pool(jobs, initializer=_init_worker, initargs=(root, seed, specs)) as pool:
            for idx, entry, n in pool.imap_unordered(_write_site, range(len(specs)), chunksize=4):
                entries[idx] = entry
                pages += n
    manifest = {"seed": seed, "articles_per_site": narticles, "pages": pages,
                "today": M.GEN_NOW.strftime("%Y-%m-%dT%H:%M:00+07:00"), "sites": entries}
    with open(os.path.join(root, "manifest.json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f, ensure_ascii=False, indent=1, sort_keys=True)
    return manifest


def load_manifest(root):
    with open(os.path.join(root, "manifest.json"), encoding="utf-8") as f:
        return json.load(f)


def rebuild_site(root, manifest, host):
    """The Site model of `host` as generated (specs are recomputed from seed and size)."""
    specs = M.site_specs(manifest["seed"], len(manifest["sites"]), manifest["articles_per_site"])
    spec = next(s for s in specs if s["host"] == host)
    entry = next(s for s in manifest["sites"] if s["host"] == host)
    spec["query_urls"] = bool(entry.get("query_urls"))
    return M.Site(manifest["seed"], spec, specs)

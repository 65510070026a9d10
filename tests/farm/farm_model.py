"""Site specifications and article models of the farm (deterministic from seed + size)."""

import datetime as dt
import os
import unicodedata
import zlib

import farm_text as T

FAMILIES = ["sharepoint-qn", "tandan", "liferay", "nukeviet", "dotnetnuke"]
GEN_NOW = dt.datetime(2024, 11, 25, 9, 0)  # The farm's "today" (Asia/Ho_Chi_Minh, naive).
DATE_FROM = dt.datetime(2017, 1, 2, 7, 0)
DATE_TO = dt.datetime(2024, 11, 22, 17, 0)
SEED_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "farm",
                         "quangyen-btv-thi-uy-2018-10-16.txt")
SEED_DATE = dt.datetime(2018, 10, 18, 8, 6)
SEED_CAPTION = "Toàn cảnh tại hội nghị họp BTV Thị uỷ"
SEED_AUTHOR = "CTV: Trần Thuyết"

PARTY = {"tỉnh": "Tỉnh ủy", "thành phố": "Thành ủy", "huyện": "Huyện ủy", "thị xã": "Thị ủy",
         "quận": "Quận ủy", "xã": "Đảng ủy xã", "phường": "Đảng ủy phường",
         "thị trấn": "Đảng ủy thị trấn"}

# The default farm: (level, parent index, unit, name, slug, family, extra flags).
DEFAULT_LAYOUT = [
    ("province", None, "tỉnh", "Quảng Ninh", "quangninh", "sharepoint-qn",
     {"sitemap": True, "robots_sitemap": True}),
    ("district", 0, "thị xã", "Quảng Yên", "quangyen", "sharepoint-qn", {"seed_article": True}),
    ("district", 0, "thành phố", "Uông Bí", "uongbi", "tandan", {"robots": "admin"}),
    ("commune", 1, "phường", "Phong Cốc", "phongcoc", "nukeviet", {"feed": "rss"}),
    ("province", None, "thành phố", "Hà Nội", "hanoi", "liferay",
     {"nfd": True, "feed": "atom", "sitemap": True}),
    ("district", 4, "quận", "Ba Đình", "badinh", "dotnetnuke", {"robots": "category"}),
    ("district", 4, "quận", "Long Biên", "longbien", "nukeviet",
     {"wrong_charset": True, "feed": "rss"}),
    ("commune", 5, "phường", "Phúc Xá", "phucxa", "liferay", {"nfd": True}),
    ("province", None, "tỉnh", "Thanh Hóa", "thanhhoa", "tandan", {"trap": True}),
    ("district", 8, "thành phố", "Sầm Sơn", "samson", "dotnetnuke",
     {"charset": "windows-1258"}),
    ("district", 8, "huyện", "Quảng Xương", "quangxuong", "liferay", {"nfd": True}),
    ("commune", 10, "xã", "Quảng Lợi", "quangloi", "nukeviet",
     {"robots": "crawl_delay", "feed": "rss"}),
]

LISTING_PAGE_SIZE = {"sharepoint-qn": 10, "tandan": 15, "liferay": 20, "nukeviet": 10,
                     "dotnetnuke": 12}


def _site_spec(seed, idx, level, parent, unit, name, slug, family, flags, specs, narticles):
    if level == "province":
        host = f"{slug}-sim.gov.vn"
        sid = slug
        province, district, commune = name, "", ""
        prov_slug = slug
    else:
        p = specs[parent]
        host = f"{slug}.{p['host']}"
        sid = f"{p['id']}-{slug}"
        prov_slug = p["province_slug"]
        province = p["province"]
        district = name if level == "district" else p["district"]
        commune = name if level == "commune" else ""
    rng = T.new_rng(seed, "site", sid)
    cats = list(T.CATEGORIES[:1]) + rng.sample(T.CATEGORIES[1:], 2)
    spec = {
        "id": sid, "name": f"Cổng thông tin điện tử {unit} {name}", "host": host,
        "family": family, "charset": flags.get("charset", "utf-8"), "level": level,
        "province": province, "district": district, "commune": commune,
        "base_url": f"http://{host}/", "province_slug": prov_slug, "unit": unit,
        "place": name, "party": PARTY.get(unit, "Đảng ủy"),
        "parent": specs[parent]["id"] if parent is not None else None,
        "articles": narticles, "index": idx,
        "nfd": bool(flags.get("nfd")), "wrong_charset": bool(flags.get("wrong_charset")),
        "trap": bool(flags.get("trap")), "seed_article": bool(flags.get("seed_article")),
        "feed": flags.get("feed"), "sitemap": bool(flags.get("sitemap")),
        "robots_mode": flags.get("robots", "sitemap" if flags.get("robots_sitemap") else "plain"),
        "categories": [],
    }
    for ci, (cname, cslug) in enumerate(cats):
        spec["categories"].append({"name": cname, "slug": cslug, "num": ci + 1 + rng.randint(0, 3) * 10})
    return spec


def site_specs(seed, nsites, narticles):
    """The list of site specifications (manifest entries plus internal fields)."""
    specs = []
    for i, row in enumerate(DEFAULT_LAYOUT[:nsites]):
        level, parent, unit, name, slug, family, flags = row
        specs.append(_site_spec(seed, i, level, parent, unit, name, slug, family, flags, specs,
                                narticles))
    rng = T.new_rng(seed, "layout")
    prov_pool = T.PROVINCES[3:]
    pi = 0
    taken_prov = {p[1] for p in T.PROVINCES[:3]}
    while len(specs) < nsites:
        if pi < len(prov_pool):
            pname, pslug = prov_pool[pi]
            taken_prov.add(pslug)
        else:
            pname, pslug = T.make_place_name(rng, taken_prov)
        pi += 1
        pfam = FAMILIES[pi % len(FAMILIES)]
        punit = "thành phố" if pslug in ("haiphong", "danang", "cantho") else "tỉnh"
        pidx = len(specs)
        specs.append(_site_spec(seed, pidx, "province", None, punit, pname, pslug, pfam,
                                _proc_flags(rng, pidx, pfam), specs, narticles))
        taken_d = set()
        for _ in range(4):
            if len(specs) >= nsites:
                break
            dname, dslug = T.make_place_name(rng, taken_d)
            didx = len(specs)
            dfam = rng.choice(FAMILIES)
            specs.append(_site_spec(seed, didx, "district", pidx,
                                    rng.choice(["huyện", "thị xã", "thành phố"]), dname, dslug,
                                    dfam, _proc_flags(rng, didx, dfam), specs, narticles))
            taken_c = set()
            for _ in range(2):
                if len(specs) >= nsites:
                    break
                cname, cslug = T.make_place_name(rng, taken_c)
                cidx = len(specs)
                cfam = rng.choice(FAMILIES)
                specs.append(_site_spec(seed, cidx, "commune", didx,
                                        rng.choice(["xã", "phường", "thị trấn"]), cname, cslug,
                                        cfam, _proc_flags(rng, cidx, cfam), specs, narticles))
    return specs


def _proc_flags(rng, idx, family):
    f = {}
    if family == "liferay":
        f["nfd"] = True
        if rng.random() < 0.3:
            f["feed"] = "atom"
    if family == "nukeviet":
        f["feed"] = "rss"
    if rng.random() < 0.25:
        f["sitemap"] = True
        f["robots_sitemap"] = rng.random() < 0.5
    r = rng.random()
    if r < 0.2:
        f["robots"] = "admin"
    elif r < 0.25 and family == "dotnetnuke":
        f["robots"] = "category"
    elif f.get("robots_sitemap"):
        f["robots"] = "sitemap"
    if idx % 40 == 29:
        f["charset"] = "windows-1258"
    elif idx % 40 == 17:
        f["wrong_charset"] = True
    return f


def province_of(specs, spec):
    by_id = {s["id"]: s for s in specs}
    s = spec
    while s["parent"]:
        s = by_id[s["parent"]]
    return s


class Article:
    __slots__ = ("site", "id", "cat", "title", "slug", "published", "author", "summary",
                 "blocks", "canonical_id", "token", "nfd_title", "nfd_body", "live")

    def gold(self, url):
        body = [_ws(b[1]) for b in self.blocks if b[0] == "p"]
        caps = [_ws(b[2]) for b in self.blocks if b[0] == "img" and b[2]]
        tables = [b[1] for b in self.blocks if b[0] == "table"]
        atts = [{"path": b[1], "text": b[2], "type": b[1].rsplit(".", 1)[-1]}
                for b in self.blocks if b[0] == "att"]
        return {"url": url, "site": self.site, "title": _ws(self.title),
                "published": self.published.strftime("%Y-%m-%dT%H:%M:00+07:00"),
                "author": self.author, "summary": _ws(self.summary), "body": body,
                "captions": caps, "tables": tables, "attachments": atts,
                "canonical_id": self.canonical_id, "category": self.cat["slug"],
                "id": str(self.id)}


def _ws(s):
    return " ".join(unicodedata.normalize("NFC", s).split())


def site_dates(seed, sid, n):
    rng = T.new_rng(seed, "dates", sid)
    span = int((DATE_TO - DATE_FROM).total_seconds() // 86400)
    out = []
    for _ in range(n):
        d = DATE_FROM + dt.timedelta(days=rng.randint(0, span))
        out.append(d.replace(hour=rng.randint(7, 17), minute=rng.randint(0, 59)))
    out.sort()
    return out


def press_count(n):
    return 2 if n >= 8 else (1 if n >= 3 else 0)


def press_slots(n):
    k = press_count(n)
    return [(n * (i + 1)) // (k + 2) for i in range(k)]


def id_base(seed, spec):
    rng = T.new_rng(seed, "ids", spec["id"])
    fam = spec["family"]
    base = {"sharepoint-qn": rng.randint(1000, 90000), "tandan": rng.randint(100, 9000),
            "liferay": rng.randint(400000, 4500000), "nukeviet": rng.randint(50, 9000),
            "dotnetnuke": rng.randint(1000, 60000)}[fam]
    return base, rng.randint(2, 9)


def _token(rng):
    return "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(6))


def make_article(seed, spec, rng, date, aid, cat, level=None, place=None, unit=None,
                 party=None, label="a"):
    a = Article()
    a.site = spec["id"]
    a.id = aid
    a.cat = cat
    a.published = date
    a.live = False
    ctx = T.Ctx(rng, place or spec["place"], level or spec["level"], date.year,
                unit or spec["unit"], party or spec["party"])
    a.title = T.title(ctx)
    a.slug = T.slugify(a.title)
    a.summary = T.summary(ctx)
    a.author = T.byline(rng)
    blocks = []
    npar = rng.randint(3, 12)
    img_at = {rng.randint(0, npar - 1) for _ in range(rng.randint(0, 2))}
    table_at = rng.randint(1, npar - 1) if rng.random() < 0.15 else -1
    for i in range(npar):
        blocks.append(("p", T.paragraph(ctx)))
        if i in img_at:
            blocks.append(("img", f"{label}-{aid}-{i}", T.caption(ctx)))
        if i == table_at:
            blocks.append(("table", T.table(ctx)))
    if rng.random() < 0.3:
        for j in range(rng.randint(1, 2)):
            ext = rng.choice(["pdf", "pdf", "doc", "docx"])
            code = T.strip_accents(ctx.doc_code).replace("-", "_").lower()
            fname = f"{code}_{ctx.doc_no}_{aid}_{j}.{ext}"
            blocks.append(("att", fname, T.attachment_title(ctx) + f" ({ext.upper()})"))
    a.blocks = blocks
    a.canonical_id = f"{spec['id']}/{aid}"
    a.token = _token(rng)
    a.nfd_title = spec["nfd"] and aid % 5 == 0
    a.nfd_body = spec["nfd"] and aid % 3 != 1
    return a


def seed_article(spec, aid, cat):
    with open(SEED_FILE, encoding="utf-8") as f:
        text = f.read()
    paras = [p.strip("\n") for p in text.split("\n\n")]
    title = paras[0]
    date_i = paras.index("18/10/2018 08:06")
    body = []
    for p in paras[date_i + 1:]:
        if p == SEED_AUTHOR:
            break
        body.append(p)
    a = Article()
    a.site, a.id, a.cat, a.title = spec["id"], aid, cat, title
    a.slug = T.slugify(title)
    a.published = SEED_DATE
    a.author = SEED_AUTHOR
    a.summary = ""
    blocks = []
    for p in body:
        if p == SEED_CAPTION:
            blocks.append(("img", f"a-{aid}-0", p))
        else:
            blocks.append(("p", p))
    a.blocks = blocks
    a.canonical_id = f"{spec['id']}/{aid}"
    a.token = "x7k2pq"
    a.nfd_title = a.nfd_body = False
    a.live = False
    return a


def press_release(seed, prov_spec, k):
    """The k-th press release of a province, as published on the province site."""
    n = prov_spec["articles"]
    slot = press_slots(n)[k]
    date = site_dates(seed, prov_spec["id"], n)[slot]
    base, step = id_base(seed, prov_spec)
    aid = base + slot * step
    rng = T.new_rng(seed, "press", prov_spec["id"], k)
    return make_article(seed, prov_spec, rng, date, aid, prov_spec["categories"][0])


def _syndicate(seed, orig, spec, rng, aid, date, near):
    a = Article()
    a.site, a.id, a.cat = spec["id"], aid, spec["categories"][0]
    a.published = date
    a.author = orig.author
    a.summary = orig.summary
    a.blocks = list(orig.blocks)
    a.title = orig.title
    a.live = False
    if near:
        a.title = f"{spec['place']}: {orig.title}" if rng.random() < 0.5 else \
            orig.title.replace("tổ chức", "tổ chức thành công", 1) + " (cập nhật)"
        # A small edit, as district portals make when reposting: one sentence of contact
        # details appended to the last paragraph.
        ps = [i for i, b in enumerate(a.blocks) if b[0] == "p"]
        last = ps[-1]
        ctx = T.Ctx(rng, spec["place"], spec["level"], date.year, spec["unit"], spec["party"])
        a.blocks[last] = ("p", a.blocks[last][1] + " " + T.near_duplicate_sentence(ctx))
    a.slug = T.slugify(a.title)
    a.canonical_id = orig.canonical_id
    a.token = _token(rng)
    a.nfd_title = spec["nfd"] and aid % 5 == 0
    a.nfd_body = spec["nfd"] and aid % 3 != 1
    return a


class Site:
    def __init__(self, seed, spec, specs):
        self.seed = seed
        self.spec = spec
        self.family = spec["family"]
        self.host = spec["host"]
        n = spec["articles"]
        base, step = id_base(seed, spec)
        self.id_step = step
        dates = site_dates(seed, spec["id"], n)
        kinds = [("gen", d) for d in dates]
        if spec["seed_article"] and n >= 1:
            kinds[len(kinds) // 2] = ("seed", SEED_DATE)
        # Syndicated copies from the province portal (first two districts of a province).
        synd = {}
        if spec["level"] == "province":
            for i, slot in enumerate(press_slots(n)):
                synd[slot] = ("orig", i)
        elif spec["level"] == "district":
            prov = province_of(specs, spec)
            sisters = [s for s in specs if s["parent"] == prov["id"] and s["level"] == "district"]
            pos = [s["id"] for s in sisters].index(spec["id"])
            if pos < 2 and prov["articles"] == n:
                for k, slot in enumerate(press_slots(n)):
                    if kinds[slot][0] == "seed":
                        slot = (slot + 1) % n
                    orig = press_release(seed, prov, k)
                    rng = T.new_rng(seed, "synd", spec["id"], k)
                    date = (orig.published + dt.timedelta(days=rng.randint(1, 2))).replace(
                        hour=rng.randint(7, 16), minute=rng.randint(0, 59))
                    synd[slot] = ("copy", orig, (k + pos) % 2 == 1, date)
                    kinds[slot] = ("copy", date)
        order = sorted(range(n), key=lambda i: (kinds[i][1], i))
        arts = []
        for rank, i in enumerate(order):
            aid = base + i * step
            kind = kinds[i][0]
            cat_rng = T.new_rng(seed, "art", spec["id"], i)
            cat = spec["categories"][cat_rng.randint(0, len(spec["categories"]) - 1)]
            if kind == "seed":
                a = seed_article(spec, aid, spec["categories"][0])
            elif kind == "copy":
                _, orig, near, date = synd[i]
                a = _syndicate(seed, orig, spec, cat_rng, aid, date, near)
            elif synd.get(i, ("",))[0] == "orig":
                a = press_release(seed, spec, synd[i][1])
            else:
                a = make_article(seed, spec, cat_rng, kinds[i][1], aid, cat)
            arts.append(a)
        self.articles = arts  # Oldest first.
        self.next_id = base + n * step
        rng = T.new_rng(seed, "chrome", spec["id"])
        self.links = rng.sample(T.AGENCIES, 6)
        self.counter_base = T.visitor_counts(rng)
        self.since = rng.randint(2008, 2016)

    def newest_first(self):
        if getattr(self, "_newest_n", -1) != len(self.articles):
            self._newest = sorted(self.articles, key=lambda a: (a.published, a.id), reverse=True)
            self._newest_n = len(self.articles)
        return self._newest

    def publish(self, k, when):
        """Creates the k-th live-published article (k counts from 0) dated `when`."""
        rng = T.new_rng(self.seed, "live", self.spec["id"], k)
        cat = self.spec["categories"][0]
        aid = self.next_id + k * self.id_step
        a = make_article(self.seed, self.spec, rng, when, aid, cat, label="live")
        a.live = True
        return a


def page_counter(site, key):
    c = zlib.crc32(key.encode())
    return site.counter_base[0] + c % 97, site.counter_base[1] + c % 9973


def cpu_count():
    return max(1, min(os.cpu_count() or 1, 8))

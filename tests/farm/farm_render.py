"""HTML/XML rendering of farm sites, one markup family per CMS platform.

Every page is rendered as a Python string; `encode_page` turns it into the bytes served,
with the site's real and declared charsets.
"""

import codecs
import re
import datetime as dt
import gzip
import html
import itertools
import unicodedata
import zlib

import farm_model as M
import farm_text as T

esc = html.escape


def nfd(s):
    return unicodedata.normalize("NFD", s)


# ---------------------------------------------------------------- dates in each family's format

def date_text(family, d):
    """The article date line exactly as the article page shows it."""
    if family == "sharepoint-qn":
        return d.strftime("%d/%m/%Y %H:%M")
    if family == "tandan":
        return "Đăng ngày " + d.strftime("%d/%m/%Y %H:%M")
    if family == "liferay":
        h = d.hour % 12 or 12
        return d.strftime("%d/%m/%Y | ") + f"{h:02d}:{d.minute:02d} " + ("AM" if d.hour < 12 else "PM")
    if family == "nukeviet":
        return f"{T.WEEKDAYS[d.weekday()]} - " + d.strftime("%d/%m/%Y %H:%M")
    if family == "dotnetnuke":
        h = d.hour % 12 or 12
        return d.strftime("%d/%m/%Y ") + f"{h}:{d.minute:02d}:00 " + ("SA" if d.hour < 12 else "CH")
    raise ValueError(family)


def short_date(d):
    return d.strftime("%d/%m/%Y")


def today_line(d=M.GEN_NOW):
    return f"{T.WEEKDAYS[d.weekday()]}, ngày {short_date(d)}"


# ---------------------------------------------------------------- URL shapes

# A site whose listings, pagination and articles are query-string URLs with the parameters in
# non-alphabetical order (a crawler that sorts them asks for a spelling the server never
# published) has `query_urls` true in its spec and manifest entry (`generate --query-urls`).
LIFERAY_INSTANCE = "101_INSTANCE_x"


def query_urls(site):
    spec = site.spec if hasattr(site, "spec") else site
    return bool(spec.get("query_urls"))


def _qs_article(site, a):
    if site.family == "liferay":
        i = LIFERAY_INSTANCE
        return f"/{a.cat['slug']}?p_p_id={i}&_{i}_articleId={a.id}&_{i}_urlTitle={a.slug}"
    return f"/index.php?option=com_content&view=article&id={a.id}&catid={a.cat['num']}&Itemid=101"


def _qs_listing(site, cat, page):
    per = M.LISTING_PAGE_SIZE[site.family]
    if site.family == "liferay":
        i = LIFERAY_INSTANCE
        return f"/{cat['slug']}?p_p_id={i}&_{i}_cur={page}&_{i}_delta={per}"
    base = f"/index.php?option=com_content&view=category&id={cat['num']}&Itemid=101"
    return base if page == 1 else f"{base}&limitstart={(page - 1) * per}"




def article_path(site, a):
    f = site.family
    c = a.cat
    if query_urls(site):
        return _qs_article(site, a)
    if f == "sharepoint-qn":
        return f"/Trang/ChiTietTinTuc.aspx?nid={a.id}"
    if f == "tandan":
        d = a.published
        return f"/portal/Pages/{d.year}-{d.month}-{d.day}/{_pascal(a.slug)}-{a.token}.aspx"
    if f == "liferay":
        return f"/{c['slug']}/-/view_content/{a.id}-{a.slug}.html"
    if f == "nukeviet":
        return f"/vi/news/{c['slug']}/{a.slug}-{a.id}.html"
    if f == "dotnetnuke":
        return f"/vi-vn/{c['slug']}/doc-tin/{a.id}/{a.published.strftime('%Y-%m-%d')}/{a.slug}"
    raise ValueError(f)


def _pascal(slug):
    return "-".join(w.capitalize() for w in slug.split("-")[:10])


def listing_path(site, cat, page):
    f = site.family
    if query_urls(site):
        return _qs_listing(site, cat, page)
    if f == "sharepoint-qn":
        return f"/Trang/Tin-tuc-su-kien.aspx?Cat={cat['num']}&Page={page}"
    if f == "tandan":
        base = f"/portal/Pages/{_pascal(cat['slug'])}.aspx"
        return base if page == 1 else f"{base}?PageIndex={page}"
    if f == "liferay":
        return f"/{cat['slug']}" if page == 1 else f"/{cat['slug']}?_101_cur={page}&_101_delta=20"
    if f == "nukeviet":
        return f"/vi/news/{cat['slug']}/" if page == 1 else f"/vi/news/{cat['slug']}/page-{page}/"
    if f == "dotnetnuke":
        return f"/vi-vn/{cat['slug']}" if page == 1 else f"/vi-vn/{cat['slug']}?page={page}"
    raise ValueError(f)


def listing_alias(site, cat):
    """A second URL of listing page 1 (what the pager links to), or None."""
    f = site.family
    if query_urls(site):
        return None
    if f == "tandan":
        return f"/portal/Pages/{_pascal(cat['slug'])}.aspx?PageIndex=1"
    if f == "liferay":
        return f"/{cat['slug']}?_101_cur=1&_101_delta=20"
    return None


def image_src(site, a, key):
    f = site.family
    y = a.published
    if f == "sharepoint-qn":
        return f"/PublishingImages/{y.year}/{y.month:02d}/{key}.png"
    if f == "tandan":
        return f"/portal/PublishingImages/{y.year}-{y.month}/{key}.png"
    if f == "liferay":
        return f"/documents/10180/{a.id}/{key}.png"
    if f == "nukeviet":
        return f"/uploads/news/{y.year}_{y.month:02d}/{key}.png"
    return f"/portals/0/Images/{y.year}/{key}.png"


def attachment_href(site, a, fname):
    f = site.family
    if f == "sharepoint-qn":
        return f"/VanBan/{fname}"
    if f == "tandan":
        return f"/portal/VanBan/{a.published.year}/{fname}"
    if f == "liferay":
        return f"/documents/10180/{a.id}/{fname}"
    if f == "nukeviet":
        return f"/uploads/news/files/{fname}"
    return f"/portals/0/files/{fname}"


def article_regex(family, qs=False):
    if qs:
        return (r"(/index\.php\?option=com_content&view=article&id=\d+&catid=\d+&Itemid=\d+"
                r"|/[a-z0-9-]+\?p_p_id=\w+&_\w+_articleId=\d+&_\w+_urlTitle=[a-z0-9-]+)$")
    return {
        "sharepoint-qn": r"/Trang/ChiTietTinTuc\.aspx\?nid=\d+$",
        "tandan": r"/portal/Pages/\d{4}-\d{1,2}-\d{1,2}/[^/?]+\.aspx$",
        "liferay": r"/[a-z0-9-]+/-/view_content/\d+-[^/?]+\.html$",
        "nukeviet": r"/vi/news/[a-z0-9-]+/[a-z0-9-]+-\d+\.html$",
        "dotnetnuke": r"/vi-vn/[a-z0-9-]+/doc-tin/\d+/\d{4}-\d{2}-\d{2}/[a-z0-9-]+$",
    }[family]


def listing_regex(family, qs=False):
    if qs:
        return (r"(/index\.php\?option=com_content&view=category&id=\d+&Itemid=\d+(&limitstart=\d+)?"
                r"|/[a-z0-9-]+\?p_p_id=\w+&_\w+_cur=\d+&_\w+_delta=\d+)$")
    return {
        "sharepoint-qn": r"/Trang/Tin-tuc-su-kien\.aspx\?Cat=\d+(&Page=\d+)?$",
        "tandan": r"/portal/Pages/[A-Za-z0-9-]+\.aspx(\?PageIndex=\d+)?$",
        "liferay": r"/[a-z0-9-]+(\?_101_cur=\d+&_101_delta=\d+)?$",
        "nukeviet": r"/vi/news/[a-z0-9-]+/(page-\d+/)?$",
        "dotnetnuke": r"/vi-vn/[a-z0-9-]+(\?page=\d+)?$",
    }[family]


# ---------------------------------------------------------------- charsets

_CP1258_ERR = "farm-cp1258"


def _cp1258_char(ch):
    d = unicodedata.normalize("NFD", ch)
    base, marks = d[0], d[1:]
    for size in range(len(marks), -1, -1):
        for combo in itertools.combinations(range(len(marks)), size):
            head = unicodedata.normalize("NFC", base + "".join(marks[i] for i in combo))
            cand = head + "".join(m for i, m in enumerate(marks) if i not in combo)
            try:
                cand.encode("cp1258")
                return cand
            except UnicodeEncodeError:
                continue
    return "?"


def _cp1258_fallback(err):
    return "".join(_cp1258_char(c) for c in err.object[err.start:err.end]), err.end


codecs.register_error(_CP1258_ERR, _cp1258_fallback)


def encode_cp1258(text):
    """windows-1258 bytes of text as windows-1258 really writes Vietnamese: precomposed letters
    where cp1258 has them (â ă ê ô ơ ư included), tone marks as combining characters after them.
    NFD input (the NFD Liferay sites) is composed first: cp1258 has no code for a combining
    circumflex, breve or horn, so decomposed text would otherwise come out as literal '?'."""
    return unicodedata.normalize("NFC", text).encode("cp1258", errors=_CP1258_ERR)


def charset_decl(site, target, kind):
    """(meta charset or None, Content-Type header, real charset, file suffix) for an HTML page."""
    sp = site.spec
    key = zlib.crc32(target.encode())
    if sp["charset"] == "windows-1258":
        if key % 2 == 0:
            return "windows-1258", "text/html", "windows-1258", "hn"
        return None, "text/html; charset=windows-1258", "windows-1258", "h1258"
    if sp["wrong_charset"] and (kind == "article" and key % 2 == 0 or kind == "home"):
        return "iso-8859-1", "text/html", "utf-8", "hn"
    return "utf-8", "text/html; charset=utf-8", "utf-8", "h8"


def meta_tag(meta):
    if not meta:
        return ""
    return f'<meta http-equiv="Content-Type" content="text/html; charset={meta}" />'


def encode_text(text, charset):
    if charset == "windows-1258":
        return encode_cp1258(text)
    return text.encode("utf-8")


# ---------------------------------------------------------------- shared chrome pieces

class Chrome:
    """Per-site chrome data computed once (hot news, links, calendar)."""

    def __init__(self, site):
        self.site = site
        newest = site.newest_first()
        self.hot = [(article_path(site, a), a.title, a.published) for a in newest[:5]]
        self.focus = [(article_path(site, a), a.title, a.published) for a in newest[5:9]]
        rng = T.new_rng(site.seed, "cal", site.spec["id"])
        self.calendar = []
        for i in range(4):
            d = M.GEN_NOW + dt.timedelta(days=i, hours=rng.randint(-1, 7))
            self.calendar.append((d, f"{T.person(rng)} chủ trì {rng.choice(T.EVENTS)} về "
                                     f"{rng.choice(T.TOPICS)}"))
        self.links = site.links
        self.copyright = f"{site.since} - {M.GEN_NOW.year}"


def tidy(site, s, is_nfd):
    return esc(nfd(s) if is_nfd else s)


def body_html(site, a, img_tpl, p_tpl, table_cls, att_tpl):
    out = []
    for b in a.blocks:
        if b[0] == "p":
            out.append(p_tpl.format(tidy(site, b[1], a.nfd_body).replace("\xa0", "&nbsp;")))
        elif b[0] == "img":
            out.append(img_tpl.format(src=image_src(site, a, b[1]), cap=tidy(site, b[2], a.nfd_body)))
        elif b[0] == "table":
            rows = "".join("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in r) + "</tr>" for r in b[1])
            out.append(f'<table class="{table_cls}" border="1" cellpadding="3"><tbody>{rows}</tbody></table>')
        elif b[0] == "att":
            out.append(att_tpl.format(href=attachment_href(site, a, b[1]), text=esc(b[2])))
    return "\n".join(out)


def others(site, a, n=5):
    same = [x for x in site.newest_first() if x.cat is a.cat and x is not a]
    older = [x for x in same if (x.published, x.id) < (a.published, a.id)]
    return (older or same)[:n]


# ---------------------------------------------------------------- families

class Family:
    def __init__(self, site):
        self.site = site
        self.sp = site.spec
        self.ch = Chrome(site)


class SharePointQN(Family):
    def page(self, target, title, main, meta, kind):
        s, ch = self.sp, self.ch
        today, total = M.page_counter(self.site, target)
        nav = "".join(f'<li><a href="{listing_path(self.site, c, 1)}">{esc(c["name"])}</a></li>'
                      for c in s["categories"])
        hot = "".join(f'<li><a href="{p}">{esc(t)}</a> <span class="date">({short_date(d)})</span></li>'
                      for p, t, d in ch.hot)
        focus = "".join(f'<li><a href="{p}">{esc(t)}</a></li>' for p, t, d in ch.focus)
        if s["seed_article"]:
            cal = '<div class="LichCongTac"><h3>Lịch công tác</h3><span class="empty">trống</span></div>'
        else:
            cal = ('<div class="LichCongTac"><h3>Lịch công tác</h3><ul>' +
                   "".join(f'<li><span class="time">{d.strftime("%H:%M %d/%m/%Y")}</span> {esc(x)}</li>'
                           for d, x in ch.calendar) + "</ul></div>")
        links = "".join(f'<option value="#">{esc(x)}</option>' for x in ch.links)
        vs = f"/wEPDwUKMTY{zlib.crc32(target.encode()):08X}ZGQWAgIBD2QWAmYPZBYCAgMPZBYC"
        return f"""<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">
<html dir="ltr" lang="vi-VN"><head>{meta_tag(meta)}<meta http-equiv="X-UA-Compatible" content="IE=10" />
<title>{esc(title)}</title>
<link rel="stylesheet" type="text/css" href="/Style%20Library/QNP/css/portal.css" />
<script type="text/javascript" src="/_layouts/15/init.js"></script></head>
<body><form method="post" action="{esc(target)}" id="aspnetForm">
<input type="hidden" name="__VIEWSTATE" id="__VIEWSTATE" value="{vs}" />
<div id="s4-workspace"><div id="s4-bodyContainer">
<div class="qnp-header"><a href="/"><img src="/PublishingImages/banner.png" alt="{esc(s['name'])}" /></a>
<div class="qnp-today">{today_line()}</div></div>
<div class="qnp-menu"><ul class="root"><li><a href="/">Trang chủ</a></li>{nav}</ul></div>
<div class="qnp-search"><span>Tìm kiếm theo chuyên mục - nội dung - ngày tháng</span>
<input type="text" name="k" /><input type="submit" value="Tìm kiếm" /></div>
<div class="qnp-main"><div class="qnp-content">{main}</div>
<div class="qnp-right">
<div class="TinNong"><h3>Tin Nóng</h3><ul>{hot}</ul></div>
<div class="TinTieuDiem"><h3>Tin tiêu điểm</h3><ul>{focus}</ul></div>
{cal}
<div class="WebLienKet"><h3>Website liên kết</h3><select>{links}</select></div>
<div class="ThongKe"><h3>Thống kê truy cập</h3><p>Hôm nay: {today}</p><p>Đã truy cập: {total}</p></div>
</div></div>
<div class="qnp-footer"><p>{esc(s['name'])}</p><p>Bản quyền © {ch.copyright} thuộc {esc(s['name'])}</p></div>
</div></div></form></body></html>
"""

    def article(self, a, target, meta):
        site = self.site
        body = body_html(site, a,
                         '<table class="image" align="center"><tr><td><img src="{src}" alt="" /></td></tr>'
                         '<tr><td class="image_desc">{cap}</td></tr></table>',
                         '<p style="text-align: justify;">{}</p>', "tbl-data",
                         '<p>Tải về: <a href="{href}">{text}</a></p>')
        summ = f'<div class="Summary">{esc(a.summary)}</div>' if a.summary else ""
        other = "".join(f'<li><a href="{article_path(site, x)}">{esc(x.title)}</a> <span>({short_date(x.published)})</span></li>'
                        for x in others(site, a))
        main = f"""<div class="ArticleDetail">
<h1 class="Title">{esc(a.title)}</h1>
<div class="Time">{date_text('sharepoint-qn', a.published)}</div>
{summ}<div class="ArticleContent">
{body}
<p class="tacgia" style="text-align: right;"><strong>{esc(a.author)}</strong></p>
</div>
<div class="TinKhac"><h3>Tin khác</h3><ul>{other}</ul></div></div>"""
        return self.page(target, a.title, main, meta, "article")

    def listing(self, cat, page, items, npages, target, meta):
        site = self.site
        rows = "".join(f"""<div class="NewsItem"><a class="Title" href="{article_path(site, a)}">{esc(a.title)}</a>
<span class="Date">{date_text('sharepoint-qn', a.published)}</span><p class="Summary">{esc(a.summary)}</p></div>
""" for a in items)
        active = ' class="active"'
        pager = "".join(f'<a href="{listing_path(site, cat, k)}"{active if k == page else ""}>{k}</a> '
                        for k in range(1, npages + 1))
        main = f'<div class="ListNews"><h2>{esc(cat["name"])}</h2>{rows}<div class="Paging">{pager}</div></div>'
        return self.page(target, cat["name"], main, meta, "listing")

    def home(self, blocks, target, meta):
        site = self.site
        parts = []
        for cat, items in blocks:
            li = "".join(f'<li><a href="{article_path(site, a)}">{esc(a.title)}</a> <span class="Date">{short_date(a.published)}</span></li>'
                         for a in items)
            parts.append(f'<div class="HomeBlock"><h2><a href="{listing_path(site, cat, 1)}">{esc(cat["name"])}</a></h2><ul>{li}</ul></div>')
        return self.page(target, self.sp["name"], "\n".join(parts), meta, "home")


class Tandan(Family):
    def guid(self, target, n):
        h = zlib.crc32(f"{target}#{n}".encode())
        h2 = zlib.crc32(f"{n}#{target}".encode())
        return f"{h:08x}_{h2 & 0xffff:04x}_{(h2 >> 16):04x}_{h & 0xffff:04x}_{h ^ h2:08x}{n:04x}"

    def page(self, target, title, main, meta, kind):
        s, ch, site = self.sp, self.ch, self.site
        today, total = M.page_counter(site, target)
        nav = "".join(f'<li><a href="{listing_path(site, c, 1)}">{esc(c["name"])}</a></li>' for c in s["categories"])
        hot = "".join(f'<li><a href="{p}">{esc(t)}</a><span class="tandan-span-date">{short_date(d)}</span></li>'
                      for p, t, d in ch.hot)
        cal = "".join(f'<li>{d.strftime("%d/%m/%Y")}: {esc(x)}</li>' for d, x in ch.calendar)
        links = "".join(f'<li><a href="#">{esc(x)}</a></li>' for x in ch.links)
        trap = ""
        if s["trap"]:
            trap = (f'<li><a href="/lich/?ngay={M.GEN_NOW.strftime("%Y-%m-%d")}">Lịch làm việc</a></li>'
                    '<li><a href="/van-ban/">Văn bản</a></li>')
        return f"""<!DOCTYPE html>
<html lang="vi"><head>{meta_tag(meta)}<title>{esc(title)} - {esc(s['name'])}</title>
<link rel="stylesheet" href="/portal/Style%20Library/Tandan/css/style.css" /></head>
<body><form id="aspnetForm" method="post" action="{esc(target)}">
<div class="tandan-div-header"><div class="tandan-div-banner">{esc(s['name'])}</div>
<div class="tandan-div-date">{today_line()}</div></div>
<div class="tandan-div-menu"><ul><li><a href="/">Trang chủ</a></li>{nav}{trap}</ul></div>
<div class="tandan-div-wrapper">
<div class="tandan-div-left">
<div id="ctl00_ctl42_g_{self.guid(target, 1)}" class="ms-webpart-zone"><div class="tandan-div-hot"><p class="tandan-p-title-box">Tin mới</p><ul>{hot}</ul></div></div>
<div id="ctl00_ctl42_g_{self.guid(target, 2)}" class="ms-webpart-zone"><div class="tandan-div-calendar"><p class="tandan-p-title-box">Lịch công tác</p><ul>{cal}</ul></div></div>
</div>
<div class="tandan-div-center"><div id="ctl00_ctl42_g_{self.guid(target, 3)}" class="ms-webpart-zone">{main}</div></div>
<div class="tandan-div-right">
<div id="ctl00_ctl42_g_{self.guid(target, 4)}"><p class="tandan-p-title-box">Liên kết website</p><ul>{links}</ul></div>
<div id="ctl00_ctl42_g_{self.guid(target, 5)}" class="tandan-div-counter"><p class="tandan-p-title-box">Thống kê truy cập</p>
<p>Đang truy cập: {today % 50 + 3}</p><p>Hôm nay: {today}</p><p>Tổng lượt truy cập: {total}</p></div>
</div></div>
<div class="tandan-div-footer"><p>Cơ quan chủ quản: {esc(s['name'])}</p><p>© {ch.copyright} Bản quyền thuộc về {esc(s['name'])}. Phát triển bởi Tandan.</p></div>
</form></body></html>
"""

    def article(self, a, target, meta):
        site = self.site
        body = body_html(site, a,
                         '<p style="text-align: center;"><img src="{src}" alt="" /></p>'
                         '<p class="ms-rteElement-Caption" style="text-align: center;"><em>{cap}</em></p>',
                         '<p style="text-align: justify;">{}</p>', "ms-rteTable-default",
                         '<p>Tệp đính kèm: <a href="{href}">{text}</a></p>')
        other = "".join(f'<li><a href="{article_path(site, x)}">{esc(x.title)}</a><span class="tandan-span-date">({short_date(x.published)})</span></li>'
                        for x in others(site, a))
        main = f"""<div class="tandan-div-article">
<p class="tandan-p-article-news-title">{esc(a.title)}</p>
<span class="tandan-span-date-publish">{date_text('tandan', a.published)}</span>
<p class="tandan-p-article-main">{esc(a.summary)}</p>
<div class="ms-rtestate-field">
{body}
</div>
<p class="tandan-p-article-author" style="text-align: right;"><strong>{esc(a.author)}</strong></p>
<div class="tandan-div-article-other"><p class="tandan-p-title-other">Các tin khác</p><ul>{other}</ul></div>
</div>"""
        return self.page(target, a.title, main, meta, "article")

    def listing(self, cat, page, items, npages, target, meta):
        site = self.site
        rows = "".join(f"""<div class="tandan-div-item"><a class="tandan-a-title" href="{article_path(site, a)}">{esc(a.title)}</a>
<span class="tandan-span-date-publish">({date_text('tandan', a.published)})</span><p class="tandan-p-summary">{esc(a.summary)}</p></div>
""" for a in items)
        pager = "".join(f'<a href="{listing_path(site, cat, k) if k > 1 else (listing_alias(site, cat) or listing_path(site, cat, 1))}">{k}</a> '
                        for k in range(1, npages + 1))
        main = f'<div class="tandan-div-list-news"><p class="tandan-p-cat-title">{esc(cat["name"])}</p>{rows}<div class="tandan-div-paging">{pager}</div></div>'
        return self.page(target, cat["name"], main, meta, "listing")

    def home(self, blocks, target, meta):
        site = self.site
        parts = []
        for cat, items in blocks:
            li = "".join(f'<li><a href="{article_path(site, a)}">{esc(a.title)}</a></li>' for a in items)
            parts.append(f'<div class="tandan-div-home-cat"><p class="tandan-p-cat-title"><a href="{listing_path(site, cat, 1)}">{esc(cat["name"])}</a></p><ul>{li}</ul></div>')
        return self.page(target, "Trang chủ", "\n".join(parts), meta, "home")


class Liferay(Family):
    def portlet(self, pid, title, content):
        return f"""<div class="portlet-boundary portlet-boundary_{pid}_ portlet-static portlet-static-end" id="p_p_id_{pid}_">
<span id="p_{pid}"></span><section class="portlet" id="portlet_{pid}"><header class="portlet-topper"><h1 class="portlet-title">
<span class="portlet-title-text">{title}</span></h1></header><div class="portlet-content"><div class="portlet-body">{content}</div></div></section></div>"""

    def inst(self, name):
        h = zlib.crc32((self.sp["id"] + name).encode())
        alpha = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
        return "".join(alpha[(h >> (i * 2)) % 62] for i in range(12))

    def page(self, target, title, main, meta, kind):
        s, ch, site = self.sp, self.ch, self.site
        today, total = M.page_counter(site, target)
        nav = "".join(f'<li><a href="{listing_path(site, c, 1)}"><span>{esc(c["name"])}</span></a></li>' for c in s["categories"])
        hot = "".join(f'<div class="title_news"><a href="{p}">{esc(t)}</a><span class="date_news">{short_date(d)}</span></div>'
                      for p, t, d in ch.hot)
        links = "".join(f'<option value="#">{esc(x)}</option>' for x in ch.links)
        counter = (f'<div class="visitor-tracking-wraper"><div class="current-visitor-online"><span class="online-lable">Đang truy cập: </span>'
                   f'<span>{today % 80 + 5} </span></div><div class="total-visitor"><span class="online-lable">Tổng: </span>'
                   f'<span>{total:,} </span></div></div>').replace(",", ".")
        side = (self.portlet(f"1_WAR_portalnewspublisherportlet_INSTANCE_{self.inst('hot')}", "Tin nổi bật",
                             f'<div class="news-wrapper"><div class="box_hot_news">{hot}</div></div>') +
                self.portlet(f"2_WAR_portallienketportlet_INSTANCE_{self.inst('lk')}", "Liên kết website",
                             f'<div class="weblink-client-wrapper"><select class="aui-field-select"><option value="#">Chọn liên kết</option>{links}</select></div>') +
                self.portlet(f"1_WAR_portalsessiontrackingportlet_INSTANCE_{self.inst('st')}", "Số lượng truy cập", counter))
        return f"""<!DOCTYPE html>
<html class="ltr" dir="ltr" lang="vi-VN"><head>{meta_tag(meta)}<title>{esc(title)} - {esc(s['name'])}</title>
<link href="/so4t-theme/css/main.css" rel="stylesheet" type="text/css" /></head>
<body class="blue controls-visible guest-site signed-out public-page site">
<div id="wrapper"><header id="banner" role="banner"><div class="logo">{esc(s['name'])}</div>
<div class="date-time">{today_line()}</div></header>
<nav class="sort-pages modify-pages" id="navigation"><ul><li><a href="/"><span>Trang chủ</span></a></li>{nav}</ul></nav>
<div id="content"><div class="portlet-layout row-fluid"><div class="portlet-column portlet-column-first span8" id="column-1">
{main}
</div><div class="portlet-column portlet-column-last span4" id="column-2">{side}</div></div></div>
<div class="footer-wrapper"><div id="footer" class="clearfix"><div class="footleft"><h3>{esc(s['name']).upper()}</h3>
<p>Bản quyền © {ch.copyright}. Ghi rõ nguồn khi phát hành lại thông tin từ website này.</p></div></div></div>
</div></body></html>
"""

    def article(self, a, target, meta):
        site = self.site
        body = body_html(site, a,
                         '<figure class="image"><img src="{src}" alt="" /><figcaption>{cap}</figcaption></figure>',
                         '<p style="text-align: justify;">{}</p>', "table-data",
                         '<p>Tải về: <a href="{href}">{text}</a></p>')
        other = "".join(f'<li><a href="{article_path(site, x)}">{tidy(site, x.title, x.nfd_title)}</a> <span class="date">({short_date(x.published)})</span></li>'
                        for x in others(site, a))
        main = self.portlet("101", "Tin tức", f"""<div class="asset-full-content-title">{tidy(site, a.title, a.nfd_title)}</div>
<div class="assetPublishDate block_timer">
\t\t\t{date_text('liferay', a.published)}
</div>
<div class="asset-full-content show-asset-title"><div class="asset-content" id="_101_{a.id}">
<div class="sapo-wrapper clearfix"><p class="sapo"><strong>{tidy(site, a.summary, a.nfd_body)}</strong></p></div>
<div class="journal-content-article">
{body}
<p align="right" class="view-content-author"> <strong><em>{esc(a.author)}</em></strong> </p>
</div></div></div>
<div class="asset-control-detail"><span class="print-action"><a href="javascript:_101_printPage_0();">In trang</a></span></div>
<div class="related_asset"><div class="title-related">Tin khác</div><ul>{other}</ul></div>""")
        return self.page(target, a.title, main, meta, "article")

    def listing(self, cat, page, items, npages, target, meta):
        site = self.site
        rows = "".join(f"""<div class="asset-abstract"><h3 class="asset-title"><a href="{article_path(site, a)}">{tidy(site, a.title, a.nfd_title)}</a></h3>
<div class="assetPublishDate block_timer">{date_text('liferay', a.published)}</div>
<div class="asset-summary">{tidy(site, a.summary, a.nfd_body)}</div></div>
""" for a in items)
        pager = "".join(f'<li><a href="{listing_path(site, cat, k) if k > 1 else (listing_alias(site, cat) or listing_path(site, cat, 1))}">{k}</a></li>'
                        for k in range(1, npages + 1))
        main = self.portlet("101", esc(cat["name"]),
                            f'{rows}<div class="taglib-page-iterator"><div class="pagination"><ul class="pager">{pager}</ul></div></div>')
        return self.page(target, cat["name"], main, meta, "listing")

    def home(self, blocks, target, meta):
        site = self.site
        parts = []
        for cat, items in blocks:
            li = "".join(f'<li><a href="{article_path(site, a)}">{tidy(site, a.title, a.nfd_title)}</a></li>' for a in items)
            parts.append(self.portlet(f"1_WAR_portalnewspublisherportlet_INSTANCE_{self.inst(cat['slug'])}",
                                      f'<a href="{listing_path(site, cat, 1)}">{esc(cat["name"])}</a>', f"<ul>{li}</ul>"))
        return self.page(target, "Trang chủ", "\n".join(parts), meta, "home")


class NukeViet(Family):
    def page(self, target, title, main, meta, kind):
        s, ch, site = self.sp, self.ch, self.site
        today, total = M.page_counter(site, target)
        nav = "".join(f'<li><a href="{listing_path(site, c, 1)}" title="{esc(c["name"])}">{esc(c["name"])}</a></li>' for c in s["categories"])
        hot = "".join(f'<li class="clearfix"><a href="{p}" title="{esc(t)}">{esc(t)}</a><span class="text-muted">{short_date(d)}</span></li>'
                      for p, t, d in ch.hot)
        cal = "".join(f'<li><strong>{T.WEEKDAYS[d.weekday()]} {short_date(d)}</strong>: {esc(x)}</li>' for d, x in ch.calendar)
        links = "".join(f'<li><a href="#">{esc(x)}</a></li>' for x in ch.links)
        rss = ('<link rel="alternate" href="/vi/news/rss/" title="Tin Tức" type="application/rss+xml" />'
               if s["feed"] == "rss" else "")
        return f"""<!DOCTYPE html>
<html lang="vi" xmlns="http://www.w3.org/1999/xhtml" prefix="og: http://ogp.me/ns#"><head>
<title>{esc(title)} - {esc(s['name'])}</title>{meta_tag(meta)}
<meta name="generator" content="NukeViet v4.5" />{rss}
<link rel="stylesheet" href="/themes/egov/css/style.css" /></head>
<body><div class="body-bg"><div class="wraper">
<header><div class="container"><div id="header" class="row"><div class="logo"><a title="{esc(s['name'])}" href="/"><span class="site_name">{esc(s['name'])}</span></a></div>
<div class="current-time">{today_line()}</div></div></div></header>
<nav class="second-nav" id="menusite"><ul class="nav navbar-nav"><li><a href="/vi/">Trang chủ</a></li>{nav}</ul></nav>
<section><div class="container" id="body"><div class="row">
<div class="col-sm-16 col-md-18 col-sm-push-8 col-md-push-6">{main}</div>
<div class="col-sm-8 col-md-6 col-sm-pull-16 col-md-pull-18">
<div class="panel panel-default"><div class="panel-heading">Tin mới nhất</div><div class="panel-body"><ul class="block_tophits">{hot}</ul></div></div>
<div class="panel panel-default"><div class="panel-heading">Lịch làm việc</div><div class="panel-body"><ul>{cal}</ul></div></div>
<div class="panel panel-default"><div class="panel-heading">Liên kết</div><div class="panel-body"><ul>{links}</ul></div></div>
<div class="panel panel-default"><div class="panel-heading">Thống kê</div><div class="panel-body"><ul class="counter list-none">
<li><span>Đang truy cập</span><span class="pull-right">{today % 40 + 2}</span></li><li><span>Hôm nay</span><span class="pull-right">{today}</span></li>
<li><span>Tổng lượt truy cập</span><span class="pull-right">{total}</span></li></ul></div></div>
</div></div></div></section>
<footer id="footer"><div class="container"><div class="copyright"><span>&copy;&nbsp;Copyright {ch.copyright} {esc(s['name'])}.</span></div>
<div class="powered">Powered by <a href="https://nukeviet.vn/">NukeViet CMS</a></div></div></footer>
</div></div></body></html>
"""

    def article(self, a, target, meta):
        site = self.site
        body = body_html(site, a,
                         '<figure class="image center"><img alt="" src="{src}" width="600" /><figcaption>{cap}</figcaption></figure>',
                         '<p style="text-align: justify;">{}</p>', "table table-bordered",
                         '<p><a href="{href}" title="">{text}</a></p>')
        other = "".join(f'<li><em class="fa fa-angle-right">&nbsp;</em><a href="{article_path(site, x)}" title="{esc(x.title)}">{esc(x.title)}</a> <em>({short_date(x.published)})</em></li>'
                        for x in others(site, a))
        main = f"""<div class="news_column panel panel-default"><div class="panel-body">
<h1 class="title margin-bottom-lg">{esc(a.title)}</h1>
<div class="row margin-bottom-lg"><div class="col-md-12"><span class="h5">{date_text('nukeviet', a.published)}</span></div></div>
<div class="clearfix"><div class="hometext m-bottom">{esc(a.summary)}</div></div>
<div id="news-bodyhtml" class="bodytext margin-bottom-lg">
{body}
</div>
<div class="margin-bottom-lg"><p class="h5 text-right"><strong>Tác giả bài viết: </strong>{esc(a.author)}</p></div>
</div></div>
<div class="news_column panel panel-default"><div class="panel-body other-news"><p class="h3"><strong>Những tin cũ hơn</strong></p>
<div class="clearfix"><ul class="related list-items">{other}</ul></div></div></div>"""
        return self.page(target, a.title, main, meta, "article")

    def listing(self, cat, page, items, npages, target, meta):
        site = self.site
        rows = "".join(f"""<div class="news_column panel panel-default"><div class="panel-body"><h3><a href="{article_path(site, a)}" title="{esc(a.title)}">{esc(a.title)}</a></h3>
<ul class="list-inline"><li>{date_text('nukeviet', a.published)}</li></ul><div class="text-muted">{esc(a.summary)}</div></div></div>
""" for a in items)
        pager = "".join(f'<li><a href="{listing_path(site, cat, k)}">{k}</a></li>' for k in range(1, npages + 1))
        main = f'<div class="page-header"><h1>{esc(cat["name"])}</h1></div>{rows}<div class="text-center"><ul class="pagination">{pager}</ul></div>'
        return self.page(target, cat["name"], main, meta, "listing")

    def home(self, blocks, target, meta):
        site = self.site
        parts = []
        for cat, items in blocks:
            li = "".join(f'<li><a href="{article_path(site, a)}" title="{esc(a.title)}">{esc(a.title)}</a></li>' for a in items)
            parts.append(f'<div class="panel panel-default news_column"><div class="panel-heading"><a href="{listing_path(site, cat, 1)}">{esc(cat["name"])}</a></div><div class="panel-body"><ul class="related">{li}</ul></div></div>')
        return self.page(target, "Trang chủ", "\n".join(parts), meta, "home")


class DotNetNuke(Family):
    def ctr(self, name):
        return 380 + zlib.crc32((self.sp["id"] + name).encode()) % 1500

    def page(self, target, title, main, meta, kind):
        s, ch, site = self.sp, self.ch, self.site
        today, total = M.page_counter(site, target)
        nav = "".join(f'<li class="item"><a href="{listing_path(site, c, 1)}">{esc(c["name"])}</a></li>' for c in s["categories"])
        hot = "".join(f'<li><a href="{p}">{esc(t)}</a> <span class="news-item-date">{short_date(d)}</span></li>' for p, t, d in ch.hot)
        cal = "".join(f'<tr><td>{short_date(d)}</td><td>{d.strftime("%H:%M")}</td><td>{esc(x)}</td></tr>' for d, x in ch.calendar)
        links = "".join(f'<option>{esc(x)}</option>' for x in ch.links)
        c1, c2, c3, c4 = self.ctr("hot"), self.ctr("cal"), self.ctr("links"), self.ctr("counter")
        return f"""<!DOCTYPE html>
<html lang="vi-VN"><head id="Head">{meta_tag(meta)}<title>{esc(title)}</title>
<meta id="MetaGenerator" name="GENERATOR" content="DotNetNuke " />
<link href="/portals/0/skins/egov/skin.css" type="text/css" rel="stylesheet" />
<script src="/portals/0/js/dnn.js" type="text/javascript"></script></head>
<body id="Body"><form method="post" action="{esc(target)}" id="Form">
<div id="dnn_wrapper"><div id="dnn_Header" class="header"><img src="/portals/0/Images/logo.png" alt="" /><span class="site-name">{esc(s['name'])}</span>
<span id="dnn_dnnCURRENTDATE_lblDate" class="DateToken">{today_line()}</span></div>
<div id="dnn_dnnMENU" class="menu"><ul><li class="item"><a href="/vi-vn/trang-chu">Trang chủ</a></li>{nav}</ul></div>
<div id="dnn_ContentPane" class="contentpane">{main}</div>
<div id="dnn_RightPane" class="rightpane">
<div id="dnn_ctr{c1}_ModuleContent" class="DNNModuleContent"><h3 class="title">Tin mới cập nhật</h3><ul>{hot}</ul></div>
<div id="dnn_ctr{c2}_ModuleContent" class="DNNModuleContent"><h3 class="title">Lịch công tác tuần</h3><table class="lich">{cal}</table></div>
<div id="dnn_ctr{c3}_ModuleContent" class="DNNModuleContent"><h3 class="title">Liên kết web</h3><select>{links}</select></div>
<div id="dnn_ctr{c4}_ModuleContent" class="DNNModuleContent"><h3 class="title">Thống kê truy cập</h3>
<span id="dnn_ctr{c4}_Counter_lblOnline">Trực tuyến: {today % 30 + 1}</span><br /><span id="dnn_ctr{c4}_Counter_lblToday">Hôm nay: {today}</span><br />
<span id="dnn_ctr{c4}_Counter_lblTotal">Tổng truy cập: {total}</span></div>
</div>
<div id="dnn_Footer" class="footer"><span id="dnn_dnnCOPYRIGHT_lblCopyright" class="Footer">Copyright {ch.copyright} by {esc(s['name'])}</span></div>
</div></form></body></html>
"""

    def article(self, a, target, meta):
        site = self.site
        n = self.ctr("article")
        body = body_html(site, a,
                         '<table class="image-caption" align="center"><tbody><tr><td><img src="{src}" alt="" /></td></tr>'
                         '<tr><td><em>{cap}</em></td></tr></tbody></table>',
                         '<p style="text-align: justify;">{}</p>', "Normal",
                         '<p><a href="{href}">{text}</a></p>')
        other = "".join(f'<li><a href="{article_path(site, x)}">{esc(x.title)}</a> <span class="news-item-date">({short_date(x.published)})</span></li>'
                        for x in others(site, a))
        main = f"""<div id="dnn_ctr{n}_ModuleContent" class="DNNModuleContent ModNewsArticlesC">
<div id="dnn_ctr{n}_ViewArticle_pnlDetail" class="news-detail">
<h2 id="dnn_ctr{n}_ViewArticle_lblTitle" class="news-title">{esc(a.title)}</h2>
<span id="dnn_ctr{n}_ViewArticle_lblDate" class="news-date">Cập nhật: {date_text('dotnetnuke', a.published)}</span>
<div id="dnn_ctr{n}_ViewArticle_lblSummary" class="news-summary"><strong>{esc(a.summary)}</strong></div>
<div id="dnn_ctr{n}_ViewArticle_lblContent" class="news-content">
{body}
</div>
<div id="dnn_ctr{n}_ViewArticle_lblAuthor" class="news-author">{esc(a.author)}</div>
</div>
<div id="dnn_ctr{n}_ViewArticle_pnlOther" class="news-other"><h3>Tin khác</h3><ul>{other}</ul></div>
</div>"""
        return self.page(target, a.title, main, meta, "article")

    def listing(self, cat, page, items, npages, target, meta):
        site = self.site
        n = self.ctr("listing" + cat["slug"])
        rows = "".join(f"""<div class="news-item"><a class="news-item-title" href="{article_path(site, a)}">{esc(a.title)}</a>
<span class="news-item-date">{date_text('dotnetnuke', a.published)}</span><div class="news-item-summary">{esc(a.summary)}</div></div>
""" for a in items)
        pager = "".join(f'<a class="CommandButton" href="{listing_path(site, cat, k)}">{k}</a> ' for k in range(1, npages + 1))
        main = f'<div id="dnn_ctr{n}_ModuleContent" class="DNNModuleContent"><h2 class="cat-title">{esc(cat["name"])}</h2>{rows}<div class="PagingTable">{pager}</div></div>'
        return self.page(target, cat["name"], main, meta, "listing")

    def home(self, blocks, target, meta):
        site = self.site
        parts = []
        for cat, items in blocks:
            li = "".join(f'<li><a href="{article_path(site, a)}">{esc(a.title)}</a></li>' for a in items)
            parts.append(f'<div id="dnn_ctr{self.ctr("home" + cat["slug"])}_ModuleContent" class="DNNModuleContent"><h3 class="title"><a href="{listing_path(site, cat, 1)}">{esc(cat["name"])}</a></h3><ul>{li}</ul></div>')
        return self.page(target, "Trang chủ", "\n".join(parts), meta, "home")


FAMILY_CLASSES = {"sharepoint-qn": SharePointQN, "tandan": Tandan, "liferay": Liferay,
                  "nukeviet": NukeViet, "dotnetnuke": DotNetNuke}


# ---------------------------------------------------------------- feeds, sitemaps, robots

def origin(site):
    return f"http://{site.host}"


def rss(site, items, title):
    o = origin(site)
    entries = "".join(f"""<item><title>{esc(a.title)}</title><link>{o}{esc(article_path(site, a))}</link>
<guid isPermaLink="true">{o}{esc(article_path(site, a))}</guid><description>{esc(a.summary)}</description>
<pubDate>{a.published.strftime('%a, %d %b %Y %H:%M:%S')} +0700</pubDate></item>
""" for a in items)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel><title>{esc(title)}</title>
<link>{o}/</link><description>{esc(site.spec['name'])}</description><language>vi</language>
{entries}</channel></rss>
"""


def atom(site, items, title):
    o = origin(site)
    upd = items[0].published if items else M.GEN_NOW
    entries = "".join(f"""<entry><title>{esc(a.title)}</title><link rel="alternate" href="{o}{esc(article_path(site, a))}"/>
<id>{o}{esc(article_path(site, a))}</id><updated>{a.published.strftime('%Y-%m-%dT%H:%M:00+07:00')}</updated>
<summary>{esc(a.summary)}</summary><author><name>{esc(a.author)}</name></author></entry>
""" for a in items)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>{esc(title)}</title><id>{o}/</id>
<link rel="self" href="{o}/rss/atom.xml"/><updated>{upd.strftime('%Y-%m-%dT%H:%M:00+07:00')}</updated>
{entries}</feed>
"""


def urlset(site, paths):
    o = origin(site)
    rows = "".join(f"<url><loc>{o}{esc(p)}</loc>" + (f"<lastmod>{d:%Y-%m-%d}</lastmod>" if d else "")
                   + "</url>\n" for p, d in paths)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{rows}</urlset>\n')


def robots(site):
    sp = site.spec
    mode = sp["robots_mode"]
    lines = ["User-agent: *"]
    rules = {"disallow": [], "crawl_delay": None, "sitemap": False}
    if mode == "plain":
        lines.append("Disallow:")
    elif mode == "admin":
        rules["disallow"] = ["/admin/", "/tim-kiem"]
    elif mode == "category":
        cat = sp["categories"][2]
        if not query_urls(site):
            rules["disallow"] = [listing_path(site, cat, 1)]
        elif site.family == "liferay":
            rules["disallow"] = [f"/{cat['slug']}?"]
        else:  # The listing and, by a wildcard, the articles of that category.
            rules["disallow"] = [f"/index.php?option=com_content&view=category&id={cat['num']}&",
                                 f"/index.php?option=com_content&view=category&id={cat['num']}$",
                                 f"/*&catid={cat['num']}&"]
    elif mode == "crawl_delay":
        rules["disallow"] = ["/admin/"]
        rules["crawl_delay"] = 1
    elif mode == "sitemap":
        rules["disallow"] = ["/_layouts/", "/admin/"]
        rules["sitemap"] = True
    for d in rules["disallow"]:
        lines.append(f"Disallow: {d}")
    if rules["crawl_delay"]:
        lines.append(f"Crawl-delay: {rules['crawl_delay']}")
    lines.append("")
    lines.insert(0, f"# robots.txt for {site.host}")
    if rules["sitemap"]:
        lines.append(f"Sitemap: {origin(site)}/sitemap.xml")
    return "\n".join(lines) + "\n", rules


def robots_match(rule, target):
    """True when a robots.txt Disallow value (RFC 9309: `*` wildcard, `$` end) matches target."""
    if not rule:
        return False
    rx = re.escape(rule).replace(r"\*", ".*")
    if rx.endswith(r"\$"):
        rx = rx[:-2] + "$"
    return re.match(rx, target) is not None


def feed_paths(site):
    if site.spec["feed"] == "rss":
        return ["/vi/news/rss/"] + [f"/vi/news/rss/{c['slug']}/" for c in site.spec["categories"]]
    if site.spec["feed"] == "atom":
        return ["/rss/atom.xml"]
    return []


def sitemap_paths(site):
    return ["/sitemap.xml"] if site.spec["sitemap"] else []


TYPES = {
    "h8": "text/html; charset=utf-8", "hn": "text/html", "h1258": "text/html; charset=windows-1258",
    "rss": "application/rss+xml; charset=utf-8", "atom": "application/atom+xml; charset=utf-8",
    "xml": "application/xml; charset=utf-8", "xgz": "application/x-gzip",
    "txt": "text/plain; charset=utf-8",
}


class Page:
    __slots__ = ("target", "data", "suffix", "charset", "kind", "abs")

    def __init__(self, target, data, suffix, charset, kind, absolute=False):
        self.target, self.data, self.suffix = target, data, suffix
        self.charset, self.kind, self.abs = charset, kind, absolute


def html_page(site, fam, target, kind, render):
    meta, _ctype, real, suffix = charset_decl(site, target, kind)
    return Page(target, encode_text(render(meta), real), suffix, real, kind)


def render_article(site, fam, a):
    target = article_path(site, a)
    return html_page(site, fam, target, "article", lambda meta: fam.article(a, target, meta))


def render_index_pages(site, fam=None):
    """Every page of a site except article pages: listings, home, feeds, sitemaps, robots."""
    fam = fam or FAMILY_CLASSES[site.family](site)
    out = []
    newest = site.newest_first()
    size = M.LISTING_PAGE_SIZE[site.family]
    for cat in site.spec["categories"]:
        items = [a for a in newest if a.cat["slug"] == cat["slug"]]
        npages = max(1, (len(items) + size - 1) // size)
        for k in range(1, npages + 1):
            chunk = items[(k - 1) * size:k * size]
            target = listing_path(site, cat, k)
            out.append(html_page(site, fam, target, "listing",
                                 lambda meta, c=cat, k=k, ch=chunk, t=target: fam.listing(c, k, ch, npages, t, meta)))
        alias = listing_alias(site, cat)
        if alias:
            first = next(p for p in out if p.target == listing_path(site, cat, 1))
            out.append(Page(alias, first.data, first.suffix, first.charset, "listing"))
    blocks = []
    for cat in site.spec["categories"]:
        blocks.append((cat, [a for a in newest if a.cat["slug"] == cat["slug"]][:5]))
    home = html_page(site, fam, "/", "home", lambda meta: fam.home(blocks, "/", meta))
    out.append(home)
    if site.family == "nukeviet":
        out.append(Page("/vi/", home.data, home.suffix, home.charset, "home"))
    if site.family == "dotnetnuke":
        out.append(Page("/vi-vn/trang-chu", home.data, home.suffix, home.charset, "home"))
    text, _rules = robots(site)
    out.append(Page("/robots.txt", text.encode(), "txt", "utf-8", "robots", True))
    if site.spec["feed"] == "rss":
        out.append(Page("/vi/news/rss/", rss(site, newest[:20], site.spec["name"]).encode(), "rss",
                        "utf-8", "feed", True))
        for cat in site.spec["categories"]:
            items = [a for a in newest if a.cat["slug"] == cat["slug"]][:20]
            out.append(Page(f"/vi/news/rss/{cat['slug']}/", rss(site, items, cat["name"]).encode(),
                            "rss", "utf-8", "feed", True))
    elif site.spec["feed"] == "atom":
        out.append(Page("/rss/atom.xml", atom(site, newest[:20], site.spec["name"]).encode(), "atom",
                        "utf-8", "feed", True))
    if site.spec["sitemap"]:
        o = origin(site)
        chunk = 50000
        arts = [(article_path(site, a), a.published) for a in newest]
        names = []
        for i in range(0, max(1, len(arts)), chunk):
            name = f"/sitemap-news-{i // chunk + 1}.xml.gz"
            names.append(name)
            data = gzip.compress(urlset(site, arts[i:i + chunk]).encode(), mtime=0)
            out.append(Page(name, data, "xgz", "utf-8", "sitemap", True))
        pages = [("/", None)] + [(listing_path(site, c, 1), None) for c in site.spec["categories"]]
        out.append(Page("/sitemap-pages.xml", urlset(site, pages).encode(), "xml", "utf-8",
                        "sitemap", True))
        names.append("/sitemap-pages.xml")
        idx = ('<?xml version="1.0" encoding="UTF-8"?>\n'
               '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n' +
               "".join(f"<sitemap><loc>{o}{n}</loc><lastmod>{M.GEN_NOW.strftime('%Y-%m-%d')}</lastmod></sitemap>\n"
                       for n in names) + "</sitemapindex>\n")
        out.append(Page("/sitemap.xml", idx.encode(), "xml", "utf-8", "sitemap", True))
    if site.spec["trap"]:
        out.append(trap_calendar(site, M.GEN_NOW.date()))
        out.append(trap_repeat(site, "/van-ban/"))
    return out


# ---------------------------------------------------------------- crawler traps

def trap_calendar(site, day):
    nxt, prev = day + dt.timedelta(days=1), day - dt.timedelta(days=1)
    target = f"/lich/?ngay={day.isoformat()}"
    text = f"""<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8" /><title>Lịch làm việc ngày {day.strftime('%d/%m/%Y')}</title></head>
<body><div class="lich-lam-viec"><h1>Lịch làm việc ngày {day.strftime('%d/%m/%Y')}</h1>
<p>Không có lịch làm việc trong ngày.</p>
<p><a href="/lich/?ngay={prev.isoformat()}">« Ngày trước</a> | <a href="/lich/?ngay={nxt.isoformat()}">Ngày sau »</a></p>
<p><a href="/">Trang chủ</a></p></div></body></html>
"""
    return Page(target, text.encode(), "h8", "utf-8", "trap")


def trap_repeat(site, path):
    depth = path.count("van-ban/")
    text = f"""<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8" /><title>Văn bản - cấp {depth}</title></head>
<body><div class="van-ban"><h1>Hệ thống văn bản</h1><ul>
<li><a href="van-ban/">Văn bản chỉ đạo điều hành</a></li><li><a href="./van-ban/?loai=qd">Quyết định</a></li></ul>
<p><a href="/">Trang chủ</a></p></div></body></html>
"""
    return Page(path, text.encode(), "h8", "utf-8", "trap")

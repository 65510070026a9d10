#include "extractors/page.h"

#include <algorithm>
#include <array>
#include <bitset>
#include <cstring>

#include "extractors/dates.h"
#include "extractors/text.h"

namespace tincrawl {
namespace {

// Chrome markers matched anywhere inside a lower-cased class/id string.
constexpr std::array<std::string_view, 60> kChromeSubstrings = {
    "menu",        "navbar",        "navigation",    "sidebar",      "side-bar",   "footer",
    "header",      "banner",        "breadcrumb",    "social",       "related",    "comment",
    "tinlienquan", "tin-lien-quan", "tin_lien_quan", "tinkhac",      "tin-khac",   "tin_khac",
    "lien-ket",    "lienket",       "lien_ket",      "thong-ke",     "thongke",    "thong_ke",
    "truy-cap",    "truycap",       "truy_cap",      "weblink",      "calendar",   "advert",
    "popup",       "login",         "search",        "copyright",    "newsletter", "subscri",
    "disclosure",  "disclaimer",    "cookie",        "recommend",    "promo",      "author-bio",
    "authorbio",   "about-author",  "author-box",    "authorbox",    "sharedaddy", "sharing",
    "post-author", "author-info",   "saboxplugin",   "postmetadata", "infobox",    "factbox",
    "affiliate",   "signup",        "sign-up",       "author-desc",  "gdpr",       "consent"};

// Chrome markers that must form a whole token ("nav-top" but not "canvas", "ads" but not
// "downloads", "other-news" but not "mother"). "cta" is a call-to-action box, "toc" a table of
// contents: both sit inside the text of many templates and hold none of it.
constexpr std::array<std::string_view, 16> kChromeTokens = {
    "nav",  "share",  "print",  "tag",  "tags", "ads",  "ad",  "other",
    "lich", "footer", "widget", "meta", "bio",  "more", "cta", "toc"};

// Words that keep an element even when a chrome marker also matches ("main-content header").
// "hentry" is the hAtom class of a post itself: blog engines print the post's tags beside it
// ("hentry tag-travel"), which no tag cloud is.
constexpr std::array<std::string_view, 9> kContentMarkers = {
    "article", "content", "main", "body", "noidung", "noi-dung", "chitiet", "chi-tiet", "hentry"};

bool IsAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z');
}

// True when one of the maximal alphanumeric runs of `s` is a kChromeTokens entry.
bool HasChromeToken(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && !IsAlnum(s[i])) ++i;
    size_t start = i;
    while (i < s.size() && IsAlnum(s[i])) ++i;
    std::string_view run = s.substr(start, i - start);
    if (run.size() < 2 || run.size() > 6) continue;
    for (std::string_view tok : kChromeTokens) {
      if (run == tok) return true;
    }
  }
  return false;
}

std::string LowerAscii(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  }
  return out;
}

// Lower-cased ASCII copy of `s` without spaces, in a small reusable buffer.
class LowerBuffer {
 public:
  std::string_view Fill(std::initializer_list<std::string_view> parts, bool drop_spaces) {
    size_t n = 0;
    for (std::string_view p : parts) n += p.size() + 1;
    char* out = n <= sizeof(small_) ? small_ : (large_.resize(n), large_.data());
    char* w = out;
    for (std::string_view p : parts) {
      for (char c : p) {
        if (drop_spaces && c == ' ') continue;
        *w++ = (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
      }
      *w++ = ' ';
    }
    return std::string_view(out, static_cast<size_t>(w - out));
  }

 private:
  char small_[256];
  std::string large_;
};

// The attributes chrome classification reads, gathered in one pass over the element's list.
struct ChromeAttrs {
  const char* cls = nullptr;
  const char* id = nullptr;
  const char* role = nullptr;
  const char* style = nullptr;
  bool hidden = false;
};

ChromeAttrs ReadChromeAttrs(const GumboNode* node) {
  ChromeAttrs a;
  const GumboVector& attrs = node->v.element.attributes;
  for (unsigned i = 0; i < attrs.length; ++i) {
    const auto* attr = static_cast<const GumboAttribute*>(attrs.data[i]);
    const char* name = attr->name;
    const char** slot = nullptr;
    switch (name[0]) {
      case 'c':
        slot = std::strcmp(name, "class") == 0 ? &a.cls : nullptr;
        break;
      case 'i':
        slot = std::strcmp(name, "id") == 0 ? &a.id : nullptr;
        break;
      case 'r':
        slot = std::strcmp(name, "role") == 0 ? &a.role : nullptr;
        break;
      case 's':
        slot = std::strcmp(name, "style") == 0 ? &a.style : nullptr;
        break;
      case 'h':
        a.hidden = a.hidden || std::strcmp(name, "hidden") == 0;
        break;
      default:
        break;
    }
    if (slot != nullptr && *slot == nullptr) *slot = attr->value;
  }
  return a;
}

bool IsHiddenStyle(const ChromeAttrs& a) {
  if (a.style == nullptr) return a.hidden;
  LowerBuffer buf;
  std::string_view s = buf.Fill({a.style}, true);
  return s.find("display:none") != std::string_view::npos ||
         s.find("visibility:hidden") != std::string_view::npos;
}

// Substring markers indexed by their first byte, so a class string is scanned once.
class MarkerIndex {
 public:
  MarkerIndex() {
    for (std::string_view m : kChromeSubstrings) {
      by_first_[static_cast<unsigned char>(m[0])].push_back(m);
      pairs_.set(Pair(m[0], m[1]));
    }
  }
  bool AnyIn(std::string_view s) const {
    for (size_t i = 0; i + 1 < s.size(); ++i) {
      if (!pairs_.test(Pair(s[i], s[i + 1]))) continue;
      for (std::string_view m : by_first_[static_cast<unsigned char>(s[i])]) {
        if (s.compare(i, m.size(), m) == 0) return true;
      }
    }
    return false;
  }

 private:
  static size_t Pair(char a, char b) {
    return static_cast<unsigned char>(a) << 8 | static_cast<unsigned char>(b);
  }
  std::array<std::vector<std::string_view>, 256> by_first_;
  std::bitset<65536> pairs_;  // First two bytes of some marker.
};

// The first non-empty attribute among `names`, or "".
std::string_view FirstAttr(const GumboNode* node, std::initializer_list<const char*> names) {
  for (const char* name : names) {
    const char* v = GetAttr(node, name);
    if (v != nullptr && *v != '\0') return v;
  }
  return {};
}

void ReadMeta(const GumboNode* node, Page* page) {
  std::string key = LowerAscii(FirstAttr(node, {"property", "name", "itemprop", "http-equiv"}));
  std::string_view content = FirstAttr(node, {"content"});
  if (key.empty() || content.empty()) return;
  if (key == "og:title" && page->og_title.empty()) {
    page->og_title = CleanText(content);
  } else if ((key == "og:site_name" || key == "application-name") && page->site_name.empty()) {
    page->site_name = CleanText(content);
  } else if ((key == "author" || key == "article:author" || key == "dc.creator") &&
             page->meta_author.empty()) {
    page->meta_author = CleanText(content);
  } else if (key == "og:url" && page->canonical_url.empty()) {
    page->canonical_url = ResolveUrl(page->base_url, content);
  } else if (key == "article:published_time" || key == "datepublished" || key == "dc.date" ||
             key == "dc.date.issued" || key == "pubdate" || key == "publishdate" || key == "date" ||
             key == "og:published_time") {
    if (page->meta_published.empty()) {
      if (auto d = ParseMachineDate(content)) page->meta_published = *d;
    }
  } else if (key == "article:modified_time" || key == "datemodified" || key == "og:updated_time" ||
             key == "dc.date.modified") {
    if (page->meta_modified.empty()) {
      if (auto d = ParseMachineDate(content)) page->meta_modified = *d;
    }
  }
}

}  // namespace

// The first publication-date key of a script (JSON-LD, an app's state) whose string value
// parses as a date, or "".
std::string ScriptDate(std::string_view s) {
  static constexpr std::string_view kKeys[] = {
      "\"datePublished\"",  "\"dateCreated\"",    "\"publishedDate\"", "\"publishDate\"",
      "\"published_time\"", "\"date_published\"", "\"publishedAt\"",   "\"pubDate\""};
  for (std::string_view key : kKeys) {
    for (size_t pos = s.find(key); pos != std::string_view::npos; pos = s.find(key, pos + 1)) {
      size_t v = s.find_first_not_of(" \t\r\n:", pos + key.size());
      if (v == std::string_view::npos || s[v] != '"') continue;
      size_t end = s.find('"', v + 1);
      if (end == std::string_view::npos || end - v > 64) continue;
      if (auto d = ParseMachineDate(s.substr(v + 1, end - v - 1))) return *d;
    }
  }
  return {};
}

std::string FirstInScripts(const Page& page, std::string (*read)(std::string_view)) {
  for (const GumboNode* node : page.scripts) {
    const GumboVector& kids = node->v.element.children;
    for (unsigned i = 0; i < kids.length; ++i) {
      const auto* kid = static_cast<const GumboNode*>(kids.data[i]);
      if (kid->type != GUMBO_NODE_TEXT && kid->type != GUMBO_NODE_CDATA) continue;
      std::string value = read(kid->v.text.text);
      if (!value.empty()) return value;
    }
  }
  return {};
}

std::string ScriptPublished(const Page& page) { return FirstInScripts(page, ScriptDate); }

namespace {

void ReadElement(const GumboNode* node, Page* page) {
  switch (node->v.element.tag) {
    case GUMBO_TAG_HTML:
      if (const char* lang = GetAttr(node, "lang"); lang != nullptr && *lang != '\0') {
        page->lang = CleanText(lang);
      }
      break;
    case GUMBO_TAG_BODY:
      page->body = node;
      break;
    case GUMBO_TAG_BASE:
      if (const char* href = GetAttr(node, "href"); href != nullptr && !page->base_url.empty()) {
        page->base_url = ResolveUrl(page->base_url, href);
      }
      break;
    case GUMBO_TAG_TITLE:
      if (page->title_tag.empty()) page->title_tag = NodeText(node);
      break;
    case GUMBO_TAG_META:
      ReadMeta(node, page);
      break;
    case GUMBO_TAG_SCRIPT:
      page->scripts.push_back(node);
      break;
    case GUMBO_TAG_LINK: {
      const char* rel = GetAttr(node, "rel");
      const char* href = GetAttr(node, "href");
      if (rel != nullptr && href != nullptr && LowerAscii(rel) == "canonical") {
        page->canonical_url = ResolveUrl(page->base_url, href);
      }
      break;
    }
    default: {
      const char* prop = GetAttr(node, "itemprop");
      if (prop == nullptr || page->meta_published.size() > 0) break;
      if (std::string_view(prop) == "datePublished") {
        std::string_view v = FirstAttr(node, {"datetime", "content"});
        if (auto d = ParseMachineDate(v)) page->meta_published = *d;
      }
      break;
    }
  }
}

// Next node in document order; children are skipped when `skip_children` is set.
const GumboNode* NextNode(const GumboNode* node, bool skip_children, const GumboNode* limit) {
  if (!skip_children && IsElement(node) && node->v.element.children.length > 0) {
    return static_cast<const GumboNode*>(node->v.element.children.data[0]);
  }
  while (node != nullptr && node != limit) {
    const GumboNode* parent = node->parent;
    if (parent == nullptr || !IsElement(parent)) return nullptr;
    size_t next = node->index_within_parent + 1;
    if (next < parent->v.element.children.length) {
      return static_cast<const GumboNode*>(parent->v.element.children.data[next]);
    }
    node = parent;
  }
  return nullptr;
}

constexpr size_t kDateSearchBudget = 1500;  // Bytes of text scanned after the anchor.
constexpr size_t kDateLineMax = 220;        // Longer blocks are body text, not date lines.

// Collects short text blocks after `anchor` (document order) until the byte budget is spent.
std::vector<std::string> BlocksAfter(const GumboNode* anchor) {
  std::vector<std::string> blocks;
  std::string current;
  size_t spent = 0;
  const GumboNode* node = NextNode(anchor, true, nullptr);
  while (node != nullptr && spent < kDateSearchBudget && blocks.size() < 40) {
    bool skip = false;
    if (node->type == GUMBO_NODE_TEXT) {
      current.append(node->v.text.text);
      spent += node->v.text.text ? std::string_view(node->v.text.text).size() : 0;
    } else if (IsElement(node)) {
      skip = IsInvisible(node) || IsChromeElement(node);
      if (!skip && IsTag(node, GUMBO_TAG_A)) {
        // A headline link means a listing item starts here: its date is not the page's.
        std::string link = NodeText(node);
        if (link.size() >= 20 && std::count(link.begin(), link.end(), ' ') >= 3) break;
      }
      if (IsBlockTag(node->v.element.tag) || node->v.element.tag == GUMBO_TAG_BR) {
        blocks.push_back(std::move(current));
        current.clear();
      }
    }
    node = NextNode(node, skip, nullptr);
  }
  blocks.push_back(std::move(current));
  return blocks;
}

}  // namespace

Page LoadPage(std::string html, std::string_view url) {
  Page page;
  page.html = std::move(html);
  page.base_url = std::string(url);
  page.output = ParseHtml(page.html, &page.parser_aborted);
  page.body = page.output->root;
  WalkElements(page.output->root, [&](const GumboNode* node) {
    ReadElement(node, &page);
    return !IsTag(node, GUMBO_TAG_SCRIPT) && !IsTag(node, GUMBO_TAG_STYLE);
  });
  if (page.canonical_url.empty()) page.canonical_url = page.base_url;
  return page;
}

namespace {

// What the class/id/role markers of a lower-cased attribute string say.
Chrome ChromeOfString(std::string_view s) {
  static const MarkerIndex kMarkers;
  if (!kMarkers.AnyIn(s) && !HasChromeToken(s)) return Chrome::kNone;
  bool other =
      s.find("related") != std::string_view::npos || s.find("lien") != std::string_view::npos ||
      s.find("other") != std::string_view::npos || s.find("khac") != std::string_view::npos;
  if (other) return Chrome::kDecisive;
  // A box about the author, or the cookie and privacy consent dialog, is never the text,
  // whatever content class its template also gives it ("content-box author-box",
  // "gdpr-tab-content").
  if (s.find("author") != std::string_view::npos) {
    static constexpr std::array<std::string_view, 6> kAboutAuthor = {
        "author-bio", "authorbio", "about-author", "author-box", "authorbox", "author-desc"};
    for (std::string_view m : kAboutAuthor) {
      if (s.find(m) != std::string_view::npos) return Chrome::kDecisive;
    }
  }
  if (s.find("cookie") != std::string_view::npos || s.find("gdpr") != std::string_view::npos ||
      s.find("consent") != std::string_view::npos) {
    return Chrome::kDecisive;
  }
  for (std::string_view keep : kContentMarkers) {
    if (s.find(keep) != std::string_view::npos) return Chrome::kNone;
  }
  return Chrome::kChrome;
}

}  // namespace

Chrome ClassifyChrome(const GumboNode* node) {
  if (!IsElement(node)) return Chrome::kNone;
  switch (node->v.element.tag) {
    case GUMBO_TAG_NAV:
    case GUMBO_TAG_ASIDE:
    case GUMBO_TAG_FOOTER:
    case GUMBO_TAG_FORM:
    case GUMBO_TAG_MENU:
    case GUMBO_TAG_BUTTON:
    case GUMBO_TAG_SELECT:
      return Chrome::kChrome;
    case GUMBO_TAG_HTML:
    case GUMBO_TAG_BODY:
    case GUMBO_TAG_MAIN:
    case GUMBO_TAG_ARTICLE:
      return Chrome::kNone;
    default:
      break;
  }
  if (node->v.element.attributes.length == 0) return Chrome::kNone;
  ChromeAttrs attrs = ReadChromeAttrs(node);
  if (IsHiddenStyle(attrs)) return Chrome::kChrome;
  if (attrs.cls == nullptr && attrs.id == nullptr && attrs.role == nullptr) {
    return Chrome::kNone;
  }
  LowerBuffer buf;
  std::string_view s = buf.Fill(
      {attrs.cls ? attrs.cls : "", attrs.id ? attrs.id : "", attrs.role ? attrs.role : ""}, false);
  return ChromeOfString(s);
}

bool IsChromeElement(const GumboNode* node) { return ClassifyChrome(node) != Chrome::kNone; }

bool IsHeaderChromeOnly(const GumboNode* node) {
  if (!IsChromeElement(node) || node->v.element.tag == GUMBO_TAG_NAV ||
      node->v.element.tag == GUMBO_TAG_ASIDE || node->v.element.tag == GUMBO_TAG_FOOTER) {
    return false;
  }
  ChromeAttrs attrs = ReadChromeAttrs(node);
  if (IsHiddenStyle(attrs)) return false;
  LowerBuffer buf;
  std::string_view s = buf.Fill(
      {attrs.cls ? attrs.cls : "", attrs.id ? attrs.id : "", attrs.role ? attrs.role : ""}, false);
  constexpr std::string_view kWord = "header";
  std::string rest;  // The markers without the word.
  size_t from = 0;
  for (size_t at = s.find(kWord); at != std::string_view::npos; at = s.find(kWord, from)) {
    rest.append(s.substr(from, at - from)).push_back(' ');
    from = at + kWord.size();
  }
  if (from == 0) return false;
  rest.append(s.substr(from));
  return ChromeOfString(rest) == Chrome::kNone;
}

bool InChrome(const GumboNode* node) {
  for (const GumboNode* up = node; IsElement(up); up = up->parent) {
    if (up->v.element.tag == GUMBO_TAG_BODY) return false;
    if (IsChromeElement(up)) return true;
  }
  return false;
}

std::string StripPortalSuffix(std::string_view title, std::string_view site_name) {
  std::string t = CleanText(title);
  if (!site_name.empty() && t.size() > site_name.size() + 3) {
    std::string site = CleanText(site_name);
    if (t.size() > site.size() && t.compare(t.size() - site.size(), site.size(), site) == 0) {
      t.resize(t.size() - site.size());
      while (!t.empty() &&
             (t.back() == ' ' || t.back() == '-' || t.back() == '|' || t.back() == ':')) {
        t.pop_back();
      }
    }
  }
  // Cut at the first " - " / " | " / " :: " whose remainder names a portal or an agency.
  static constexpr std::string_view kSeparators[] = {" | ", " - ", " – ", " :: ", " — "};
  static constexpr std::string_view kPortalWords[] = {
      "cong thong tin", "trang thong tin", "so ",    "ubnd",    "uy ban",    "bo ",  "tinh ",
      "thanh pho",      "huyen ",          "portal", "website", "trang chu", "cuc ", "ban "};
  for (std::string_view sep : kSeparators) {
    size_t pos = t.find(sep);
    while (pos != std::string::npos) {
      std::string rest = FoldAscii(std::string_view(t).substr(pos + sep.size()));
      bool portal = false;
      for (std::string_view w : kPortalWords) portal = portal || rest.rfind(w, 0) == 0;
      if (portal && pos >= 10) {
        t.resize(pos);
        break;
      }
      pos = t.find(sep, pos + sep.size());
    }
  }
  return t;
}

std::string DateOfElement(const GumboNode* node, const std::vector<std::string>& hints) {
  if (node == nullptr) return {};
  std::string_view attr = FirstAttr(node, {"datetime", "content"});
  if (!attr.empty()) {
    if (auto d = ParseMachineDate(attr)) return *d;
  }
  std::string text = NodeText(node);
  if (auto m = FindDate(text, hints)) return m->rfc3339;
  return {};
}

std::string DateNear(const GumboNode* anchor, const std::vector<std::string>& hints) {
  if (anchor == nullptr) return {};
  for (const std::string& block : BlocksAfter(anchor)) {
    if (block.empty() || block.size() > kDateLineMax) continue;
    if (auto m = FindDate(block, hints)) return m->rfc3339;
  }
  // Some templates print the date line just above the headline.
  const GumboNode* parent = anchor->parent;
  for (int hops = 0; hops < 2 && IsElement(parent); ++hops, parent = parent->parent) {
    for (unsigned i = anchor->index_within_parent; i > 0; --i) {
      const auto* prev = static_cast<const GumboNode*>(parent->v.element.children.data[i - 1]);
      if (IsElement(prev) && IsChromeElement(prev)) continue;
      std::string text = NodeText(prev);
      if (text.size() > kDateLineMax) break;
      if (auto m = FindDate(text, hints)) return m->rfc3339;
    }
    anchor = parent;
  }
  return {};
}

}  // namespace tincrawl

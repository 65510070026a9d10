#include "extractors/generic.h"

#include <algorithm>
#include <array>
#include <unordered_map>

#include "extractors/byline.h"
#include "extractors/content.h"
#include "extractors/dates.h"
#include "extractors/generic_analyzer.h"
#include "extractors/page_kind.h"
#include "extractors/publication_date.h"
#include "extractors/script_body.h"
#include "extractors/text.h"

namespace tincrawl {
namespace {

// FoldAscii, and the typographic forms of quotes, apostrophes and dashes read as their ASCII
// forms: a headline prints "d’intérêts" where its og:title says "d'intérêts".
std::string Fold(std::string_view s) {
  std::string folded = FoldAscii(s);
  if (std::none_of(folded.begin(), folded.end(), [](char c) { return c & 0x80; })) return folded;
  std::string out;
  out.reserve(folded.size());
  size_t pos = 0;
  while (pos < folded.size()) {
    char32_t c = NextCodePoint(folded, &pos);
    switch (c) {
      case U'\u2018':
      case U'\u2019':
      case U'\u201A':
      case U'\u201B':
      case U'\u2032':
      case U'\u02BC':
        out.push_back('\'');
        break;
      case U'\u201C':
      case U'\u201D':
      case U'\u201E':
      case U'\u201F':
      case U'\u00AB':
      case U'\u00BB':
      case U'\u2033':
        out.push_back('"');
        break;
      case U'\u2010':
      case U'\u2011':
      case U'\u2012':
      case U'\u2013':
      case U'\u2014':
      case U'\u2015':
      case U'\u2212':
        out.push_back('-');
        break;
      case U'\u00A0':
      case U'\u202F':
        out.push_back(' ');
        break;
      default:
        AppendUtf8(c, &out);
    }
  }
  return out;
}

bool IsTitleClass(const GumboNode* node) {
  bool title = false;
  std::string lower;
  for (const char* name : {"class", "id"}) {
    const char* v = GetAttr(node, name);
    if (v == nullptr) continue;
    lower.assign(v);
    for (char& c : lower) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
    if (lower.find("portlet-title") != std::string::npos) return false;
    title = title || lower.find("title") != std::string::npos ||
            lower.find("tieude") != std::string::npos ||
            lower.find("tieu-de") != std::string::npos ||
            lower.find("headline") != std::string::npos;
  }
  return title;
}

std::string_view WithoutFragment(std::string_view url) {
  url = url.substr(0, url.find('#'));
  while (!url.empty() && url.back() == '/') url.remove_suffix(1);
  return url;
}

// True when the element is, or holds, a link to the page itself (themes link the headline of
// a post to its permalink): such a link is neither navigation nor a listing item.
bool LinksToSelf(const Page& page, const GumboNode* node) {
  const GumboNode* a = node;
  if (!IsTag(a, GUMBO_TAG_A)) {
    a = nullptr;
    const GumboVector& kids = node->v.element.children;
    for (unsigned i = 0; i < kids.length && a == nullptr; ++i) {
      const auto* kid = static_cast<const GumboNode*>(kids.data[i]);
      if (IsTag(kid, GUMBO_TAG_A)) a = kid;
    }
  }
  const char* href = a != nullptr ? GetAttr(a, "href") : nullptr;
  if (href == nullptr) return false;
  std::string url = ResolveUrl(page.base_url, href);
  std::string_view u = WithoutFragment(url);
  return !u.empty() &&
         (u == WithoutFragment(page.base_url) || u == WithoutFragment(page.canonical_url));
}

struct TitlePick {
  const GumboNode* node = nullptr;
  int index = -1;  // The node's Analyzer index.
  std::string text;
  bool matches_meta = false;  // The element's text agrees with og:title / <title>.
};

TitlePick PickTitle(const Page& page, const Analyzer& a, int content) {
  std::string og = StripPortalSuffix(page.og_title, page.site_name);
  std::string tt = StripPortalSuffix(page.title_tag, page.site_name);
  std::string og_f = Fold(og), tt_f = Fold(tt);
  int content_start = content >= 0 ? content : a.size();
  TitlePick best;
  double best_score = 2.5;
  for (int i = 0; i < a.size(); ++i) {
    const NodeStats& st = a.at(i);
    GumboTag tag = st.node->v.element.tag;
    bool heading = tag == GUMBO_TAG_H1 || tag == GUMBO_TAG_H2 || tag == GUMBO_TAG_H3;
    if (a.chrome(i) || st.in_link || st.text < 8 || st.text > 400) continue;
    if (!heading && !IsTitleClass(st.node)) continue;
    if (st.link * 2 > st.text && !LinksToSelf(page, st.node)) continue;
    double score = tag == GUMBO_TAG_H1 ? 3 : heading ? 2 : 2;
    if (tag == GUMBO_TAG_H3) score = 1;
    std::string text = NodeText(st.node);
    if (IsBoilerplateText(text)) continue;
    std::string folded = Fold(text);
    bool matches = false;
    for (const std::string* meta : {&og_f, &tt_f}) {
      if (meta->empty()) continue;
      if (*meta == folded) {
        score += 6;
        matches = true;
        break;
      }
      if (folded.size() >= 15 && meta->find(folded) != std::string::npos) {
        score += 4;
        matches = true;
        break;
      }
    }
    int d = content_start - i;
    if (d >= 0 && d <= 60) score += 3.0 * (1 - d / 60.0);
    if (d < 0 && i < a.at(content_start).end && i - content_start <= 20) score += 2;
    if (score > best_score) {
      best_score = score;
      best = {st.node, i, std::move(text), matches};
    }
  }
  if (best.node == nullptr) best.text = !og.empty() ? og : tt;
  return best;
}

// Readability's sibling step: siblings of the top candidate that look like content join it.
std::vector<int> ContentRoots(const Analyzer& a, int top) {
  const NodeStats& t = a.at(top);
  if (t.parent < 0) return {top};
  double threshold = std::max(10.0, a.FinalScore(top) * 0.2);
  std::vector<int> roots;
  // Pre-order: the parent's child elements are its first descendant and each child's `end`.
  for (int i = t.parent + 1; i < a.at(t.parent).end; i = a.at(i).end) {
    if (i == top) {
      roots.push_back(i);
      continue;
    }
    if (a.chrome(i)) continue;
    const NodeStats& s = a.at(i);
    bool join = s.scored && a.FinalScore(i) >= threshold;
    if (s.node->v.element.tag == GUMBO_TAG_P && a.LinkDensity(i) < 0.25 && s.text >= 60) {
      join = true;
    }
    // A sibling block of prose (a second body part after a figure or an ad slot).
    if (a.prose(i) >= 400 && a.LinkDensity(i) < 0.2 && !a.in_item(i)) join = true;
    if (join) roots.push_back(i);
  }
  return roots;
}

bool IsLinkBlock(const Analyzer& a, int i) {
  const NodeStats& s = a.at(i);
  GumboTag tag = s.node->v.element.tag;
  if (a.chrome(i) || a.is_item(i) || tag == GUMBO_TAG_FORM || tag == GUMBO_TAG_NAV ||
      tag == GUMBO_TAG_BUTTON || tag == GUMBO_TAG_INPUT) {
    return true;
  }
  bool container = tag == GUMBO_TAG_DIV || tag == GUMBO_TAG_UL || tag == GUMBO_TAG_OL ||
                   tag == GUMBO_TAG_TABLE || tag == GUMBO_TAG_SECTION || tag == GUMBO_TAG_P ||
                   tag == GUMBO_TAG_LI || tag == GUMBO_TAG_DL;
  if (!container) return false;
  return (s.text > 0 && a.LinkDensity(i) > 0.6 && (s.headline_links > 0 || s.links >= 3)) ||
         (s.headline_links >= 3 && a.LinkDensity(i) > 0.4);
}

// The heading that introduces a dropped block ("Tin liên quan", "Read more") goes with it.
void DropHeadingBefore(const Analyzer& a, int i, NodeSet* skip) {
  int parent = a.at(i).parent;
  for (int k = i - 1; k > parent && k > i - 200; --k) {
    if (a.at(k).end != i || a.at(k).parent != parent) continue;
    GumboTag tag = a.at(k).node->v.element.tag;
    bool heading = tag >= GUMBO_TAG_H1 && tag <= GUMBO_TAG_H6;
    if (heading && a.at(k).text <= 80) skip->insert(a.at(k).node);
    return;
  }
}

// Marks descendants of the roots that are chrome, forms, repeated items or link lists.
void Prune(const Analyzer& a, const std::vector<int>& roots, NodeSet* skip) {
  for (int r : roots) {
    for (int i = r + 1; i < a.at(r).end; ++i) {
      if (!IsLinkBlock(a, i)) continue;
      // A container with a paragraph of its own text (never link text: that sits in its <a>
      // children) beside its link lists is pruned inside, not dropped whole.
      if (a.at(i).own >= 150 && !a.chrome(i) && !a.in_item(i)) continue;
      skip->insert(a.at(i).node);
      DropHeadingBefore(a, i, skip);
      i = a.at(i).end - 1;
    }
  }
}

// Headline-like links outside chrome, absolute, deduplicated, in page order.
std::vector<std::string> ListingLinks(const Page& page, const Analyzer& a) {
  std::vector<std::string> links;
  std::unordered_map<std::string, bool> seen;
  for (int i = 0; i < a.size(); ++i) {
    const NodeStats& s = a.at(i);
    if (!IsTag(s.node, GUMBO_TAG_A) || a.chrome(i) || s.headline_links == 0) continue;
    const char* href = GetAttr(s.node, "href");
    if (href == nullptr || href[0] == '#') continue;
    std::string url = ResolveUrl(page.base_url, href);
    if (url.rfind("http", 0) != 0) continue;
    if (seen.emplace(url, true).second) links.push_back(std::move(url));
  }
  return links;
}

bool InFigure(const GumboNode* node) {
  for (const GumboNode* up = node; IsElement(up); up = up->parent) {
    if (IsTag(up, GUMBO_TAG_FIGURE) || IsTag(up, GUMBO_TAG_FIGCAPTION)) return true;
  }
  return false;
}

// A box around a figure ("lead-asset"): its text is the caption.
bool HoldsFigure(const Analyzer& a, int i) {
  for (int k = i + 1; k < a.at(i).end; ++k) {
    if (IsTag(a.at(k).node, GUMBO_TAG_FIGURE)) return true;
  }
  return false;
}

// Image descriptions and credits share words with leads ("description"), on the element or on
// the box around it ("caption > description").
bool IsPictureText(const GumboNode* node, std::string_view cls) {
  static constexpr std::string_view kPicture[] = {"image",  "img",     "photo",  "picture",
                                                  "credit", "caption", "gallery"};
  auto picture_class = [](std::string_view c) {
    for (std::string_view key : kPicture) {
      if (ContainsIgnoreCase(c, key)) return true;
    }
    return false;
  };
  if (picture_class(cls)) return true;
  int level = 0;
  for (const GumboNode* up = node; IsElement(up); up = up->parent, ++level) {
    if (IsTag(up, GUMBO_TAG_FIGURE) || IsTag(up, GUMBO_TAG_FIGCAPTION)) return true;
    const char* up_cls = level > 0 && level <= 3 ? GetAttr(up, "class") : nullptr;
    if (up_cls != nullptr && picture_class(up_cls)) return true;
  }
  return false;
}

// The standfirst printed between the headline and the content: up to two prose blocks that lie
// outside the content element, after the title in document order.
std::string LeadBetween(const Analyzer& a, int t, int content) {
  std::vector<std::string> parts;
  for (int i = t + 1; i < content && parts.size() < 2; ++i) {
    if (a.chrome(i) || a.at(i).end > content) continue;  // Chrome, or an ancestor of the content.
    if (a.ProseBytes(i) < 60) continue;
    if (InFigure(a.at(i).node)) continue;  // A caption of the lead picture.
    std::string text = NodeText(a.at(i).node);
    if (!IsBoilerplateText(text) && !FindDate(text).has_value()) parts.push_back(std::move(text));
    i = a.at(i).end - 1;
  }
  return JoinParagraphs(parts);
}

std::string SummaryNear(const Analyzer& a, int t, int content) {
  if (t < 0) return {};
  int limit = content >= 0 ? content + 40 : t + 60;
  for (int i = t + 1; i < a.size() && i < limit; ++i) {
    const NodeStats& s = a.at(i);
    if (a.chrome(i) || s.text < 30) continue;
    // A wrapper of the content ("article-main"), or a block of several paragraphs, holds the
    // body, not a lead.
    if ((content >= 0 && i <= content && s.end > content) || s.prose_paras > 2) continue;
    const char* cls = GetAttr(s.node, "class");
    if (cls == nullptr) continue;
    bool lead = false;
    for (std::string_view key :
         {"sapo", "summary", "hometext", "tomtat", "tom-tat", "lead", "article-main", "description",
          "mota", "subtitle", "excerpt", "standfirst", "intro"}) {
      if (ContainsIgnoreCase(cls, key)) {
        lead = true;
        break;
      }
    }
    if (lead && !IsPictureText(s.node, cls) && !HoldsFigure(a, i)) return NodeText(s.node);
  }
  return content > t ? LeadBetween(a, t, content) : std::string();
}

// "tag#id.class" of an element, for the signals.
std::string Describe(const GumboNode* node) {
  std::string out(TagName(node));
  if (const char* id = GetAttr(node, "id")) out.append("#").append(id);
  if (const char* cls = GetAttr(node, "class")) out.append(".").append(cls);
  std::replace(out.begin(), out.end(), ' ', '.');
  return out.substr(0, 80);
}

// Continuous prose inside the content roots: the article side of the page-kind evidence.
void MeasureProse(const Analyzer& a, const std::vector<int>& roots, KindEvidence* e) {
  for (int r : roots) {
    for (int i = r; i < a.at(r).end; ++i) {
      unsigned bytes = a.ProseBytes(i);
      if (bytes == 0) continue;
      e->prose += bytes;
      e->paragraphs += bytes >= 80;
      e->longest = std::max(e->longest, bytes);
      GumboTag tag = a.at(i).node->v.element.tag;
      bool whole = tag != GUMBO_TAG_DIV && tag != GUMBO_TAG_SECTION && tag != GUMBO_TAG_SPAN &&
                   tag != GUMBO_TAG_ARTICLE && tag != GUMBO_TAG_FONT;
      if (whole) i = a.at(i).end - 1;  // Its text is counted whole: skip its subtree.
    }
  }
}

// Headline links inside the content that make up their whole line (an item headline, not a
// link inside a sentence). A link whose text is the page's own headline (to the story's audio,
// video or print view) is the article pointing at itself, not an item.
unsigned StandaloneHeadlines(const Page& page, const Analyzer& a, const std::vector<int>& roots,
                             const std::string& title) {
  const std::string own = title.empty() ? std::string() : FoldCase(CleanText(title));
  unsigned n = 0;
  for (int r : roots) {
    for (int i = r; i < a.at(r).end; ++i) {
      const NodeStats& s = a.at(i);
      if (!s.counted_link || s.headline_links == 0 || LinksToSelf(page, s.node)) continue;
      // s.text counts the link's text bytes: only a link of about the title's length can be it.
      bool title_sized = s.text + 8 >= title.size() / 2 && s.text <= title.size() * 2 + 8;
      if (!own.empty() && title_sized && FoldCase(CleanText(NodeText(s.node))) == own) continue;
      int block = s.parent;
      while (block > r && !IsBlockTag(a.at(block).node->v.element.tag)) block = a.at(block).parent;
      if (block >= 0 && a.at(block).text * 10 <= s.text * 14 + 100) ++n;
    }
  }
  return n;
}

// Repeated items outside chrome: the listing side of the evidence.
void MeasureItems(const Analyzer& a, KindEvidence* e) {
  for (int i = 0; i < a.size(); ++i) {
    if (!a.is_item(i) || a.chrome(i)) continue;
    ++e->items;
    e->item_text += a.at(i).text;
  }
}

// Text made of a handful of distinct bytes repeated (binary junk decoded as text) is no prose in
// any language.
bool LowDiversity(std::string_view text) {
  if (text.size() < 400) return false;
  bool seen[256] = {};
  unsigned distinct = 0;
  for (char c : text.substr(0, 4096)) {
    auto b = static_cast<unsigned char>(c);
    distinct += !seen[b];
    seen[b] = true;
  }
  return distinct < 24;
}

bool LooksGarbled(const Analyzer& a, const std::vector<int>& roots, const Page& page,
                  std::string_view text) {
  if (LowDiversity(text)) return true;
  bool vietnamese = page.lang.rfind("vi", 0) == 0 || (page.lang.empty() && a.vietnamese());
  if (!vietnamese) return false;
  unsigned words = 0, stops = 0;
  for (int r : roots) {
    words += a.at(r).words;
    stops += a.at(r).stop;
  }
  return words >= 30 && stops * 33 < words;
}

bool HasAuthorClass(const GumboNode* node) {
  static constexpr std::string_view kMarkers[] = {"author",    "tacgia",  "tac-gia",  "byline",
                                                  "signature", "butdanh", "nguoiviet"};
  for (const char* name : {"class", "id", "itemprop", "rel"}) {
    const char* v = GetAttr(node, name);
    if (v == nullptr) continue;
    for (std::string_view m : kMarkers) {
      if (ContainsIgnoreCase(v, m)) return true;
    }
  }
  return false;
}

// Credit lines outside the body: an author element between the headline and a little past
// the content (the signature many templates print after the body container).
void CreditsNear(const Analyzer& a, int title, const std::vector<int>& roots, BodyResult* body) {
  if (roots.empty()) return;
  int begin = title >= 0 ? std::min(title, roots.front()) : roots.front();
  int end = std::min(a.size(), a.at(roots.back()).end + 60);
  size_t next_root = 0;
  for (int i = std::max(begin, roots.front() - 80); i < end; ++i) {
    // The body's own credit lines were taken by BuildBody: skip the content roots.
    while (next_root < roots.size() && a.at(roots[next_root]).end <= i) ++next_root;
    if (next_root < roots.size() && i >= roots[next_root]) {
      i = a.at(roots[next_root]).end - 1;
      continue;
    }
    const NodeStats& s = a.at(i);
    if (s.text == 0 || s.text > 90 || a.in_item(i)) continue;
    // Elements marked as the author may hold a bare name; others need a label ("Tác giả:").
    bool marked = HasAuthorClass(s.node);
    if (!marked && !IsBlockTag(s.node->v.element.tag)) continue;
    Credit c = ClassifyCredit(NodeText(s.node), marked);
    if (c.kind == CreditKind::kNone) continue;
    std::string* field = c.kind == CreditKind::kSource     ? &body->source
                         : c.kind == CreditKind::kPostedBy ? &body->posted_by
                         : c.kind == CreditKind::kAuthor   ? &body->byline
                                                           : nullptr;
    if (field != nullptr && field->empty()) *field = std::move(c.value);
    i = s.end - 1;
  }
}

// author / posted_by / source: the printed signature first, the author meta last; an account
// name is never the author.
void FillCredits(const Page& page, BodyResult* body, Article* article) {
  if (!page.meta_author.empty()) {
    // A site name in the author meta ("Cổng TTĐT tỉnh …") is neither: only a name or an
    // account counts.
    Credit c = ClassifyCredit(page.meta_author, true);
    if (c.kind == CreditKind::kNone && IsAccountName(page.meta_author)) {
      c = {CreditKind::kPostedBy, page.meta_author};
    }
    std::string* field = c.kind == CreditKind::kPostedBy ? &body->posted_by
                         : c.kind == CreditKind::kAuthor ? &body->byline
                                                         : nullptr;
    if (field != nullptr && field->empty()) *field = std::move(c.value);
  }
  article->author = std::move(body->byline);
  article->posted_by = std::move(body->posted_by);
  article->source = std::move(body->source);
}

// A post whose content is its documents has almost no prose, so a sidebar widget can outscore
// it. When the chosen content has little prose and no documents, the container of the first
// document links after the headline is the content.
int AttachmentContent(const Analyzer& a, int top, int title) {
  if (title < 0 || (top >= 0 && (a.prose(top) >= 300 || a.at(top).attachments > 0))) return top;
  for (int i = title + 1; i < a.size() && i < title + 300; ++i) {
    if (a.chrome(i) || a.at(i).attachments == 0 || !IsTag(a.at(i).node, GUMBO_TAG_A)) continue;
    int c = a.at(i).parent;
    while (a.at(c).parent > 0 && !a.chrome(a.at(c).parent) &&
           a.at(a.at(c).parent).text <= a.at(c).text + 200) {
      c = a.at(c).parent;
    }
    return c;
  }
  return top;
}

// What the content, the page's repeated items and the extracted body say about the page kind
// (title and date support are added by the caller).
KindEvidence Evidence(const Page& page, const Analyzer& a, const std::vector<int>& roots,
                      const BodyResult& body, const std::string& text, const std::string& title) {
  KindEvidence e;
  for (int r : roots) e.content_headlines += a.at(r).headline_links;
  MeasureProse(a, roots, &e);
  MeasureItems(a, &e);
  e.standalone_headlines = StandaloneHeadlines(page, a, roots, title);
  e.body_bytes = static_cast<unsigned>(text.size());
  e.attachments = static_cast<unsigned>(body.attachments.size());
  e.garbage = LooksGarbled(a, roots, page, text);
  return e;
}

// Pages that render their text with JavaScript carry the whole of it only in a script
// (JSON-LD articleBody). When that text is much longer than what the DOM gave, it is the body.
void PreferScriptBody(const Page& page, BodyResult* body, std::string* text) {
  constexpr size_t kMinBytes = 500;
  std::vector<std::string> paragraphs = ScriptParagraphs(page);
  std::string joined = JoinParagraphs(paragraphs);
  if (joined.size() < kMinBytes || joined.size() * 2 < text->size() * 3 + 400) return;
  body->html.clear();
  for (const std::string& p : paragraphs) {
    body->html.append("<p>");
    for (char c : p) {
      if (c == '<')
        body->html.append("&lt;");
      else if (c == '>')
        body->html.append("&gt;");
      else if (c == '&')
        body->html.append("&amp;");
      else
        body->html.push_back(c);
    }
    body->html.append("</p>");
  }
  body->paragraphs = std::move(paragraphs);
  *text = std::move(joined);
}

}  // namespace

void ExtractGeneric(const Page& page, const std::vector<std::string>& date_hints,
                    Article* article) {
  Analyzer a(page);
  a.Run();
  int top = a.TopCandidate();
  if (top >= 0) top = a.Widen(top);
  TitlePick title = PickTitle(page, a, top);
  top = AttachmentContent(a, top, title.index);
  article->title = title.text;
  std::string printed = DateNear(title.node, date_hints);
  bool need_script = printed.empty() && page.meta_published.empty();
  article->published = PickPublished(printed, page.meta_published,
                                     need_script ? ScriptPublished(page) : std::string());
  article->modified = page.meta_modified;
  std::vector<int> roots = top >= 0 ? ContentRoots(a, top) : std::vector<int>{};
  NodeSet skip;
  Prune(a, roots, &skip);
  if (title.node != nullptr) skip.insert(title.node);
  std::vector<const GumboNode*> nodes;
  for (int r : roots) nodes.push_back(a.at(r).node);
  BodyOptions options;
  options.base_url = page.base_url;
  options.title = article->title;
  options.drop_date_lines = true;
  options.trim_tail = true;
  BodyResult body = BuildBody(nodes, &skip, options);
  std::string text = JoinParagraphs(body.paragraphs);
  PreferScriptBody(page, &body, &text);
  KindEvidence e = Evidence(page, a, roots, body, text, article->title);
  e.title_meta = title.matches_meta;
  e.dated = !article->published.empty();
  KindVerdict verdict = ClassifyPage(e);
  article->page_kind = verdict.kind;
  article->confidence = verdict.confidence;
  article->signals = std::move(verdict.signals);
  if (top >= 0) article->signals += " content=" + Describe(a.at(top).node);
  if (verdict.kind == PageKind::kListing) {
    article->links = ListingLinks(page, a);
    return;
  }
  if (verdict.kind == PageKind::kOther) {
    article->error = "no_content";
    return;
  }
  article->summary = SummaryNear(a, title.index, top);
  CreditsNear(a, title.index, roots, &body);
  FillCredits(page, &body, article);
  article->body = std::move(text);
  article->body_html = std::move(body.html);
  article->images = std::move(body.images);
  article->attachments = std::move(body.attachments);
}

}  // namespace tincrawl

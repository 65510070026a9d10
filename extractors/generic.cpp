#include "extractors/generic.h"

#include <algorithm>
#include <array>
#include <unordered_map>

#include "extractors/content.h"
#include "extractors/dates.h"
#include "extractors/text.h"

namespace tincrawl {
namespace {

// Common Vietnamese function words; prose has many, menus and link lists almost none.
constexpr std::array<std::string_view, 32> kStopWords = {
    "và",  "của",   "các",   "là",  "có",   "được", "cho", "trong", "đã",  "với",  "những",
    "này", "người", "không", "một", "để",   "theo", "về",  "tại",   "từ",  "đến",  "khi",
    "thì", "nhằm",  "cũng",  "như", "đang", "sẽ",   "ra",  "do",    "vào", "nhiều"};

constexpr std::array<std::string_view, 14> kPositive = {
    "article", "content",  "entry",   "main",     "post",    "story",    "detail",
    "chitiet", "chi-tiet", "noidung", "noi-dung", "journal", "bodytext", "news-body"};

constexpr size_t kMinListingLinks = 5;  // Headline links a listing page shows at least.

struct Stats {
  const GumboNode* node = nullptr;
  int parent = -1;
  int end = 0;  // One past the last descendant's index (pre-order).
  unsigned text = 0, own = 0, link = 0, punct = 0, words = 0, stop = 0;
  unsigned headline_links = 0;
  bool chrome = false, in_link = false;
  bool counted_link = false;  // An <a href> that is not an attachment download.
  double score = 0;
  bool scored = false;
};

bool IsAsciiSpace(char c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f'; }

bool IsStopWord(std::string_view w) {
  if (w.size() > 7) return false;
  for (std::string_view s : kStopWords) {
    if (w == s) return true;
  }
  return false;
}

void CountText(std::string_view s, Stats* st) {
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && IsAsciiSpace(s[i])) ++i;
    size_t start = i;
    while (i < s.size() && !IsAsciiSpace(s[i])) {
      st->punct += s[i] == ',' || s[i] == '.' || s[i] == ';';
      ++i;
    }
    if (i == start) break;
    st->text += static_cast<unsigned>(i - start);
    ++st->words;
    std::string_view w = s.substr(start, i - start);
    if (IsStopWord(w)) ++st->stop;
  }
}

bool IsHeadlineText(unsigned bytes, unsigned words) {
  return bytes >= 25 && bytes <= 400 && words >= 6;
}

class Analyzer {
 public:
  explicit Analyzer(const Page& page) : page_(page) {}

  void Run() {
    CollectStats();
    for (size_t i = 0; i < stats_.size(); ++i) {
      const Stats& s = stats_[i];
      bool chrome = s.chrome && s.text * 2 < stats_[0].text;
      chrome_.push_back(chrome || (s.parent >= 0 && chrome_[s.parent]));
    }
    ScoreParagraphs();
  }

  const Stats& at(int i) const { return stats_[i]; }
  bool chrome(int i) const { return chrome_[i]; }
  int size() const { return static_cast<int>(stats_.size()); }
  double LinkDensity(int i) const {
    return stats_[i].text == 0 ? 0 : static_cast<double>(stats_[i].link) / stats_[i].text;
  }

  // The best-scoring candidate (readability's top candidate) or -1.
  int TopCandidate() const {
    int best = -1;
    double best_score = 0;
    for (int i = 0; i < size(); ++i) {
      if (!stats_[i].scored || chrome_[i]) continue;
      double s = stats_[i].score * (1 - LinkDensity(i));
      if (best < 0 || s > best_score) {
        best = i;
        best_score = s;
      }
    }
    return best;
  }

  double FinalScore(int i) const { return stats_[i].score * (1 - LinkDensity(i)); }

 private:
  void CollectStats() {
    stats_.reserve(4096);
    struct Frame {
      int index;
      unsigned next;
    };
    std::vector<Frame> stack;
    Push(page_.body, -1, false, &stack);
    int link_depth = 0;
    while (!stack.empty()) {
      Frame& top = stack.back();
      const GumboNode* node = stats_[top.index].node;
      const GumboVector& kids = node->v.element.children;
      if (top.next >= kids.length) {
        PopFrame(top.index, &link_depth);
        stack.pop_back();
        continue;
      }
      const auto* kid = static_cast<const GumboNode*>(kids.data[top.next++]);
      if (kid->type == GUMBO_NODE_TEXT || kid->type == GUMBO_NODE_CDATA) {
        Stats& st = stats_[top.index];
        unsigned before = st.text;
        CountText(kid->v.text.text, &st);
        st.own += st.text - before;
        if (link_depth > 0) st.link += st.text - before;
      } else if (IsElement(kid) && !IsInvisible(kid)) {
        bool in_link = link_depth > 0 || stats_[top.index].in_link;
        Push(kid, top.index, in_link, &stack);
        if (stats_.back().counted_link) ++link_depth;
      }
    }
  }

  bool IsLinkCounted(const GumboNode* node) const {
    if (!IsTag(node, GUMBO_TAG_A)) return false;
    const char* href = GetAttr(node, "href");
    return href != nullptr && AttachmentType(href).empty();
  }

  template <typename Stack>
  void Push(const GumboNode* node, int parent, bool in_link, Stack* stack) {
    int index = static_cast<int>(stats_.size());
    Stats st;
    st.node = node;
    st.parent = parent;
    st.in_link = in_link;
    st.chrome = IsChromeElement(node);
    st.counted_link = IsLinkCounted(node);
    stats_.push_back(st);
    stack->push_back({index, 0});
  }

  void PopFrame(int index, int* link_depth) {
    Stats& st = stats_[index];
    st.end = static_cast<int>(stats_.size());
    if (st.counted_link) {
      --*link_depth;
      if (IsHeadlineText(st.text, st.words)) ++st.headline_links;
    }
    if (st.parent < 0) return;
    Stats& up = stats_[st.parent];
    up.text += st.text;
    up.link += st.link;
    up.punct += st.punct;
    up.words += st.words;
    up.stop += st.stop;
    up.headline_links += st.headline_links;
  }

  static double TagWeight(GumboTag tag) {
    switch (tag) {
      case GUMBO_TAG_DIV:
      case GUMBO_TAG_ARTICLE:
      case GUMBO_TAG_SECTION:
        return 5;
      case GUMBO_TAG_PRE:
      case GUMBO_TAG_TD:
      case GUMBO_TAG_BLOCKQUOTE:
        return 3;
      case GUMBO_TAG_OL:
      case GUMBO_TAG_UL:
      case GUMBO_TAG_DL:
      case GUMBO_TAG_LI:
      case GUMBO_TAG_FORM:
        return -3;
      case GUMBO_TAG_H1:
      case GUMBO_TAG_H2:
      case GUMBO_TAG_H3:
      case GUMBO_TAG_TH:
        return -5;
      default:
        return 0;
    }
  }

  double ClassWeight(const GumboNode* node, bool chrome) const {
    std::string s;
    for (const char* name : {"class", "id"}) {
      if (const char* v = GetAttr(node, name)) {
        s += v;
        s += ' ';
      }
    }
    for (char& c : s) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
    double w = 0;
    for (std::string_view p : kPositive) {
      if (s.find(p) != std::string::npos) {
        w += 25;
        break;
      }
    }
    if (chrome) w -= 25;
    return w;
  }

  void AddScore(int i, double score) {
    Stats& st = stats_[i];
    if (!st.scored) {
      st.scored = true;
      st.score = TagWeight(st.node->v.element.tag) + ClassWeight(st.node, st.chrome);
    }
    st.score += score;
  }

  void ScoreParagraphs() {
    for (int i = 0; i < size(); ++i) {
      if (chrome_[i]) continue;
      const Stats& st = stats_[i];
      GumboTag tag = st.node->v.element.tag;
      unsigned len = 0;
      if (tag == GUMBO_TAG_P || tag == GUMBO_TAG_PRE || tag == GUMBO_TAG_TD ||
          tag == GUMBO_TAG_BLOCKQUOTE) {
        len = st.text;
      } else if (tag == GUMBO_TAG_LI && st.text >= 80) {
        len = st.text;
      } else if (tag == GUMBO_TAG_DIV || tag == GUMBO_TAG_SECTION || tag == GUMBO_TAG_SPAN) {
        len = st.own;
      }
      if (len < 25 || st.in_link) continue;
      double score = 1 + st.punct + std::min(len / 100.0, 3.0);
      if (st.words >= 6 && st.stop * 25 < st.words) score *= 0.3;
      score *= 1 - LinkDensity(i);
      int up = st.parent;
      for (int level = 1; up >= 0 && level <= 3; ++level, up = stats_[up].parent) {
        AddScore(up, level == 1 ? score : score / (level == 2 ? 2 : 3 * (level - 1)));
      }
    }
  }

  const Page& page_;
  std::vector<Stats> stats_;
  std::vector<bool> chrome_;
};

std::string Fold(std::string_view s) { return FoldAscii(s); }

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
    const Stats& st = a.at(i);
    GumboTag tag = st.node->v.element.tag;
    bool heading = tag == GUMBO_TAG_H1 || tag == GUMBO_TAG_H2 || tag == GUMBO_TAG_H3;
    if (a.chrome(i) || st.in_link || st.text < 8 || st.text > 400) continue;
    if (st.link * 2 > st.text) continue;
    if (!heading && !IsTitleClass(st.node)) continue;
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
  const Stats& t = a.at(top);
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
    const Stats& s = a.at(i);
    bool join = s.scored && a.FinalScore(i) >= threshold;
    if (s.node->v.element.tag == GUMBO_TAG_P && a.LinkDensity(i) < 0.25 && s.text >= 60) {
      join = true;
    }
    if (join) roots.push_back(i);
  }
  return roots;
}

// Marks descendants of the roots that are chrome, forms or link lists.
void Prune(const Analyzer& a, const std::vector<int>& roots, NodeSet* skip) {
  for (int r : roots) {
    for (int i = r + 1; i < a.at(r).end; ++i) {
      const Stats& s = a.at(i);
      GumboTag tag = s.node->v.element.tag;
      bool drop = a.chrome(i) || tag == GUMBO_TAG_FORM || tag == GUMBO_TAG_NAV ||
                  tag == GUMBO_TAG_BUTTON || tag == GUMBO_TAG_INPUT;
      bool container = tag == GUMBO_TAG_DIV || tag == GUMBO_TAG_UL || tag == GUMBO_TAG_OL ||
                       tag == GUMBO_TAG_TABLE || tag == GUMBO_TAG_SECTION || tag == GUMBO_TAG_P ||
                       tag == GUMBO_TAG_LI || tag == GUMBO_TAG_DL;
      if (!drop && container && s.text > 0 && a.LinkDensity(i) > 0.6 && s.headline_links > 0) {
        drop = true;
      }
      if (!drop && container && s.headline_links >= 3 && a.LinkDensity(i) > 0.4) drop = true;
      if (drop) {
        skip->insert(s.node);
        i = s.end - 1;
      }
    }
  }
}

// Headline-like links outside chrome, absolute, deduplicated, in page order.
std::vector<std::string> ListingLinks(const Page& page, const Analyzer& a) {
  std::vector<std::string> links;
  std::unordered_map<std::string, bool> seen;
  for (int i = 0; i < a.size(); ++i) {
    const Stats& s = a.at(i);
    if (!IsTag(s.node, GUMBO_TAG_A) || a.chrome(i) || s.headline_links == 0) continue;
    const char* href = GetAttr(s.node, "href");
    if (href == nullptr || href[0] == '#') continue;
    std::string url = ResolveUrl(page.base_url, href);
    if (url.rfind("http", 0) != 0) continue;
    if (seen.emplace(url, true).second) links.push_back(std::move(url));
  }
  return links;
}

std::string SummaryNear(const Analyzer& a, int t, int content) {
  if (t < 0) return {};
  int limit = content >= 0 ? content + 40 : t + 60;
  for (int i = t + 1; i < a.size() && i < limit; ++i) {
    const Stats& s = a.at(i);
    if (a.chrome(i) || s.text < 30) continue;
    const char* cls = GetAttr(s.node, "class");
    if (cls == nullptr) continue;
    std::string_view c = cls;
    for (std::string_view key : {"sapo", "summary", "hometext", "tomtat", "tom-tat", "lead",
                                 "article-main", "description", "mota"}) {
      if (c.find(key) != std::string_view::npos) return NodeText(s.node);
    }
  }
  return {};
}

}  // namespace

void ExtractGeneric(const Page& page, const std::vector<std::string>& date_hints,
                    Article* article) {
  Analyzer a(page);
  a.Run();
  int top = a.TopCandidate();
  TitlePick title = PickTitle(page, a, top);
  article->title = title.text;
  article->published = page.meta_published;
  if (article->published.empty()) article->published = DateNear(title.node, date_hints);
  article->modified = page.meta_modified;
  std::vector<int> roots = top >= 0 ? ContentRoots(a, top) : std::vector<int>{};
  unsigned headlines = 0;
  for (int r : roots) headlines += a.at(r).headline_links;
  NodeSet skip;
  Prune(a, roots, &skip);
  if (title.node != nullptr) skip.insert(title.node);
  std::vector<const GumboNode*> nodes;
  for (int r : roots) nodes.push_back(a.at(r).node);
  BodyOptions options;
  options.base_url = page.base_url;
  options.title = article->title;
  options.drop_date_lines = true;
  BodyResult body = BuildBody(nodes, &skip, options);
  std::string text = JoinParagraphs(body.paragraphs);
  bool dated = !article->published.empty();
  // A headline that agrees with the page metadata or carries a date line marks an article;
  // category pages have only a section heading and a list of headline links.
  unsigned words = 0, stops = 0;
  for (int r : roots) {
    words += a.at(r).words;
    stops += a.at(r).stop;
  }
  // Vietnamese prose has many function words; mojibake, code and keyword lists have none.
  bool vietnamese = page.lang.empty() || page.lang.rfind("vi", 0) == 0;
  bool prose = words >= 30 && (!vietnamese || stops * 33 >= words);
  bool garbage = words >= 30 && !prose;
  bool strong_title = title.node != nullptr && (title.matches_meta || dated);
  bool is_article = strong_title && (dated || text.size() >= 200) && !(headlines >= 4 && !dated);
  if (!is_article) {
    std::vector<std::string> links = ListingLinks(page, a);
    // Weak article evidence plus headline links inside the chosen content: a category page,
    // even one that lists a single item.
    if (links.size() >= kMinListingLinks || (headlines > 0 && !links.empty())) {
      article->page_kind = PageKind::kListing;
      article->links = std::move(links);
      return;
    }
  }
  if (garbage || (!is_article && (text.size() < 200 || !prose))) {
    article->page_kind = PageKind::kOther;
    article->error = "no_content";
    return;
  }
  article->page_kind = PageKind::kArticle;
  article->summary = SummaryNear(a, title.index, top);
  article->author = body.byline;
  article->body = std::move(text);
  article->body_html = std::move(body.html);
  article->images = std::move(body.images);
  article->attachments = std::move(body.attachments);
}

}  // namespace tincrawl

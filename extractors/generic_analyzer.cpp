#include "extractors/generic_analyzer.h"

#include <algorithm>
#include <array>
#include <cstdint>

#include "extractors/content.h"

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

constexpr unsigned kMinItems = 3;         // Same-shape siblings that make a repeated item group.
constexpr unsigned kMaxItemBytes = 1500;  // An item is a teaser, not an article.
constexpr unsigned kMinProseBytes = 40;   // Shorter blocks are labels, not prose.

bool IsAsciiSpace(char c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f'; }

// A word of at most 7 bytes packed into an integer (zero padded, length in the top byte), so the
// per-word stop-word test of every text node is integer compares, not string compares.
constexpr uint64_t PackWord(std::string_view w) {
  uint64_t key = uint64_t{w.size()} << 56;
  for (size_t i = 0; i < w.size(); ++i)
    key |= uint64_t{static_cast<unsigned char>(w[i])} << (8 * i);
  return key;
}

// Stop words longer than 7 bytes ("người") are never matched, as before this table.
constexpr auto kStopKeys = [] {
  std::array<uint64_t, kStopWords.size()> keys{};
  for (size_t i = 0; i < kStopWords.size(); ++i) {
    keys[i] = kStopWords[i].size() <= 7 ? PackWord(kStopWords[i]) : 0;
  }
  return keys;
}();

bool IsStopWord(std::string_view w) {
  if (w.size() > 7) return false;
  uint64_t key = PackWord(w);
  for (uint64_t k : kStopKeys) {
    if (key == k) return true;
  }
  return false;
}

void CountText(std::string_view s, NodeStats* st) {
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
    if (IsStopWord(s.substr(start, i - start))) ++st->stop;
  }
}

bool IsLinkCounted(const GumboNode* node) {
  if (!IsTag(node, GUMBO_TAG_A)) return false;
  const char* href = GetAttr(node, "href");
  return href != nullptr && AttachmentType(href).empty();
}

double TagWeight(GumboTag tag) {
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

double ClassWeight(const GumboNode* node, bool chrome) {
  double w = chrome ? -25 : 0;
  for (const char* name : {"class", "id"}) {
    const char* v = GetAttr(node, name);
    if (v == nullptr) continue;
    for (std::string_view p : kPositive) {
      if (ContainsIgnoreCase(v, p)) return w + 25;
    }
  }
  return w;
}

// The length that scores element `st` as a paragraph, or 0 when it is not paragraph-like.
unsigned ParagraphLength(const NodeStats& st) {
  switch (st.node->v.element.tag) {
    case GUMBO_TAG_P:
    case GUMBO_TAG_PRE:
    case GUMBO_TAG_TD:
    case GUMBO_TAG_BLOCKQUOTE:
    case GUMBO_TAG_DD:
      return st.text;
    case GUMBO_TAG_LI:
      return st.text >= 80 ? st.text : 0;
    case GUMBO_TAG_DIV:
    case GUMBO_TAG_SECTION:
    case GUMBO_TAG_ARTICLE:
    case GUMBO_TAG_SPAN:
    case GUMBO_TAG_FONT:
      return st.own;
    default:
      return 0;
  }
}

bool IsCommentThread(const GumboNode* node) {
  const char* id = GetAttr(node, "id");
  const char* cls = GetAttr(node, "class");
  return (id != nullptr && ContainsIgnoreCase(id, "comment")) ||
         (cls != nullptr && ContainsIgnoreCase(cls, "comment"));
}

}  // namespace

void Analyzer::Run() {
  CollectStats();
  const NodeStats& root = stats_[0];
  vietnamese_ = root.words >= 30 && root.stop * 33 >= root.words;
  MarkItems();
  MarkChrome(0);
  ScoreParagraphs();
  SumProse();
  // Chrome classes hid every paragraph of prose: they were wrong about this page. Keep as
  // chrome only what holds no prose at all, and score again.
  int top = TopCandidate();
  if (root.prose_paras > 0 &&
      (top < 0 || prose_[top] == 0 || HiddenProse() > 2 * stats_[top].prose_paras + 2)) {
    Rescore(1);
  }
  // The same when the prose is not in <p> elements (text and <br> runs in a <div>, as blog
  // engines print posts): a widget class on the wrapper of the only text block must not hide it.
  // (With no text block outside <p> that would be the first pass again.)
  top = TopCandidate();
  if (root.text_blocks > root.prose_paras && (top < 0 || prose_[top] == 0)) Rescore(2);
}

// Prose paragraphs under the outermost chrome elements, comment threads left out.
unsigned Analyzer::HiddenProse() const {
  unsigned hidden = 0;
  for (size_t i = 1; i < stats_.size(); ++i) {
    const NodeStats& s = stats_[i];
    if (!chrome_[i] || chrome_[s.parent] || IsCommentThread(s.node)) continue;
    hidden += s.prose_paras;
  }
  return hidden;
}

void Analyzer::Rescore(int relaxed) {
  MarkChrome(relaxed);
  for (NodeStats& s : stats_) s.scored = false;
  ScoreParagraphs();
  SumProse();
}

// `relaxed` 1: only elements without a single prose paragraph are chrome; 2: only those without
// a single paragraph-like text block.
// A chrome class on a wrapper of the article ("socialicons", "sidebar-layout") must not hide
// it: an element that holds several prose paragraphs and few headline links is content.
// Comment threads stay chrome, however much prose they hold.
void Analyzer::MarkChrome(int relaxed) {
  chrome_.clear();
  chrome_.reserve(stats_.size());
  for (size_t i = 0; i < stats_.size(); ++i) {
    const NodeStats& s = stats_[i];
    // A long comment thread can hold most of the page's text and is still no wrapper.
    bool chrome = s.chrome && (s.text * 2 < stats_[0].text || IsCommentThread(s.node));
    // An article's own <header> ("entry-header") holds its headline and standfirst.
    if (chrome && s.in_article && IsHeaderChromeOnly(s.node)) chrome = false;
    if (relaxed == 1) chrome = s.chrome && (s.prose_paras == 0 || s.decisive);
    if (relaxed == 2) chrome = s.chrome && (s.text_blocks == 0 || s.decisive);
    if (chrome && s.prose_paras >= 3 && s.headline_links * 2 < s.prose_paras &&
        LinkDensity(static_cast<int>(i)) < 0.25) {
      chrome = IsCommentThread(s.node);
    }
    chrome_.push_back(chrome || (s.parent >= 0 && chrome_[s.parent]));
  }
}

int Analyzer::TopCandidate() const {
  int best = -1;
  double best_score = 0;
  for (int i = 0; i < size(); ++i) {
    if (!stats_[i].scored || chrome_[i]) continue;
    // Readability's score, plus the continuous prose the element holds: of two candidates
    // that score alike, the one with the article's whole text wins.
    double s = FinalScore(i) + 0.03 * prose_[i];
    if (best < 0 || s > best_score) {
      best = i;
      best_score = s;
    }
  }
  return best;
}

unsigned Analyzer::ProseBytes(int i) const {
  const NodeStats& st = stats_[i];
  if (chrome_[i] || item_[i] != 0 || st.in_link) return 0;
  unsigned len = ParagraphLength(st);
  if (len < kMinProseBytes || LinkDensity(i) > 0.34) return 0;
  return len;
}

int Analyzer::Widen(int top) const {
  int wrappers = 0;  // Ancestors passed that add no prose (div soup around one block).
  for (int up = stats_[top].parent; up >= 0 && !chrome_[up]; up = stats_[up].parent) {
    if (LinkDensity(up) > 0.4 || item_[up] != 0) break;
    // The ancestor must add a fair amount of prose without turning into a link list, or lists
    // and tables of plain text: what an article holds beside its paragraphs (ingredients,
    // figures, steps), no more of it than the content already has.
    unsigned added = stats_[up].text - stats_[top].text;
    unsigned added_links = stats_[up].link - stats_[top].link;
    unsigned added_lists = stats_[up].list_text - stats_[top].list_text;
    bool plain = added >= 200 && added <= stats_[top].text && added_links * 5 < added &&
                 added_lists * 2 >= added;
    if (prose_[up] >= prose_[top] + std::max(200u, prose_[top] / 4) || plain) {
      top = up;
      wrappers = 0;
    } else if (prose_[up] > prose_[top] + prose_[top] / 10 || ++wrappers > 3) {
      break;
    }
  }
  return top;
}

void Analyzer::SumProse() {
  prose_.assign(stats_.size(), 0);
  for (int i = size() - 1; i >= 0; --i) {
    GumboTag tag = stats_[i].node->v.element.tag;
    bool whole = tag == GUMBO_TAG_P || tag == GUMBO_TAG_PRE || tag == GUMBO_TAG_DD;
    unsigned own = whole ? ProseBytes(i) : (ProseBytes(i) > 0 ? stats_[i].own : 0);
    if (whole && own > 0)
      prose_[i] = own;  // Children are counted in its text already.
    else
      prose_[i] += own;
    if (stats_[i].parent >= 0) prose_[stats_[i].parent] += prose_[i];
  }
}

std::vector<int> Analyzer::Children(int i) const {
  std::vector<int> kids;
  for (int k = i + 1; k < stats_[i].end; k = stats_[k].end) kids.push_back(k);
  return kids;
}

void Analyzer::CollectStats() {
  stats_.reserve(4096);
  std::vector<unsigned> next;  // Per open frame: the next child to visit.
  Push(page_.body, -1, false);
  next.push_back(0);
  int link_depth = 0;
  while (!stack_.empty()) {
    int index = stack_.back();
    const GumboVector& kids = stats_[index].node->v.element.children;
    if (next.back() >= kids.length) {
      PopFrame(index, &link_depth);
      stack_.pop_back();
      next.pop_back();
      continue;
    }
    const auto* kid = static_cast<const GumboNode*>(kids.data[next.back()++]);
    if (kid->type == GUMBO_NODE_TEXT || kid->type == GUMBO_NODE_CDATA) {
      NodeStats& st = stats_[index];
      unsigned before = st.text;
      CountText(kid->v.text.text, &st);
      st.own += st.text - before;
      if (link_depth > 0) st.link += st.text - before;
    } else if (IsElement(kid) && !IsInvisible(kid)) {
      Push(kid, index, link_depth > 0 || stats_[index].in_link);
      next.push_back(0);
      if (stats_.back().counted_link) ++link_depth;
    }
  }
}

void Analyzer::Push(const GumboNode* node, int parent, bool in_link) {
  NodeStats st;
  st.node = node;
  st.parent = parent;
  st.in_link = in_link;
  st.in_article =
      parent >= 0 && (stats_[parent].in_article || IsTag(stats_[parent].node, GUMBO_TAG_ARTICLE) ||
                      IsTag(stats_[parent].node, GUMBO_TAG_MAIN));
  Chrome chrome = ClassifyChrome(node);
  st.chrome = chrome != Chrome::kNone;
  st.decisive = chrome == Chrome::kDecisive;
  st.counted_link = IsLinkCounted(node);
  if (IsTag(node, GUMBO_TAG_A) && !st.counted_link && GetAttr(node, "href") != nullptr) {
    st.attachments = 1;
  }
  stack_.push_back(static_cast<int>(stats_.size()));
  stats_.push_back(st);
}

void Analyzer::PopFrame(int index, int* link_depth) {
  NodeStats& st = stats_[index];
  st.end = static_cast<int>(stats_.size());
  if (st.counted_link) {
    ++st.links;
    --*link_depth;
    if (IsHeadlineText(st.text, st.words)) ++st.headline_links;
  }
  if (IsTag(st.node, GUMBO_TAG_P) && st.text >= 80 && st.link * 4 < st.text) ++st.prose_paras;
  if (ParagraphLength(st) >= 80 && st.link * 4 < st.text) ++st.text_blocks;
  GumboTag tag = st.node->v.element.tag;
  if (tag == GUMBO_TAG_UL || tag == GUMBO_TAG_OL || tag == GUMBO_TAG_DL || tag == GUMBO_TAG_TABLE) {
    st.list_text = st.text;
  }
  if (st.parent < 0) return;
  NodeStats& up = stats_[st.parent];
  up.prose_paras += st.prose_paras;
  up.text_blocks += st.text_blocks;
  up.list_text += st.list_text;
  up.links += st.links;
  up.attachments += st.attachments;
  up.text += st.text;
  up.link += st.link;
  up.punct += st.punct;
  up.words += st.words;
  up.stop += st.stop;
  up.headline_links += st.headline_links;
}

void Analyzer::AddScore(int i, double score) {
  NodeStats& st = stats_[i];
  if (!st.scored) {
    st.scored = true;
    st.score = TagWeight(st.node->v.element.tag) + ClassWeight(st.node, st.chrome);
  }
  st.score += score;
}

void Analyzer::ScoreParagraphs() {
  for (int i = 0; i < size(); ++i) {
    if (chrome_[i]) continue;
    const NodeStats& st = stats_[i];
    unsigned len = ParagraphLength(st);
    if (len < 25 || st.in_link) continue;
    double score = 1 + st.punct + std::min(len / 100.0, 3.0);
    // Vietnamese prose has many function words; keyword lists and mojibake have none.
    if (vietnamese_ && st.words >= 6 && st.stop * 25 < st.words) score *= 0.3;
    if (item_[i] != 0) score *= 0.25;  // Teasers of a listing or a related-news box.
    if (st.node->v.element.tag == GUMBO_TAG_LI) score *= 0.5;  // Lists of comments or posts.
    score *= 1 - LinkDensity(i);
    int up = st.parent;
    for (int level = 1; up >= 0 && level <= 3; ++level, up = stats_[up].parent) {
      AddScore(up, level == 1 ? score : score / (level == 2 ? 2 : 3 * (level - 1)));
    }
  }
}

void Analyzer::MarkItems() {
  item_.assign(stats_.size(), 0);
  for (int i = 0; i < size(); ++i) {
    if (stats_[i].headline_links >= kMinItems) MarkItemGroup(Children(i));
  }
  for (int i = 1; i < size(); ++i) {
    if (item_[i] == 0 && item_[stats_[i].parent] != 0) item_[i] = 1;
  }
}

// Marks the members of every group of same-shape siblings that forms a repeated item group.
// Sorting by shape keeps this O(k log k) on lists of hundreds of items.
void Analyzer::MarkItemGroup(const std::vector<int>& kids) {
  struct Member {
    int index;
    GumboTag tag;
    std::string_view cls;
  };
  std::vector<Member> members;
  for (int k : kids) {
    const NodeStats& s = stats_[k];
    // The headline is a fair share of an item; an inline link in a paragraph is not.
    if (s.headline_links < 1 || s.headline_links > 2 || s.text > kMaxItemBytes ||
        s.link * 6 < s.text || item_[k] != 0) {
      continue;
    }
    const char* cls = GetAttr(s.node, "class");
    members.push_back({k, s.node->v.element.tag, cls ? cls : "\x01"});
  }
  if (members.size() < kMinItems) return;
  auto less = [](const Member& a, const Member& b) {
    return a.tag != b.tag ? a.tag < b.tag : a.cls < b.cls;
  };
  std::stable_sort(members.begin(), members.end(), less);
  for (size_t a = 0; a < members.size();) {
    size_t b = a + 1;
    while (b < members.size() && !less(members[a], members[b])) ++b;
    if (b - a >= kMinItems) {
      for (size_t m = a; m < b; ++m) item_[members[m].index] = 2;
    }
    a = b;
  }
}

}  // namespace tincrawl

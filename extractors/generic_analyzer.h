#pragma once

#include <string_view>
#include <vector>

#include "extractors/page.h"

// Internal to the extractors library: the per-element statistics behind ExtractGeneric.

namespace tincrawl {

// Statistics of one visible element of <body>, with its subtree. Elements are numbered in
// pre-order, so a subtree is the index range [i, end).
struct NodeStats {
  const GumboNode* node = nullptr;
  int parent = -1;
  int end = 0;  // One past the last descendant's index.
  unsigned text = 0, own = 0, link = 0, punct = 0, words = 0, stop = 0;
  unsigned headline_links = 0;  // Links whose text reads like a headline (6+ words).
  unsigned prose_paras = 0;     // <p>-like descendants of 80+ bytes with few links.
  unsigned list_text = 0;       // Text inside lists and tables (ul, ol, dl, table).
  unsigned text_blocks = 0;     // Paragraph-like blocks of 80+ bytes with few links, any tag.
  unsigned links = 0;           // Counted links in the subtree.
  unsigned attachments = 0;     // Document download links (PDF, DOC, ...) in the subtree.
  bool chrome = false, in_link = false;
  bool decisive = false;      // Chrome no relaxed pass takes back (related news, author box).
  bool in_article = false;    // Inside an <article> element.
  bool counted_link = false;  // An <a href> that is not an attachment download.
  double score = 0;           // Readability-style content score (valid when scored).
  bool scored = false;
};

// Walks <body> once (iteratively) and scores it: readability's paragraph scores propagated to
// three ancestor levels, with class/id weights, link-density and (on Vietnamese pages)
// function-word penalties. It also marks repeated items: three or more same-shape siblings
// (same tag and class) each holding a headline link, the building block of listings, teaser
// grids and related-news boxes.
class Analyzer {
 public:
  explicit Analyzer(const Page& page) : page_(page) {}

  void Run();

  const NodeStats& at(int i) const { return stats_[i]; }
  int size() const { return static_cast<int>(stats_.size()); }
  bool chrome(int i) const { return chrome_[i]; }
  // True for a repeated item or a descendant of one.
  bool in_item(int i) const { return item_[i] != 0; }
  // True for the repeated item itself.
  bool is_item(int i) const { return item_[i] == 2; }
  double LinkDensity(int i) const {
    return stats_[i].text == 0 ? 0 : static_cast<double>(stats_[i].link) / stats_[i].text;
  }
  double FinalScore(int i) const { return stats_[i].score * (1 - LinkDensity(i)); }
  // True when the page reads as Vietnamese (function words in its text).
  bool vietnamese() const { return vietnamese_; }

  // The best candidate (readability's top candidate, with a bonus for the prose it holds) or -1.
  int TopCandidate() const;

  // Text bytes of the paragraph-like element i when it reads as prose (not chrome, not in a
  // repeated item, low link density, long enough), else 0.
  unsigned ProseBytes(int i) const;

  // Prose bytes in the subtree of i (ProseBytes summed without double counting).
  unsigned prose(int i) const { return prose_[i]; }

  // `top` or the highest ancestor that adds a fair share of prose to it without becoming a
  // link list or leaving the content: the whole article when its text is split across sibling
  // containers (lead, body parts, boxes).
  int Widen(int top) const;

  // Child element indices of i, in document order.
  std::vector<int> Children(int i) const;

 private:
  void CollectStats();
  void Push(const GumboNode* node, int parent, bool in_link);
  void PopFrame(int index, int* link_depth);
  void AddScore(int i, double score);
  void ScoreParagraphs();
  void MarkChrome(int relaxed);
  void Rescore(int relaxed);
  unsigned HiddenProse() const;
  void MarkItems();
  void MarkItemGroup(const std::vector<int>& kids);
  void SumProse();

  const Page& page_;
  std::vector<NodeStats> stats_;
  std::vector<bool> chrome_;
  std::vector<char> item_;  // 0 none, 1 inside an item, 2 the item.
  std::vector<unsigned> prose_;
  std::vector<int> stack_;
  bool vietnamese_ = false;
};

// True when `len` bytes over `words` words read like a headline link (6+ words, 25..400 bytes).
inline bool IsHeadlineText(unsigned bytes, unsigned words) {
  return bytes >= 25 && bytes <= 400 && words >= 6;
}

}  // namespace tincrawl

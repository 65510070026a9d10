#include "extractors/content.h"

#include <algorithm>
#include <array>

#include "extractors/body_html.h"
#include "extractors/byline.h"
#include "extractors/dates.h"
#include "extractors/text.h"

namespace tincrawl {
namespace {

// Folded (FoldAscii) portal chrome phrases; a short paragraph starting with one is chrome.
constexpr std::array<std::string_view, 51> kBoilerplate = {
    "tim kiem theo chuyen muc", "tin nong", "tin tieu diem", "lich cong tac", "website lien ket",
    "lien ket website", "thong ke truy cap", "so luong truy cap", "hom nay:", "da truy cap",
    "dang truy cap", "tin noi bat", "tin khac", "tin lien quan", "cac tin khac", "in bai viet",
    "gui email", "chia se", "ban quyen thuoc", "cong thong tin dien tu", "tong so luot truy cap",
    "luot truy cap", "tin doc nhieu", "xem them",
    // The labels of related-reading boxes in other languages.
    "related posts", "related articles", "related stories", "read more", "read also", "see also",
    "you may also like", "you might also like", "explore further", "mehr zum thema",
    "zum weiterlesen", "auch interessant", "das konnte sie auch interessieren", "ahnliche beitrage",
    "ahnliche artikel", "weitere artikel", "lesen sie auch", "lire aussi", "a lire aussi",
    "vous aimerez aussi", "sur le meme sujet", "lea tambien", "te puede interesar", "leggi anche",
    "zobacz takze", "czytaj tez", "czytaj takze"};

constexpr size_t kBoilerplateMaxBytes = 90;
constexpr size_t kCaptionMaxBytes = 300;

struct Para {
  std::string raw;
  const GumboNode* owner = nullptr;
  size_t total = 0, italic = 0, bold = 0;
  size_t in_attachment = 0;  // Visible bytes inside attachment download links.
  size_t in_link = 0;        // Visible bytes inside any link.
  bool centered = false, right = false, caption = false, after_image = false;
  const GumboNode* box = nullptr;
  int image = -1;
};

struct StyleDepth {
  int italic = 0, bold = 0, center = 0, right = 0, caption = 0, link = 0;
};

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  }
  return out;
}

int AlignOf(const GumboNode* node) {  // 1 = centre, 2 = right, 0 = other.
  const char* align = GetAttr(node, "align");
  std::string a = align ? Lower(align) : std::string();
  const char* style = GetAttr(node, "style");
  if (style != nullptr) {
    std::string s = Lower(style);
    std::erase(s, ' ');
    size_t p = s.find("text-align:");
    if (p != std::string::npos) a = s.substr(p + 11, 6);
  }
  if (a.rfind("center", 0) == 0) return 1;
  if (a.rfind("right", 0) == 0) return 2;
  return 0;
}

bool IsCaptionElement(const GumboNode* node) {
  if (IsTag(node, GUMBO_TAG_FIGCAPTION)) return true;
  const char* cls = GetAttr(node, "class");
  if (cls == nullptr) return false;
  std::string c = Lower(cls);
  return c.find("caption") != std::string::npos || c.find("chu-thich") != std::string::npos ||
         c.find("chuthich") != std::string::npos || c.find("image_desc") != std::string::npos ||
         c.find("image-desc") != std::string::npos || c.find("img-desc") != std::string::npos ||
         c.find("photo-desc") != std::string::npos;
}

bool IsItalicTag(GumboTag t) { return t == GUMBO_TAG_EM || t == GUMBO_TAG_I; }
bool IsBoldTag(GumboTag t) { return t == GUMBO_TAG_STRONG || t == GUMBO_TAG_B; }

const GumboNode* BoxOf(const GumboNode* node, const GumboNode* stop) {
  for (const GumboNode* up = node; IsElement(up) && up != stop; up = up->parent) {
    GumboTag t = up->v.element.tag;
    if (t == GUMBO_TAG_TABLE || t == GUMBO_TAG_FIGURE) return up;
  }
  return nullptr;
}

// Pass 1: walks the roots and records paragraphs, images and attachments.
class Collector {
 public:
  Collector(const NodeSet& skip, std::string_view base, BodyResult* out)
      : skip_(skip), base_(base), out_(out) {}

  void Walk(const GumboNode* root) {
    root_ = root;
    struct Frame {
      const GumboNode* node;
      unsigned next;
    };
    std::vector<Frame> stack;
    if (!Enter(root)) return;
    stack.push_back({root, 0});
    while (!stack.empty()) {
      Frame& top = stack.back();
      const GumboVector& kids = top.node->v.element.children;
      if (top.next >= kids.length) {
        Exit(top.node);
        stack.pop_back();
        continue;
      }
      const auto* kid = static_cast<const GumboNode*>(kids.data[top.next++]);
      if (kid->type == GUMBO_NODE_TEXT || kid->type == GUMBO_NODE_WHITESPACE ||
          kid->type == GUMBO_NODE_CDATA) {
        AddText(kid->v.text.text);
      } else if (IsElement(kid) && Enter(kid)) {
        stack.push_back({kid, 0});
      }
    }
  }

  std::vector<Para>& paras() { return paras_; }

 private:
  bool Enter(const GumboNode* node) {
    if (skip_.count(node) != 0 || IsInvisible(node)) return false;
    GumboTag tag = node->v.element.tag;
    if (tag == GUMBO_TAG_BR || tag == GUMBO_TAG_HR) {
      Flush();
      return false;
    }
    if (tag == GUMBO_TAG_IMG) {
      AddImage(node);
      return false;
    }
    if (tag == GUMBO_TAG_A && AddAttachment(node)) attachment_links_.push_back(node);
    if (IsBlockTag(tag)) {
      Flush();
      blocks_.push_back(node);
    }
    int align = AlignOf(node);
    depth_.center += align == 1;
    depth_.right += align == 2;
    depth_.italic += IsItalicTag(tag);
    depth_.bold += IsBoldTag(tag);
    depth_.caption += IsCaptionElement(node);
    depth_.link += tag == GUMBO_TAG_A;
    return node->v.element.children.length > 0 || (Exit(node), false);
  }

  void Exit(const GumboNode* node) {
    GumboTag tag = node->v.element.tag;
    if (!attachment_links_.empty() && attachment_links_.back() == node) {
      attachment_links_.pop_back();
    }
    if (IsBlockTag(tag)) {
      Flush();
      if (!blocks_.empty()) blocks_.pop_back();
    }
    int align = AlignOf(node);
    depth_.center -= align == 1;
    depth_.right -= align == 2;
    depth_.italic -= IsItalicTag(tag);
    depth_.bold -= IsBoldTag(tag);
    depth_.caption -= IsCaptionElement(node);
    depth_.link -= tag == GUMBO_TAG_A;
  }

  void AddText(const char* text) {
    std::string_view s(text);
    size_t visible = 0;
    for (char c : s) visible += (c != ' ' && c != '\n' && c != '\t' && c != '\r');
    if (visible > 0 && current_.total == 0) {
      current_.owner = blocks_.empty() ? root_ : blocks_.back();
      current_.centered = depth_.center > 0;
      current_.right = depth_.right > 0;
      current_.caption = depth_.caption > 0;
      current_.image = last_image_;
      current_.after_image = last_image_ >= 0 && !text_since_image_;
      current_.box = BoxOf(current_.owner, root_->parent);
    }
    current_.raw.append(s);
    current_.total += visible;
    if (depth_.italic > 0) current_.italic += visible;
    if (depth_.bold > 0) current_.bold += visible;
    if (!attachment_links_.empty()) current_.in_attachment += visible;
    if (depth_.link > 0) current_.in_link += visible;
  }

  void Flush() {
    if (current_.total > 0) {
      text_since_image_ = true;
      paras_.push_back(std::move(current_));
    }
    current_ = Para();
  }

  void AddImage(const GumboNode* img) {
    std::string src = ImageSource(img, base_);
    if (src.empty() || IsTinyImage(img)) return;
    Flush();
    out_->images.push_back({std::move(src), {}});
    last_image_ = static_cast<int>(out_->images.size()) - 1;
    text_since_image_ = false;
    image_boxes_.push_back(BoxOf(img, root_->parent));
  }

  // Records a download link in attachments[] (once per URL); true when `a` is one.
  bool AddAttachment(const GumboNode* a) {
    const char* href = GetAttr(a, "href");
    if (href == nullptr) return false;
    std::string url = ResolveUrl(base_, href);
    std::string type = AttachmentType(url);
    if (type.empty()) return false;
    for (const auto& existing : out_->attachments) {
      if (existing.url == url) return true;
    }
    out_->attachments.push_back({std::move(url), NodeText(a), std::move(type)});
    return true;
  }

 public:
  std::vector<const GumboNode*> image_boxes_;

 private:
  const NodeSet& skip_;
  std::string_view base_;
  BodyResult* out_;
  const GumboNode* root_ = nullptr;
  std::vector<const GumboNode*> blocks_;
  std::vector<const GumboNode*> attachment_links_;  // Open attachment <a> elements.
  StyleDepth depth_;
  Para current_;
  std::vector<Para> paras_;
  int last_image_ = -1;
  bool text_since_image_ = true;
};

bool StartsWithAny(std::string_view folded, const auto& prefixes) {
  for (std::string_view p : prefixes) {
    if (folded.substr(0, p.size()) == p) return true;
  }
  return false;
}

bool LooksLikeCaption(const Para& p, const std::string& text,
                      const std::vector<const GumboNode*>& image_boxes) {
  if (p.caption) return true;
  if (!p.after_image || text.size() > kCaptionMaxBytes) return false;
  bool italic = p.total > 0 && p.italic * 10 >= p.total * 8;
  bool same_box = p.box != nullptr && p.image >= 0 &&
                  static_cast<size_t>(p.image) < image_boxes.size() &&
                  image_boxes[p.image] == p.box;
  return p.centered || italic || same_box;
}

bool IsDateLine(const std::string& text) {
  if (text.size() > 80) return false;
  auto m = FindDate(text);
  return m && (m->end - m->begin) * 2 >= text.size();
}

// Bold, or right-aligned: how portals set a signature apart.
bool IsStyledLine(const Para& p) { return p.right || (p.total > 0 && p.bold * 10 >= p.total * 8); }

void MarkOwner(const Para& p, const std::string& text, const GumboNode* root, NodeSet* skip) {
  if (p.owner == nullptr || p.owner == root) return;
  if (NodeText(p.owner) == text) skip->insert(p.owner);
}

struct Kept {
  Para p;
  std::string text;
  bool caption = false;
};

// The caption element of paragraph `p` when its whole text is the caption, else nullptr.
const GumboNode* CaptionOwner(const Para& p, const std::string& text, const GumboNode* root) {
  if (p.owner == nullptr || p.owner == root) return nullptr;
  return NodeText(p.owner) == text ? p.owner : nullptr;
}

// Pass 1 over one root: paragraphs, captions (kept in place, marked) and attachment lines.
void CollectParagraphs(const GumboNode* root, const BodyOptions& options, NodeSet* skip,
                       NodeSet* captions, BodyResult* result, std::vector<Kept>* kept) {
  Collector collector(*skip, options.base_url, result);
  collector.Walk(root);
  for (Para& p : collector.paras()) {
    std::string text = CleanText(p.raw);
    if (text.empty()) continue;
    if (LooksLikeCaption(p, text, collector.image_boxes_)) {
      if (p.image >= 0 && result->images[p.image].caption.empty()) {
        result->images[p.image].caption = text;
      }
      if (const GumboNode* owner = CaptionOwner(p, text, root)) captions->insert(owner);
      kept->push_back({std::move(p), std::move(text), true});
      continue;
    }
    // A line that is (mostly) a download link is in attachments[]; body_html keeps it.
    if (p.in_attachment * 10 >= p.total * 6) continue;
    // A short line that is all link ("Weiter", "Zurück zur Übersicht") is navigation.
    bool nav = p.in_link == p.total && text.size() <= 40;
    bool drop = (!options.title.empty() && text == options.title) ||
                (options.drop_boilerplate && (nav || IsBoilerplateText(text))) ||
                (options.drop_date_lines && IsDateLine(text));
    if (drop) {
      MarkOwner(p, text, root, skip);
      continue;
    }
    p.owner = p.owner == root ? nullptr : p.owner;
    kept->push_back({std::move(p), std::move(text), false});
  }
}

// Index of the last (or first) paragraph that is not a caption, or -1.
int EdgeParagraph(const std::vector<Kept>& kept, bool last) {
  for (size_t n = 0; n < kept.size(); ++n) {
    size_t i = last ? kept.size() - 1 - n : n;
    if (!kept[i].caption) return static_cast<int>(i);
  }
  return -1;
}

// Moves a credit line at index i out of the body into the field of its kind; false when the
// line is no credit, or its field is taken already.
bool TakeCredit(int i, bool position, const BodyOptions& options, NodeSet* skip, BodyResult* result,
                std::vector<Kept>* kept) {
  if (i < 0) return false;
  Kept& k = (*kept)[i];
  bool name_line = IsStyledLine(k.p) || (position && k.text.size() <= 40);
  Credit c = ClassifyCredit(k.text, name_line);
  std::string* field = c.kind == CreditKind::kSource     ? &result->source
                       : c.kind == CreditKind::kPostedBy ? &result->posted_by
                       : c.kind == CreditKind::kAuthor   ? &result->byline
                                                         : nullptr;
  if (field == nullptr || !field->empty()) return false;
  if (c.kind != CreditKind::kSource && !options.detect_byline) return false;
  *field = std::move(c.value);
  if (k.p.owner != nullptr && NodeText(k.p.owner) == k.text) skip->insert(k.p.owner);
  kept->erase(kept->begin() + i);
  return true;
}

// Signature and source lines at the end of the body (either order), or a signature at its start.
void TakeCredits(const BodyOptions& options, NodeSet* skip, BodyResult* result,
                 std::vector<Kept>* kept) {
  for (int n = 0; n < 2; ++n) {
    if (!TakeCredit(EdgeParagraph(*kept, true), true, options, skip, result, kept)) break;
  }
  if (result->byline.empty() && EdgeParagraph(*kept, true) > 0) {
    TakeCredit(EdgeParagraph(*kept, false), false, options, skip, result, kept);
  }
}

// Removes the short lines (headings of boxes, prompts, share lines) after the last paragraph
// or caption of some length; credit lines were taken before.
// A line of three or more words that ends as a sentence ends ("Be there or be square!"): the
// last words of an article. Labels, buttons and box titles ("Share", "Related posts", "Tags:")
// are not punctuated as sentences in any language.
bool IsSentence(std::string_view text) {
  size_t words = 1 + static_cast<size_t>(std::count(text.begin(), text.end(), ' '));
  while (!text.empty() && (text.back() == ' ' || text.back() == '"' || text.back() == ')')) {
    text.remove_suffix(1);
  }
  if (words < 3 || text.empty()) return false;
  char last = text.back();
  if (last == '.' || last == '!' || last == '?') return true;
  for (std::string_view end : {"…", "。", "！", "？", "”", "»", "“"}) {
    if (text.size() >= end.size() && text.substr(text.size() - end.size()) == end) return true;
  }
  return false;
}

void TrimTail(std::vector<Kept>* kept) {
  constexpr size_t kLong = 50;
  size_t end = kept->size();
  while (end > 0 && !(*kept)[end - 1].caption && (*kept)[end - 1].text.size() < kLong &&
         !IsSentence((*kept)[end - 1].text)) {
    --end;
  }
  if (end == 0) return;  // Nothing but short lines: nothing to measure against.
  kept->erase(kept->begin() + static_cast<long>(end), kept->end());
}

// Pictures tell the story: several captions carrying as much text as the rest of the body.
bool IsPhotoStory(const std::vector<Kept>& kept) {
  size_t captions = 0, caption_bytes = 0, other = 0;
  for (const Kept& k : kept) {
    captions += k.caption;
    (k.caption ? caption_bytes : other) += k.text.size();
  }
  return captions >= 3 && caption_bytes * 2 >= other;
}

}  // namespace

bool IsBoilerplateText(std::string_view text) {
  if (text.empty() || text.size() > kBoilerplateMaxBytes) return false;
  std::string folded = FoldAscii(text);
  return StartsWithAny(folded, kBoilerplate);
}

std::string JoinParagraphs(const std::vector<std::string>& paragraphs) {
  std::string out;
  for (const auto& p : paragraphs) {
    if (!out.empty()) out.append("\n\n");
    out.append(p);
  }
  return out;
}

std::string AttachmentType(std::string_view url) {
  size_t end = url.find_first_of("?#");
  std::string_view path = url.substr(0, end);
  size_t dot = path.rfind('.');
  if (dot == std::string_view::npos || path.size() - dot > 5 ||
      path.find('/', dot) != std::string_view::npos) {
    return {};
  }
  std::string ext = Lower(path.substr(dot + 1));
  static constexpr std::string_view kTypes[] = {"pdf",  "doc", "docx", "xls", "xlsx", "ppt",
                                                "pptx", "zip", "rar",  "odt", "7z"};
  for (std::string_view t : kTypes) {
    if (ext == t) return ext;
  }
  return {};
}

BodyResult BuildBody(const std::vector<const GumboNode*>& roots, NodeSet* skip,
                     const BodyOptions& options) {
  BodyResult result;
  std::vector<Kept> kept;
  NodeSet captions;
  for (const GumboNode* root : roots)
    CollectParagraphs(root, options, skip, &captions, &result, &kept);
  TakeCredits(options, skip, &result, &kept);
  if (options.trim_tail) TrimTail(&kept);
  bool photo_story = IsPhotoStory(kept);
  for (Kept& k : kept) {
    if (!k.caption || photo_story) result.paragraphs.push_back(std::move(k.text));
  }
  // A post whose content is its documents: the body is their link texts.
  if (result.paragraphs.empty()) {
    for (const Attachment& at : result.attachments) {
      if (!at.text.empty()) result.paragraphs.push_back(at.text);
    }
  }
  for (const GumboNode* root : roots) {
    WriteBodyHtml(root, *skip, captions, options.base_url, &result.html);
  }
  size_t first = result.html.find_first_not_of(' ');
  result.html.erase(0, first == std::string::npos ? result.html.size() : first);
  while (!result.html.empty() && result.html.back() == ' ') result.html.pop_back();
  return result;
}

}  // namespace tincrawl

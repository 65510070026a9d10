#include "extractors/html_guard.h"

#include <gumbo.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include <algorithm>
#include <cstring>
#include <string>
#include <unordered_map>
#include <vector>

namespace tincrawl {
namespace {

// Step costs, in units of roughly 0.5 ns of gumbo time on this machine (bench/html_guard_bench).
constexpr uint64_t kNodeUnits = 2000;     // Allocating, filling and freeing one element.
constexpr uint64_t kTextUnits = 500;      // One text node.
constexpr uint64_t kEndUnits = 500;       // An end tag that pops nothing.
constexpr uint64_t kAttrPairUnits = 10;   // One name comparison of attribute de-duplication.
constexpr uint64_t kMergePairUnits = 30;  // One lookup merging <html>/<body> attributes.
constexpr uint64_t kCloneUnits = 1000;    // One element re-created by reconstruction.
constexpr uint64_t kAdoptionRounds = 8;   // The adoption agency's outer loop.
// Elements gumbo creates without a start tag that stay open: html, head, body, and the
// transient p of a stray </p> or form and label of <isindex>. tbody and tr implied inside a
// table are covered by the table's weight.
constexpr uint64_t kSlack = 8;
constexpr uint32_t kTableWeight = 3;
constexpr uint32_t kNoahsArk = 3;  // Identical formatting entries kept per marker segment.

bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }
// Where an attribute name can start in gumbo's tokenizer: after whitespace, '/' or a quote.
bool IsAttrSeparator(char c) { return IsSpace(c) || c == '/' || c == '"' || c == '\''; }

uint64_t Fnv(std::string_view s, uint64_t h = 1469598103934665603ull) {
  for (char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ull;
  }
  return h;
}

// A set of tags as a bitmap: the scan asks several of these per tag.
class TagSet {
 public:
  constexpr TagSet(std::initializer_list<GumboTag> tags) {
    for (GumboTag t : tags) bits_[t >> 6] |= uint64_t{1} << (t & 63);
  }
  constexpr bool Has(GumboTag t) const { return (bits_[t >> 6] >> (t & 63)) & 1; }

 private:
  static_assert(GUMBO_TAG_LAST < 256);
  uint64_t bits_[4] = {};
};

bool OneOf(GumboTag tag, const TagSet& set) { return set.Has(tag); }

constexpr TagSet kFormatting{GUMBO_TAG_A,  GUMBO_TAG_B,     GUMBO_TAG_BIG,    GUMBO_TAG_CODE,
                             GUMBO_TAG_EM, GUMBO_TAG_FONT,  GUMBO_TAG_I,      GUMBO_TAG_NOBR,
                             GUMBO_TAG_S,  GUMBO_TAG_SMALL, GUMBO_TAG_STRIKE, GUMBO_TAG_STRONG,
                             GUMBO_TAG_TT, GUMBO_TAG_U};
constexpr TagSet kMarkers{GUMBO_TAG_TD,     GUMBO_TAG_TH,      GUMBO_TAG_CAPTION, GUMBO_TAG_APPLET,
                          GUMBO_TAG_OBJECT, GUMBO_TAG_MARQUEE, GUMBO_TAG_TEMPLATE};
// Never pushed in HTML content (void, or merged into the element that already exists).
constexpr TagSet kNoPush{GUMBO_TAG_AREA,   GUMBO_TAG_BASE,  GUMBO_TAG_BASEFONT, GUMBO_TAG_BGSOUND,
                         GUMBO_TAG_BR,     GUMBO_TAG_COL,   GUMBO_TAG_EMBED,    GUMBO_TAG_FRAME,
                         GUMBO_TAG_HR,     GUMBO_TAG_IMG,   GUMBO_TAG_IMAGE,    GUMBO_TAG_INPUT,
                         GUMBO_TAG_KEYGEN, GUMBO_TAG_LINK,  GUMBO_TAG_META,     GUMBO_TAG_PARAM,
                         GUMBO_TAG_SOURCE, GUMBO_TAG_TRACK, GUMBO_TAG_WBR,      GUMBO_TAG_ISINDEX,
                         GUMBO_TAG_HTML,   GUMBO_TAG_HEAD,  GUMBO_TAG_BODY};
// Start tags that close an open <p> in button scope (checked against gumbo in the unit test).
constexpr TagSet kClosesP{
    GUMBO_TAG_ADDRESS,    GUMBO_TAG_ARTICLE, GUMBO_TAG_ASIDE,  GUMBO_TAG_BLOCKQUOTE,
    GUMBO_TAG_CENTER,     GUMBO_TAG_DIV,     GUMBO_TAG_DL,     GUMBO_TAG_FIELDSET,
    GUMBO_TAG_FIGCAPTION, GUMBO_TAG_FIGURE,  GUMBO_TAG_FOOTER, GUMBO_TAG_HEADER,
    GUMBO_TAG_NAV,        GUMBO_TAG_OL,      GUMBO_TAG_P,      GUMBO_TAG_SECTION,
    GUMBO_TAG_UL,         GUMBO_TAG_H1,      GUMBO_TAG_H2,     GUMBO_TAG_H3,
    GUMBO_TAG_H4,         GUMBO_TAG_H5,      GUMBO_TAG_H6,     GUMBO_TAG_PRE,
    GUMBO_TAG_LISTING,    GUMBO_TAG_HR,      GUMBO_TAG_XMP,    GUMBO_TAG_PLAINTEXT,
    GUMBO_TAG_LI,         GUMBO_TAG_DD,      GUMBO_TAG_DT};
// Start tags gumbo handles as "reconstruct, insert" or as a formatting element: they never pop
// an element, so they cannot leave formatting elements to be re-created.
constexpr TagSet kNeverPops{GUMBO_TAG_B,      GUMBO_TAG_BIG,    GUMBO_TAG_CODE,  GUMBO_TAG_EM,
                            GUMBO_TAG_FONT,   GUMBO_TAG_I,      GUMBO_TAG_S,     GUMBO_TAG_SMALL,
                            GUMBO_TAG_STRIKE, GUMBO_TAG_STRONG, GUMBO_TAG_TT,    GUMBO_TAG_U,
                            GUMBO_TAG_SPAN,   GUMBO_TAG_IMG,    GUMBO_TAG_BR,    GUMBO_TAG_SUB,
                            GUMBO_TAG_SUP,    GUMBO_TAG_ABBR,   GUMBO_TAG_LABEL, GUMBO_TAG_UNKNOWN};
constexpr TagSet kHeadings{GUMBO_TAG_H1, GUMBO_TAG_H2, GUMBO_TAG_H3,
                           GUMBO_TAG_H4, GUMBO_TAG_H5, GUMBO_TAG_H6};
constexpr TagSet kCells{GUMBO_TAG_TD, GUMBO_TAG_TH};
constexpr TagSet kSections{GUMBO_TAG_TBODY, GUMBO_TAG_THEAD, GUMBO_TAG_TFOOT};
// Start tags that leave foreign content: gumbo pops the SVG/MathML elements and inserts an HTML
// element (<font> only with color, face or size; taken as always, which only keeps it open).
constexpr TagSet kBreaksOut{
    GUMBO_TAG_B,      GUMBO_TAG_BIG,    GUMBO_TAG_BLOCKQUOTE, GUMBO_TAG_BODY,  GUMBO_TAG_BR,
    GUMBO_TAG_CENTER, GUMBO_TAG_CODE,   GUMBO_TAG_DD,         GUMBO_TAG_DIV,   GUMBO_TAG_DL,
    GUMBO_TAG_DT,     GUMBO_TAG_EM,     GUMBO_TAG_EMBED,      GUMBO_TAG_H1,    GUMBO_TAG_H2,
    GUMBO_TAG_H3,     GUMBO_TAG_H4,     GUMBO_TAG_H5,         GUMBO_TAG_H6,    GUMBO_TAG_HEAD,
    GUMBO_TAG_HR,     GUMBO_TAG_I,      GUMBO_TAG_IMG,        GUMBO_TAG_LI,    GUMBO_TAG_LISTING,
    GUMBO_TAG_MENU,   GUMBO_TAG_META,   GUMBO_TAG_NOBR,       GUMBO_TAG_OL,    GUMBO_TAG_P,
    GUMBO_TAG_PRE,    GUMBO_TAG_RUBY,   GUMBO_TAG_S,          GUMBO_TAG_SMALL, GUMBO_TAG_SPAN,
    GUMBO_TAG_STRONG, GUMBO_TAG_STRIKE, GUMBO_TAG_SUB,        GUMBO_TAG_SUP,   GUMBO_TAG_TABLE,
    GUMBO_TAG_TT,     GUMBO_TAG_U,      GUMBO_TAG_UL,         GUMBO_TAG_VAR,   GUMBO_TAG_FONT};
// SVG and MathML elements whose content gumbo parses as HTML (annotation-xml only with an HTML
// encoding, mglyph and malignmark stay foreign under mi..mtext; taken as always: no forgiveness).
constexpr TagSet kIntegrationPoints{GUMBO_TAG_FOREIGNOBJECT,
                                    GUMBO_TAG_DESC,
                                    GUMBO_TAG_TITLE,
                                    GUMBO_TAG_ANNOTATION_XML,
                                    GUMBO_TAG_MI,
                                    GUMBO_TAG_MO,
                                    GUMBO_TAG_MN,
                                    GUMBO_TAG_MS,
                                    GUMBO_TAG_MTEXT};

struct Tag {
  GumboTag tag = GUMBO_TAG_UNKNOWN;
  uint64_t name_hash = 0;  // Of the lower-cased name: tells unknown elements apart.
  size_t name_end = 0;     // Offset just past the name.
};

// Reads the tag name starting at `at` (a letter) up to whitespace, '/', '>' or `stop`.
Tag ReadName(std::string_view html, size_t at, size_t stop) {
  char lower[32];
  size_t n = 0;
  uint64_t h = 1469598103934665603ull;
  size_t i = at;
  for (; i < stop && !IsSpace(html[i]) && html[i] != '/'; ++i) {
    char c = html[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
    h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
    if (n < sizeof(lower)) lower[n] = c;
    ++n;
  }
  Tag t;
  t.name_hash = h;
  t.name_end = i;
  if (n <= sizeof(lower)) t.tag = gumbo_tagn_enum(lower, static_cast<unsigned>(n));
  return t;
}

#ifdef __SSE2__
// Set bits of a 16-bit mask, without the library call __builtin_popcount makes without popcnt.
unsigned BitCount16(unsigned x) {
  x -= (x >> 1) & 0x5555u;
  x = (x & 0x3333u) + ((x >> 2) & 0x3333u);
  x = (x + (x >> 4)) & 0x0F0Fu;
  return (x + (x >> 8)) & 0x1Fu;
}

// Bit i set when byte i of the 16 at `p` is an attribute separator.
unsigned SeparatorMask(const char* p) {
  __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  __m128i m = _mm_cmpeq_epi8(v, _mm_set1_epi8(' '));
  for (char c : {'\t', '\n', '\r', '\f', '/', '"', '\''}) {
    m = _mm_or_si128(m, _mm_cmpeq_epi8(v, _mm_set1_epi8(c)));
  }
  return static_cast<unsigned>(_mm_movemask_epi8(m));
}
#endif

// An upper bound of the attributes gumbo reads from the bytes between a tag's name and '>':
// the non-separator bytes that follow a separator (or start the run). Attribute text is a
// large share of a page's bytes, so this goes 16 bytes at a time where it can.
uint64_t CountAttrs(std::string_view rest) {
  uint64_t n = 0;
  bool after_separator = true;
  size_t i = 0;
#ifdef __SSE2__
  for (; i + 16 <= rest.size(); i += 16) {
    unsigned sep = SeparatorMask(rest.data() + i);
    unsigned starts = ~sep & ((sep << 1) | (after_separator ? 1u : 0u)) & 0xFFFFu;
    n += BitCount16(starts);
    after_separator = (sep >> 15) & 1u;
  }
#endif
  for (; i < rest.size(); ++i) {
    bool sep = IsAttrSeparator(rest[i]);
    if (!sep && after_separator) ++n;
    after_separator = sep;
  }
  return n;
}

// Gumbo's tokenizer over the bytes of a tag after its name, from `i`: the index of the first
// '>' outside a quoted attribute value (text.size() when there is none), and in
// `*self_closing` whether the tag reaches it in the self-closing start tag state (after "/"
// outside any value). "<g a=b/>" is not self-closing (the '/' is part of the value), and
// "<g a=\"/>\">" does not even end at the first '>'.
size_t ScanAttributes(std::string_view text, size_t i, bool* self_closing) {
  enum { kBeforeName, kName, kAfterName, kBeforeValue, kUnquoted, kSlash } state = kBeforeName;
  for (; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '>') break;
    switch (state) {
      case kBeforeValue:
        if (c == '"' || c == '\'') {  // Straight to the closing quote.
          const void* q = std::memchr(text.data() + i + 1, c, text.size() - i - 1);
          if (q == nullptr) {
            i = text.size();
            break;
          }
          i = static_cast<size_t>(static_cast<const char*>(q) - text.data());
          state = kBeforeName;  // After a quoted value: as before a name.
        } else if (!IsSpace(c)) {
          state = kUnquoted;
        }
        break;
      case kUnquoted:
        if (IsSpace(c)) state = kBeforeName;
        break;
      case kName:
      case kAfterName:
        if (c == '/') {
          state = kSlash;
        } else if (c == '=') {
          state = kBeforeValue;
        } else if (IsSpace(c)) {
          state = kAfterName;
        } else {
          state = kName;
        }
        break;
      case kBeforeName:
      case kSlash:
        state = c == '/' ? kSlash : IsSpace(c) ? kBeforeName : kName;
        break;
    }
  }
  *self_closing = state == kSlash && i < text.size();
  return std::min(i, text.size());
}

// Where gumbo's tokenizer ends the comment opened at `lt` ("<!--"): at "-->" or "--!>", or at
// once for "<!-->" and "<!--->"; `size` when it runs to the end. Tags inside are text to gumbo:
// an end tag there must not pop what gumbo keeps open.
size_t CommentEnd(std::string_view html, size_t lt) {
  size_t i = lt + 4;
  if (i < html.size() && html[i] == '>') return i;
  if (i + 1 < html.size() && html[i] == '-' && html[i + 1] == '>') return i + 1;
  for (size_t at = html.find("--", i); at != std::string_view::npos; at = html.find("--", at)) {
    size_t k = at + 2;
    while (k < html.size() && html[k] == '-') ++k;  // "--->" ends it too.
    if (k < html.size() && html[k] == '>') return k;
    if (k + 1 < html.size() && html[k] == '!' && html[k + 1] == '>') return k + 1;
    at = k;
  }
  return html.size();
}

// Whether the start tag whose name ends at `name_end` and whose '>' is at `stop` (TagEnd)
// self-closes.
bool EndsSelfClosing(std::string_view html, size_t name_end, size_t stop) {
  bool self_closing = false;
  ScanAttributes(html.substr(0, stop + 1), name_end, &self_closing);
  return self_closing;
}

// The '>' that ends the start or end tag at `lt` as gumbo's tokenizer reads it: the first '>'
// outside a quoted attribute value, which is `first_gt` (the first '>' after `lt`) unless a
// quote comes before it. `size` when the tag runs to the end. "<div title='></div>'>" is one
// tag: seeing "</div>" there would pop the <div> gumbo keeps open.
size_t TagEnd(std::string_view html, size_t lt, size_t first_gt) {
  size_t i = lt + 1;
  if (i < html.size() && html[i] == '/') ++i;
  while (i < first_gt && !IsSpace(html[i]) && html[i] != '/') ++i;  // The name: no quoting.
  if (std::memchr(html.data() + i, '"', first_gt - i) == nullptr &&
      std::memchr(html.data() + i, '\'', first_gt - i) == nullptr) {
    return first_gt;
  }
  bool self_closing = false;
  return ScanAttributes(html, i, &self_closing);
}

struct Entry {
  GumboTag tag;
  uint64_t name_hash;
  uint64_t formatting_key;  // 0 unless a formatting element.
  uint32_t weight;
  uint32_t marker_serial;  // Non-zero for marker elements (td, th, caption, ...).
  bool foreign;            // <svg> or <math>.
  // An SVG/MathML element, not an integration point: while it is on top and foreign_epoch is
  // current, gumbo's current node is a foreign element too, where "/>" really self-closes.
  bool self_closes;
  uint32_t foreign_epoch;
};

class Scanner {
 public:
  Scanner(std::string_view html, const GuardLimits& limits) : html_(html), limits_(limits) {}
  GuardResult Run();

 private:
  // Every self-closing tag believed in foreign content is in the bound (and so in the work):
  // were the model wrong about where foreign content ends, each could be open in gumbo.
  uint64_t Bound() const { return depth_ + formatting_ + kSlack + forgiven_; }
  // What max_depth is held against: up to max_depth of those tags are excused, so a page of
  // icons passes and a crafted page gets gumbo's stack to twice the limit at most.
  uint64_t LimitedDepth() const {
    return Bound() - std::min(forgiven_, static_cast<uint64_t>(limits_.max_depth));
  }
  // Reconstruction re-creates the formatting elements gumbo popped since it last ran; only an
  // end tag or a start tag that closes elements can have popped one.
  uint64_t ReconstructUnits() const {
    return may_reconstruct_ ? formatting_ * (Bound() + kCloneUnits) : 0;
  }
  bool Cut(size_t at, GuardReason reason);
  bool Text(size_t begin, size_t end);
  bool StartTag(size_t lt, size_t stop);
  bool EndTag(size_t lt, size_t stop);
  void CloseImplied(GumboTag tag);
  void CloseTable();
  bool PopIf(GumboTag tag) { return PopIfAny({tag}); }
  bool PopIfAny(std::initializer_list<GumboTag> tags);
  void Push(const Tag& t, std::string_view attrs, bool in_foreign);
  bool InForeign() const {
    return !stack_.empty() && stack_.back().self_closes &&
           stack_.back().foreign_epoch == foreign_epoch_;
  }
  // Gumbo may have popped foreign elements the model keeps (a start tag breaking out of foreign
  // content, an end tag naming an element below the current node): from here on no element on
  // the modelled stack vouches for foreign content, until a new <svg> or <math> opens.
  void LeaveForeign() { ++foreign_epoch_; }
  void Pop();
  uint64_t FormattingKey(const Tag& t, std::string_view attrs) const;

  std::string_view html_;
  GuardLimits limits_;
  GuardResult result_;
  std::vector<Entry> stack_;
  std::unordered_map<uint64_t, uint32_t> formatting_counts_;
  uint64_t depth_ = 0;       // Sum of the weights on stack_.
  uint64_t formatting_ = 0;  // Bound of the active formatting list (Noah's ark per segment).
  uint64_t work_ = 0;
  uint64_t merged_attrs_ = 0;  // Attributes gumbo merged into <html>/<body> so far.
  uint32_t foreign_ = 0;       // <svg>/<math> on stack_: void tags may be real elements.
  uint64_t forgiven_ = 0;      // Self-closing tags in foreign content ("<path/>").
  uint32_t foreign_epoch_ = 0;
  uint32_t marker_serials_ = 0;
  std::vector<uint32_t> open_markers_;
  uint32_t templates_ = 0;  // <template> on stack_.
  bool no_quirks_ = false;  // The page starts with <!DOCTYPE html>: <table> closes a <p>.
  bool plaintext_ = false;  // After <plaintext> even tag bytes may be text to gumbo.
  bool may_reconstruct_ = false;
};

bool Scanner::Cut(size_t at, GuardReason reason) {
  while (at > 0 && at < html_.size() && (static_cast<unsigned char>(html_[at]) & 0xC0) == 0x80) {
    --at;
  }
  result_.cut = at;
  result_.reason = reason;
  return false;
}

// Every character gumbo inserts in body content first reconstructs the active formatting
// elements, which scans the stack of open elements once the list is not empty.
bool Scanner::Text(size_t begin, size_t end) {
  if (begin >= end) return true;
  uint64_t per_byte = formatting_ > 0 ? Bound() : 1;
  uint64_t bytes = end - begin;
  uint64_t fixed = kTextUnits + ReconstructUnits();
  if (work_ + fixed + bytes * per_byte > limits_.max_work) {
    uint64_t left = limits_.max_work > work_ + fixed ? limits_.max_work - work_ - fixed : 0;
    return Cut(begin + static_cast<size_t>(left / per_byte), GuardReason::kWork);
  }
  work_ += fixed + bytes * per_byte;
  may_reconstruct_ = false;
  return true;
}

uint64_t Scanner::FormattingKey(const Tag& t, std::string_view attrs) const {
  // Identical raw attribute bytes mean identical attributes; the converse need not hold, which
  // only overestimates the list.
  uint32_t segment = open_markers_.empty() ? 0 : open_markers_.back();
  uint64_t key = Fnv(attrs, t.name_hash ^ (uint64_t{segment} * 0x9E3779B97F4A7C15ull));
  return key == 0 ? 1 : key;
}

void Scanner::Push(const Tag& t, std::string_view attrs, bool in_foreign) {
  Entry e{t.tag, t.name_hash, 0, t.tag == GUMBO_TAG_TABLE ? kTableWeight : 1, 0, false, false, 0};
  if (OneOf(t.tag, kFormatting)) {
    e.formatting_key = FormattingKey(t, attrs);
    if (++formatting_counts_[e.formatting_key] <= kNoahsArk) ++formatting_;
  }
  if (OneOf(t.tag, kMarkers)) {
    e.marker_serial = ++marker_serials_;
    open_markers_.push_back(e.marker_serial);
  }
  e.foreign = t.tag == GUMBO_TAG_SVG || t.tag == GUMBO_TAG_MATH;
  e.self_closes = (e.foreign || in_foreign) && !OneOf(t.tag, kIntegrationPoints);
  e.foreign_epoch = foreign_epoch_;
  foreign_ += e.foreign;
  templates_ += t.tag == GUMBO_TAG_TEMPLATE;
  depth_ += e.weight;
  stack_.push_back(e);
}

void Scanner::Pop() {
  const Entry& e = stack_.back();
  if (e.formatting_key != 0) {
    auto it = formatting_counts_.find(e.formatting_key);
    if (it->second-- <= kNoahsArk) --formatting_;
    if (it->second == 0) formatting_counts_.erase(it);
  }
  if (e.marker_serial != 0) open_markers_.pop_back();
  foreign_ -= e.foreign;
  templates_ -= e.tag == GUMBO_TAG_TEMPLATE;
  depth_ -= e.weight;
  stack_.pop_back();
}

bool Scanner::PopIfAny(std::initializer_list<GumboTag> tags) {
  if (stack_.empty()) return false;
  GumboTag top = stack_.back().tag;
  if (std::find(tags.begin(), tags.end(), top) == tags.end()) return false;
  Pop();
  return true;
}

// The implicit closes in which gumbo pops (at least) its current node. Only the top of the
// modelled stack is ever popped: if it is a real element it is gumbo's current node too.
void Scanner::CloseImplied(GumboTag tag) {
  if (OneOf(tag, kClosesP) || (tag == GUMBO_TAG_TABLE && no_quirks_)) PopIf(GUMBO_TAG_P);
  if (OneOf(tag, kHeadings) && !stack_.empty() && OneOf(stack_.back().tag, kHeadings)) Pop();
  if (tag == GUMBO_TAG_LI) PopIf(GUMBO_TAG_LI);
  if (tag == GUMBO_TAG_DD || tag == GUMBO_TAG_DT) PopIfAny({GUMBO_TAG_DD, GUMBO_TAG_DT});
  if (OneOf(tag, kCells) || tag == GUMBO_TAG_TR || OneOf(tag, kSections)) {
    PopIfAny({GUMBO_TAG_TD, GUMBO_TAG_TH});
  }
  if (tag == GUMBO_TAG_TR || OneOf(tag, kSections)) PopIf(GUMBO_TAG_TR);
  if (OneOf(tag, kSections)) PopIfAny({GUMBO_TAG_TBODY, GUMBO_TAG_THEAD, GUMBO_TAG_TFOOT});
  // (<optgroup> closes an open <optgroup> only in select mode, which this model cannot know.)
  if (tag == GUMBO_TAG_OPTION || tag == GUMBO_TAG_OPTGROUP) PopIf(GUMBO_TAG_OPTION);
  if (tag == GUMBO_TAG_A || tag == GUMBO_TAG_NOBR || tag == GUMBO_TAG_BUTTON) PopIf(tag);
}

bool Scanner::StartTag(size_t lt, size_t stop) {
  Tag t = ReadName(html_, lt + 1, stop);
  std::string_view attrs = html_.substr(t.name_end, stop - t.name_end);
  uint64_t n_attrs = CountAttrs(attrs);
  uint64_t units = kNodeUnits + Bound() + formatting_ + ReconstructUnits() +
                   kAttrPairUnits * n_attrs * (n_attrs > 0 ? n_attrs - 1 : 0) / 2;
  bool html_content = foreign_ == 0;
  if (html_content && (t.tag == GUMBO_TAG_HTML || t.tag == GUMBO_TAG_BODY)) {
    units += kMergePairUnits * n_attrs * merged_attrs_;  // Merged into the existing element.
    merged_attrs_ += n_attrs;
  }
  if (++result_.elements > limits_.max_elements) {
    --result_.elements;
    return Cut(lt, GuardReason::kElements);
  }
  if (work_ + units > limits_.max_work) return Cut(lt, GuardReason::kWork);
  work_ += units;
  may_reconstruct_ = !OneOf(t.tag, kNeverPops);
  if (html_content) CloseImplied(t.tag);
  bool in_foreign = InForeign();
  if (in_foreign && OneOf(t.tag, kBreaksOut)) {
    LeaveForeign();
    in_foreign = false;
  }
  // "<svg/>" and "<math/>" are popped at once wherever they appear (and a "<svg/>" the model
  // sees but gumbo does not is no element at all); a self-closing element in foreign content is
  // popped too, which the model believes only within limits (see LimitedDepth).
  // (Only read where it matters: XHTML pages write "<br />" and "<img ... />" everywhere.)
  bool root = t.tag == GUMBO_TAG_SVG || t.tag == GUMBO_TAG_MATH;
  bool self_closing = (root || in_foreign) && stop > t.name_end && html_[stop - 1] == '/' &&
                      EndsSelfClosing(html_, t.name_end, stop);
  if (self_closing && root) {
    // Not pushed.
  } else if (self_closing && in_foreign) {
    ++forgiven_;
  } else if (!html_content || !OneOf(t.tag, kNoPush)) {
    // In foreign content void names are ordinary elements, so only HTML content skips them.
    Push(t, attrs, in_foreign);
  }
  if (LimitedDepth() > static_cast<uint64_t>(limits_.max_depth)) {
    return Cut(lt, GuardReason::kDepth);
  }
  result_.max_depth = std::max(result_.max_depth, static_cast<int>(Bound()));
  plaintext_ = plaintext_ || t.tag == GUMBO_TAG_PLAINTEXT;
  return true;
}

bool Scanner::EndTag(size_t lt, size_t stop) {
  Tag t = ReadName(html_, lt + 2, stop);
  // Gumbo's tokenizer reads an end tag's attributes as a start tag's (each checked against
  // those before it) before it drops them: 100,000 of them held it for ten minutes.
  const uint64_t n_attrs = CountAttrs(html_.substr(t.name_end, stop - t.name_end));
  uint64_t units = kEndUnits + kAdoptionRounds * (Bound() + formatting_) +
                   kAttrPairUnits * n_attrs * (n_attrs > 0 ? n_attrs - 1 : 0) / 2;
  if (work_ + units > limits_.max_work) return Cut(lt, GuardReason::kWork);
  work_ += units;
  may_reconstruct_ = true;
  if (stack_.empty() || t.tag == GUMBO_TAG_HTML || t.tag == GUMBO_TAG_BODY) return true;
  const Entry& top = stack_.back();
  bool same = t.tag == GUMBO_TAG_UNKNOWN
                  ? top.tag == GUMBO_TAG_UNKNOWN && top.name_hash == t.name_hash
                  : top.tag == t.tag;
  // </h2> closes an open <h3>: gumbo pops until any heading.
  if (!same) LeaveForeign();
  if (same || (OneOf(t.tag, kHeadings) && OneOf(top.tag, kHeadings))) {
    Pop();
  } else if (t.tag == GUMBO_TAG_TABLE && templates_ == 0 && foreign_ == 0) {
    CloseTable();
  }
  return true;
}

// </table> with the rows and cells left open, as sloppy pages close tables. A real cell, row or
// section is only ever open inside a real table, in which gumbo's </table> pops everything up
// to and including that table; so each table part on top is popped by gumbo too. (Inside a
// <template> a row may sit above a boundary that keeps its table out of scope, and inside <svg>
// a <td> is an SVG element that </table> does not close.)
void Scanner::CloseTable() {
  static constexpr TagSet kParts{GUMBO_TAG_TD,    GUMBO_TAG_TH,    GUMBO_TAG_TR,
                                 GUMBO_TAG_TBODY, GUMBO_TAG_THEAD, GUMBO_TAG_TFOOT};
  while (!stack_.empty() && OneOf(stack_.back().tag, kParts)) Pop();
  PopIf(GUMBO_TAG_TABLE);
}

// Gumbo's first token is then a doctype named "html" without identifiers: no-quirks mode. Any
// other doctype is treated as quirks, where <table> leaves a <p> open.
bool StartsNoQuirks(std::string_view html) {
  size_t i = 0;
  while (i < html.size() && IsSpace(html[i])) ++i;
  constexpr std::string_view kDoctype = "<!doctype html";
  if (html.size() - i < kDoctype.size() + 1) return false;
  for (size_t k = 0; k < kDoctype.size(); ++k, ++i) {
    char c = html[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
    if (c != kDoctype[k]) return false;
  }
  while (i < html.size() && IsSpace(html[i])) ++i;
  return i < html.size() && html[i] == '>';
}

GuardResult Scanner::Run() {
  no_quirks_ = StartsNoQuirks(html_);
  result_.max_depth = static_cast<int>(Bound());  // html, head, body even for empty input.
  size_t text_start = 0;
  size_t i = 0;
  size_t shadow = 0;  // End of the last comment or tag the scan has seen (see below).
  const size_t size = html_.size();
  while (true) {
    const void* hit = i < size ? std::memchr(html_.data() + i, '<', size - i) : nullptr;
    if (hit == nullptr) {
      Text(text_start, size);
      break;
    }
    size_t lt = static_cast<size_t>(static_cast<const char*>(hit) - html_.data());
    char next = lt + 1 < size ? html_[lt + 1] : '\0';
    if (!IsAlpha(next) && next != '/' && next != '!' && next != '?') {
      i = lt + 1;  // A '<' gumbo keeps as text.
      continue;
    }
    if (!Text(text_start, lt)) break;
    // A tag, comment or declaration: gumbo's state after it is data at the earliest right after
    // the first '>', so nothing before that '>' can start a tag gumbo sees.
    const void* gt_hit = std::memchr(html_.data() + lt + 1, '>', size - lt - 1);
    size_t stop =
        gt_hit ? static_cast<size_t>(static_cast<const char*>(gt_hit) - html_.data()) : size;
    // A comment or a quoted attribute value can hold '>': the token then ends further on
    // (`shadow`). End tags up to there are text to gumbo and must not pop the model's stack.
    // The scan still goes on from the first '>', counting the start tags and text it finds
    // there: were the token not what it looks like (a "<!--" inside a <script>, which gumbo
    // reads as script text), the model only holds more open than gumbo does.
    if (next == '!' && html_.compare(lt, 4, "<!--") == 0) {
      shadow = std::max(shadow, CommentEnd(html_, lt));
    }
    bool ok = true;
    if (IsAlpha(next)) {
      const size_t end = gt_hit ? TagEnd(html_, lt, stop) : size;
      shadow = std::max(shadow, end);
      ok = StartTag(lt, end);  // Every attribute gumbo reads, up to the real end.
    } else if (next == '/' && lt + 2 < size && IsAlpha(html_[lt + 2])) {
      const size_t end = gt_hit ? TagEnd(html_, lt, stop) : size;
      if (lt >= shadow) ok = EndTag(lt, end);
      shadow = std::max(shadow, end);
    }
    if (ok && plaintext_) ok = Text(lt, stop);  // Gumbo may read it all as body text.
    if (!ok || gt_hit == nullptr) break;
    i = text_start = stop + 1;
  }
  result_.work = work_;
  return result_;
}

}  // namespace

const char* GuardReasonName(GuardReason reason) {
  switch (reason) {
    case GuardReason::kNone:
      return "";
    case GuardReason::kDepth:
      return "depth";
    case GuardReason::kElements:
      return "elements";
    case GuardReason::kWork:
      return "work";
  }
  return "";
}

GuardResult GuardHtml(std::string_view html, const GuardLimits& limits) {
  return Scanner(html, limits).Run();
}

size_t DefuseCdata(std::string* html) {
  constexpr std::string_view kCdata = "<![CDATA[";
  size_t count = 0;
  for (size_t at = html->find(kCdata); at != std::string::npos; at = html->find(kCdata, at + 3)) {
    (*html)[at + 2] = '-';
    ++count;
  }
  return count;
}

}  // namespace tincrawl

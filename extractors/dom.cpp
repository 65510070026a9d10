#include "extractors/dom.h"

#include <algorithm>
#include <cstring>

#include "extractors/gumbo_arena.h"
#include "extractors/parse_guard.h"
#include "extractors/text.h"

namespace tincrawl {
namespace {

bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (IsSpace(s.front()) || static_cast<unsigned char>(s.front()) < 0x20)) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (IsSpace(s.back()) || static_cast<unsigned char>(s.back()) < 0x20)) {
    s.remove_suffix(1);
  }
  return s;
}

// The five components of RFC 3986 section 3; `has_*` distinguish empty from absent.
struct UrlParts {
  std::string_view scheme, authority, path, query, fragment;
  bool has_scheme = false, has_authority = false, has_query = false, has_fragment = false;
};

UrlParts SplitUrl(std::string_view s) {
  UrlParts p;
  size_t i = 0;
  while (i < s.size() &&
         (IsAlpha(s[i]) || (i > 0 && (isdigit(static_cast<unsigned char>(s[i])) || s[i] == '+' ||
                                      s[i] == '-' || s[i] == '.')))) {
    ++i;
  }
  if (i > 0 && i < s.size() && s[i] == ':') {
    p.scheme = s.substr(0, i);
    p.has_scheme = true;
    s.remove_prefix(i + 1);
  }
  if (size_t hash = s.find('#'); hash != std::string_view::npos) {
    p.fragment = s.substr(hash + 1);
    p.has_fragment = true;
    s = s.substr(0, hash);
  }
  if (size_t q = s.find('?'); q != std::string_view::npos) {
    p.query = s.substr(q + 1);
    p.has_query = true;
    s = s.substr(0, q);
  }
  if (s.substr(0, 2) == "//") {
    s.remove_prefix(2);
    size_t slash = s.find('/');
    p.authority = s.substr(0, slash);
    p.has_authority = true;
    s = slash == std::string_view::npos ? std::string_view() : s.substr(slash);
  }
  p.path = s;
  return p;
}

// RFC 3986 section 5.2.4.
std::string RemoveDotSegments(std::string_view in) {
  std::string out;
  while (!in.empty()) {
    if (in.substr(0, 3) == "../") {
      in.remove_prefix(3);
    } else if (in.substr(0, 2) == "./") {
      in.remove_prefix(2);
    } else if (in.substr(0, 3) == "/./") {
      in.remove_prefix(2);
    } else if (in == "/.") {
      in = "/";
    } else if (in.substr(0, 4) == "/../" || in == "/..") {
      in = in.size() == 3 ? std::string_view("/") : in.substr(3);
      size_t cut = out.rfind('/');
      out.resize(cut == std::string::npos ? 0 : cut);
    } else if (in == "." || in == "..") {
      in = {};
    } else {
      size_t next = in.find('/', 1);
      if (next == std::string_view::npos) next = in.size();
      out.append(in.substr(0, next));
      in.remove_prefix(next);
    }
  }
  return out;
}

std::string MergePaths(const UrlParts& base, std::string_view ref_path) {
  if (base.has_authority && base.path.empty()) {
    std::string out(1, '/');
    out.append(ref_path);
    return out;
  }
  size_t slash = base.path.rfind('/');
  if (slash == std::string_view::npos) return std::string(ref_path);
  return std::string(base.path.substr(0, slash + 1)) + std::string(ref_path);
}

std::string Compose(std::string_view scheme, bool has_auth, std::string_view auth,
                    std::string_view path, bool has_query, std::string_view query,
                    bool has_fragment, std::string_view fragment) {
  std::string out;
  for (char c : scheme) out += LowerAscii(c);
  out += ':';
  if (has_auth) {
    out += "//";
    out.append(auth);
  }
  out.append(path);
  if (has_query) {
    out += '?';
    out.append(query);
  }
  if (has_fragment) {
    out += '#';
    out.append(fragment);
  }
  return out;
}

// Percent-encodes spaces and control bytes that real pages leave raw inside href values.
std::string EscapeUnsafe(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f || c == '"' || c == '<' || c == '>' || c == '\\') {
      if (c == '\\') {
        out += '/';
        continue;
      }
      static const char kHex[] = "0123456789ABCDEF";
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 15];
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

void GumboOutputDeleter::operator()(GumboOutput* output) const {
  if (arena != nullptr) {
    delete arena;  // The tree lives in it.
  } else if (output != nullptr) {
    gumbo_destroy_output(&kGumboDefaultOptions, output);
  }
}

GumboOutputPtr ParseHtml(std::string_view utf8, bool* aborted) {
  GumboOptions options = kGumboDefaultOptions;
  options.max_errors = 0;
  auto arena = std::make_unique<GumboArena>();
  arena->Install(&options);
  GumboOutput* output = ParseGumboOrNull(&options, utf8.data(), utf8.size());
  if (aborted != nullptr) *aborted = output == nullptr;
  if (output == nullptr) {
    // gumbo gave up on the page: an empty document keeps every caller's tree walk valid.
    arena = std::make_unique<GumboArena>();
    arena->Install(&options);
    output = gumbo_parse_with_options(&options, "", 0);
  }
  return GumboOutputPtr(output, GumboOutputDeleter{arena.release()});
}

std::string_view TagName(const GumboNode* node) {
  if (!IsElement(node)) return {};
  const GumboElement& el = node->v.element;
  if (el.tag != GUMBO_TAG_UNKNOWN) return gumbo_normalized_tagname(el.tag);
  GumboStringPiece piece = el.original_tag;
  if (piece.data == nullptr || piece.length == 0) return {};
  gumbo_tag_from_original_text(&piece);
  return std::string_view(piece.data, piece.length);
}

const char* GetAttr(const GumboNode* node, std::string_view name) {
  if (!IsElement(node)) return nullptr;
  const GumboVector& attrs = node->v.element.attributes;
  for (unsigned i = 0; i < attrs.length; ++i) {
    const auto* attr = static_cast<const GumboAttribute*>(attrs.data[i]);
    // Compared in place (no strlen of every attribute name): `name` holds no NUL, so a match
    // of its bytes followed by the name's terminator is equality.
    if (std::strncmp(attr->name, name.data(), name.size()) == 0 && attr->name[name.size()] == 0) {
      return attr->value;
    }
  }
  return nullptr;
}

std::vector<std::string_view> ClassList(const GumboNode* node) {
  std::vector<std::string_view> out;
  const char* cls = GetAttr(node, "class");
  if (cls == nullptr) return out;
  std::string_view s(cls);
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && IsSpace(s[i])) ++i;
    size_t start = i;
    while (i < s.size() && !IsSpace(s[i])) ++i;
    if (i > start) out.push_back(s.substr(start, i - start));
  }
  return out;
}

bool HasClass(const GumboNode* node, std::string_view cls) {
  const char* attr = GetAttr(node, "class");
  if (attr == nullptr) return false;
  std::string_view s(attr);
  size_t pos = 0;
  while ((pos = s.find(cls, pos)) != std::string_view::npos) {
    bool left = pos == 0 || IsSpace(s[pos - 1]);
    size_t end = pos + cls.size();
    bool right = end == s.size() || IsSpace(s[end]);
    if (left && right) return true;
    pos = end;
  }
  return false;
}

namespace {

// A browser runs scripts and reads a <noscript> as raw text up to the first "</noscript>".
// Parsed without scripting, "<noscript><div></noscript>" can leave the div open and the rest of
// the page inside the noscript element. Such an element spans, in the source, past the first
// "</noscript>" after its start tag: what it holds beyond that is what a browser shows.
bool SwallowedPage(const GumboElement& e) {
  if (e.original_tag.data == nullptr || e.original_end_tag.data == nullptr) return false;
  const char* from = e.original_tag.data + e.original_tag.length;
  const char* to = e.original_end_tag.data;
  if (to <= from) return false;
  return ContainsIgnoreCase(std::string_view(from, static_cast<size_t>(to - from)), "</noscript");
}

}  // namespace

bool IsInvisible(const GumboNode* node) {
  if (!IsElement(node)) return false;
  switch (node->v.element.tag) {
    case GUMBO_TAG_NOSCRIPT:
      return !SwallowedPage(node->v.element);
    case GUMBO_TAG_SCRIPT:
    case GUMBO_TAG_STYLE:
    case GUMBO_TAG_TEMPLATE:
    case GUMBO_TAG_IFRAME:
    case GUMBO_TAG_OBJECT:
    case GUMBO_TAG_EMBED:
    case GUMBO_TAG_SVG:
    case GUMBO_TAG_MATH:
    case GUMBO_TAG_HEAD:
    case GUMBO_TAG_TITLE:
    case GUMBO_TAG_SELECT:
    case GUMBO_TAG_TEXTAREA:
    case GUMBO_TAG_CANVAS:
    case GUMBO_TAG_VIDEO:
    case GUMBO_TAG_AUDIO:
    // Ruby annotations (furigana, pinyin) are read aloud, not read: the text is the base.
    case GUMBO_TAG_RT:
    case GUMBO_TAG_RP:
      return true;
    default:
      return false;
  }
}

bool IsBlockTag(GumboTag tag) {
  switch (tag) {
    case GUMBO_TAG_P:
    case GUMBO_TAG_DIV:
    case GUMBO_TAG_LI:
    case GUMBO_TAG_UL:
    case GUMBO_TAG_OL:
    case GUMBO_TAG_DL:
    case GUMBO_TAG_DT:
    case GUMBO_TAG_DD:
    case GUMBO_TAG_H1:
    case GUMBO_TAG_H2:
    case GUMBO_TAG_H3:
    case GUMBO_TAG_H4:
    case GUMBO_TAG_H5:
    case GUMBO_TAG_H6:
    case GUMBO_TAG_TABLE:
    case GUMBO_TAG_TBODY:
    case GUMBO_TAG_THEAD:
    case GUMBO_TAG_TFOOT:
    case GUMBO_TAG_TR:
    case GUMBO_TAG_TD:
    case GUMBO_TAG_TH:
    case GUMBO_TAG_CAPTION:
    case GUMBO_TAG_BLOCKQUOTE:
    case GUMBO_TAG_PRE:
    case GUMBO_TAG_SECTION:
    case GUMBO_TAG_ARTICLE:
    case GUMBO_TAG_ASIDE:
    case GUMBO_TAG_HEADER:
    case GUMBO_TAG_FOOTER:
    case GUMBO_TAG_NAV:
    case GUMBO_TAG_MAIN:
    case GUMBO_TAG_FIGURE:
    case GUMBO_TAG_FIGCAPTION:
    case GUMBO_TAG_FORM:
    case GUMBO_TAG_FIELDSET:
    case GUMBO_TAG_ADDRESS:
    case GUMBO_TAG_HR:
    case GUMBO_TAG_CENTER:
    case GUMBO_TAG_BODY:
    case GUMBO_TAG_HTML:
      return true;
    default:
      return false;
  }
}

void AppendRawText(const GumboNode* root, std::string* out) {
  if (root == nullptr) return;
  std::vector<const GumboNode*> stack{root};
  while (!stack.empty()) {
    const GumboNode* node = stack.back();
    stack.pop_back();
    if (node == nullptr) {  // End of a block element.
      out->push_back(' ');
      continue;
    }
    if (node->type == GUMBO_NODE_TEXT || node->type == GUMBO_NODE_WHITESPACE ||
        node->type == GUMBO_NODE_CDATA) {
      out->append(node->v.text.text);
      continue;
    }
    // The root itself is read even when invisible, so <title> has text.
    if (!IsElement(node) || (node != root && IsInvisible(node))) continue;
    GumboTag tag = node->v.element.tag;
    if (tag == GUMBO_TAG_BR || IsBlockTag(tag)) out->push_back(' ');
    if (IsBlockTag(tag)) stack.push_back(nullptr);
    const GumboVector& kids = node->v.element.children;
    for (unsigned i = kids.length; i > 0; --i) {
      stack.push_back(static_cast<const GumboNode*>(kids.data[i - 1]));
    }
  }
}

std::string NodeText(const GumboNode* root) {
  std::string raw;
  AppendRawText(root, &raw);
  return CleanText(raw);
}

std::string ResolveUrl(std::string_view base, std::string_view ref) {
  std::string ref_clean = EscapeUnsafe(Trim(ref));
  UrlParts r = SplitUrl(ref_clean);
  if (r.has_scheme) {
    std::string path = r.has_authority || (!r.path.empty() && r.path[0] == '/')
                           ? RemoveDotSegments(r.path)
                           : std::string(r.path);
    return Compose(r.scheme, r.has_authority, r.authority, path, r.has_query, r.query,
                   r.has_fragment, r.fragment);
  }
  UrlParts b = SplitUrl(base);
  if (!b.has_scheme) return ref_clean;
  if (r.has_authority) {
    return Compose(b.scheme, true, r.authority, RemoveDotSegments(r.path), r.has_query, r.query,
                   r.has_fragment, r.fragment);
  }
  if (r.path.empty()) {
    bool q = r.has_query || b.has_query;
    return Compose(b.scheme, b.has_authority, b.authority, b.path, q,
                   r.has_query ? r.query : b.query, r.has_fragment, r.fragment);
  }
  std::string path =
      r.path[0] == '/' ? RemoveDotSegments(r.path) : RemoveDotSegments(MergePaths(b, r.path));
  return Compose(b.scheme, b.has_authority, b.authority, path, r.has_query, r.query, r.has_fragment,
                 r.fragment);
}

size_t FindIgnoreCase(std::string_view haystack, std::string_view needle, size_t from) {
  if (needle.size() > haystack.size()) return std::string_view::npos;
  for (size_t i = from; i + needle.size() <= haystack.size(); ++i) {
    size_t j = 0;
    while (j < needle.size() && LowerAscii(haystack[i + j]) == needle[j]) ++j;
    if (j == needle.size()) return i;
  }
  return std::string_view::npos;
}

bool ContainsIgnoreCase(std::string_view haystack, std::string_view needle) {
  return FindIgnoreCase(haystack, needle) != std::string_view::npos;
}

}  // namespace tincrawl

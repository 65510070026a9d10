#include "extractors/body_html.h"

#include <cstdlib>
#include <vector>

// body_html: the allow-listed HTML copy of the article content.

namespace tincrawl {
namespace {

void AppendEscaped(std::string_view s, bool attr, std::string* out) {
  bool space = false;
  for (char c : s) {
    if (c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f') {
      space = true;
      continue;
    }
    if (space) out->push_back(' ');
    space = false;
    switch (c) {
      case '&':
        out->append("&amp;");
        break;
      case '<':
        out->append("&lt;");
        break;
      case '>':
        out->append("&gt;");
        break;
      case '"':
        if (attr) {
          out->append("&quot;");
          break;
        }
        [[fallthrough]];
      default:
        out->push_back(c);
    }
  }
  if (space) out->push_back(' ');
}

// The allow-listed output tag for `node`, or nullptr to unwrap it.
const char* OutputTag(const GumboNode* node) {
  switch (node->v.element.tag) {
    case GUMBO_TAG_P:
      return "p";
    case GUMBO_TAG_BR:
      return "br";
    case GUMBO_TAG_B:
      return "b";
    case GUMBO_TAG_STRONG:
      return "strong";
    case GUMBO_TAG_I:
      return "i";
    case GUMBO_TAG_EM:
      return "em";
    case GUMBO_TAG_U:
      return "u";
    case GUMBO_TAG_UL:
      return "ul";
    case GUMBO_TAG_OL:
      return "ol";
    case GUMBO_TAG_LI:
      return "li";
    case GUMBO_TAG_TABLE:
      return "table";
    case GUMBO_TAG_THEAD:
      return "thead";
    case GUMBO_TAG_TBODY:
      return "tbody";
    case GUMBO_TAG_TR:
      return "tr";
    case GUMBO_TAG_TD:
      return "td";
    case GUMBO_TAG_TH:
      return "th";
    case GUMBO_TAG_H1:
    case GUMBO_TAG_H2:
      return "h2";
    case GUMBO_TAG_H3:
      return "h3";
    case GUMBO_TAG_H4:
      return "h4";
    case GUMBO_TAG_H5:
      return "h5";
    case GUMBO_TAG_H6:
      return "h6";
    case GUMBO_TAG_BLOCKQUOTE:
      return "blockquote";
    case GUMBO_TAG_A:
      return "a";
    case GUMBO_TAG_IMG:
      return "img";
    case GUMBO_TAG_FIGURE:
      return "figure";
    case GUMBO_TAG_FIGCAPTION:
      return "figcaption";
    default:
      return nullptr;
  }
}

// A div-like wrapper holding text directly (and no block children) becomes a <p>.
bool IsTextDiv(const GumboNode* node) {
  GumboTag t = node->v.element.tag;
  if (t != GUMBO_TAG_DIV && t != GUMBO_TAG_SECTION && t != GUMBO_TAG_ARTICLE &&
      t != GUMBO_TAG_CENTER) {
    return false;
  }
  bool text = false;
  const GumboVector& kids = node->v.element.children;
  for (unsigned i = 0; i < kids.length; ++i) {
    const auto* kid = static_cast<const GumboNode*>(kids.data[i]);
    if (IsElement(kid) && IsBlockTag(kid->v.element.tag)) return false;
    text = text || kid->type == GUMBO_NODE_TEXT;
  }
  return text;
}

class HtmlWriter {
 public:
  HtmlWriter(const NodeSet& skip, const NodeSet& captions, std::string_view base, std::string* out)
      : skip_(skip), captions_(captions), base_(base), out_(out) {}

  void Write(const GumboNode* root) {
    struct Frame {
      const GumboNode* node;
      unsigned next;
      const char* tag;
    };
    std::vector<Frame> stack;
    stack.push_back({root, 0, nullptr});
    while (!stack.empty()) {
      Frame& top = stack.back();
      const GumboVector& kids = top.node->v.element.children;
      if (top.next >= kids.length) {
        if (top.tag != nullptr) Close(top.tag);
        stack.pop_back();
        continue;
      }
      const auto* kid = static_cast<const GumboNode*>(kids.data[top.next++]);
      if (kid->type == GUMBO_NODE_TEXT || kid->type == GUMBO_NODE_WHITESPACE ||
          kid->type == GUMBO_NODE_CDATA) {
        AppendEscaped(kid->v.text.text, false, out_);
        continue;
      }
      if (!IsElement(kid) || skip_.count(kid) != 0 || IsInvisible(kid)) continue;
      const char* tag = Open(kid);
      if (tag != nullptr && (std::string_view(tag) == "br" || std::string_view(tag) == "img")) {
        continue;
      }
      stack.push_back({kid, 0, tag});
    }
  }

 private:
  const char* Open(const GumboNode* node) {
    const char* tag = captions_.count(node) != 0 ? "figcaption" : OutputTag(node);
    if (tag == nullptr && IsTextDiv(node)) tag = "p";
    if (tag == nullptr) return nullptr;
    std::string_view t(tag);
    if (t == "img") {
      std::string src = ImageSource(node, base_);
      if (src.empty() || IsTinyImage(node)) return nullptr;
      out_->append("<img src=\"");
      AppendEscaped(src, true, out_);
      out_->append("\"");
      if (const char* alt = GetAttr(node, "alt"); alt != nullptr && *alt != '\0') {
        out_->append(" alt=\"");
        AppendEscaped(alt, true, out_);
        out_->append("\"");
      }
      out_->append(">");
      return tag;
    }
    out_->push_back('<');
    out_->append(t);
    if (t == "a") {
      const char* href = GetAttr(node, "href");
      std::string url = href ? ResolveUrl(base_, href) : std::string();
      if (url.rfind("javascript:", 0) != 0 && !url.empty()) {
        out_->append(" href=\"");
        AppendEscaped(url, true, out_);
        out_->append("\"");
      }
    }
    out_->push_back('>');
    return tag;
  }

  void Close(const char* tag) {
    out_->append("</");
    out_->append(tag);
    out_->push_back('>');
  }

  const NodeSet& skip_;
  const NodeSet& captions_;
  std::string_view base_;
  std::string* out_;
};

}  // namespace

std::string ImageSource(const GumboNode* img, std::string_view base) {
  for (const char* name : {"src", "data-src", "data-original"}) {
    const char* v = GetAttr(img, name);
    if (v == nullptr || *v == '\0') continue;
    std::string_view sv(v);
    if (sv.rfind("data:", 0) == 0) return {};
    return ResolveUrl(base, sv);
  }
  return {};
}

bool IsTinyImage(const GumboNode* img) {
  for (const char* name : {"width", "height"}) {
    const char* v = GetAttr(img, name);
    if (v != nullptr && *v >= '0' && *v <= '9' && std::atoi(v) < 40) return true;
  }
  return false;
}

void WriteBodyHtml(const GumboNode* root, const NodeSet& skip, const NodeSet& captions,
                   std::string_view base, std::string* out) {
  HtmlWriter writer(skip, captions, base, out);
  writer.Write(root);
}

}  // namespace tincrawl

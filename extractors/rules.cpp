#include "extractors/rules.h"

#include <memory>

#include "extractors/byline.h"
#include "extractors/content.h"
#include "extractors/selector.h"
#include "extractors/text.h"

namespace tincrawl {
namespace {

std::unique_ptr<Selector> Compile(const std::string& text, bool* ok) {
  if (text.empty()) return nullptr;
  std::string error;
  auto sel = Selector::Parse(text, &error);
  if (sel == nullptr) *ok = false;
  return sel;
}

const GumboNode* First(const Selector* sel, const GumboNode* root) {
  return sel == nullptr ? nullptr : sel->SelectFirst(root);
}

// The first match in the title's neighbourhood (its closest ancestors first), so a sidebar's
// "news-date" earlier in the page does not win over the article's own date line.
const GumboNode* NearFirst(const Selector* sel, const GumboNode* anchor, const GumboNode* root) {
  if (sel == nullptr) return nullptr;
  const GumboNode* up = anchor->parent;
  for (int hops = 0; hops < 4 && IsElement(up) && up != root; ++hops, up = up->parent) {
    if (const GumboNode* hit = sel->SelectFirst(up)) return hit;
  }
  return sel->SelectFirst(root);
}

bool IsInside(const GumboNode* node, const GumboNode* ancestor) {
  for (const GumboNode* up = node; up != nullptr; up = up->parent) {
    if (up == ancestor) return true;
  }
  return false;
}

// Top-level matches only: a match nested in an earlier match is already part of it.
std::vector<const GumboNode*> OuterMatches(const Selector& sel, const GumboNode* root) {
  std::vector<const GumboNode*> out;
  for (const GumboNode* node : sel.SelectAll(root)) {
    if (out.empty() || !IsInside(node, out.back())) out.push_back(node);
  }
  return out;
}

// The author element's text: a signature goes to author, a CMS account or role to posted_by (so
// the printed signature in the body can still win), a "Theo …" credit to source.
void TakeAuthorElement(const std::string& text, Article* article) {
  Credit c = ClassifyCredit(text, true);
  if (c.kind == CreditKind::kPostedBy) {
    article->posted_by = std::move(c.value);
  } else if (c.kind == CreditKind::kSource) {
    article->source = std::move(c.value);
  } else if (!text.empty()) {
    article->author = c.kind == CreditKind::kAuthor ? std::move(c.value) : CleanByline(text);
  }
}

}  // namespace

bool ExtractWithRules(const Page& page, const ExtractRules& rules, Article* article) {
  bool ok = true;
  auto title_sel = Compile(rules.title, &ok);
  auto date_sel = Compile(rules.date, &ok);
  auto author_sel = Compile(rules.author, &ok);
  auto summary_sel = Compile(rules.summary, &ok);
  auto body_sel = Compile(rules.body, &ok);
  std::vector<std::unique_ptr<Selector>> removes;
  for (const auto& r : rules.remove) {
    if (auto sel = Compile(r, &ok)) removes.push_back(std::move(sel));
  }
  if (!ok || title_sel == nullptr || body_sel == nullptr) return false;
  const GumboNode* title = First(title_sel.get(), page.body);
  std::vector<const GumboNode*> roots = OuterMatches(*body_sel, page.body);
  if (title == nullptr || roots.empty()) return false;
  article->title = NodeText(title);
  if (article->title.empty()) return false;

  const GumboNode* date = NearFirst(date_sel.get(), title, page.body);
  const GumboNode* author = NearFirst(author_sel.get(), title, page.body);
  const GumboNode* summary = NearFirst(summary_sel.get(), title, page.body);
  NodeSet skip{title};
  for (const GumboNode* n : {date, author, summary}) {
    if (n != nullptr) skip.insert(n);
  }
  for (const auto& sel : removes) {
    for (const GumboNode* root : roots) {
      for (const GumboNode* n : sel->SelectAll(root)) skip.insert(n);
    }
  }
  article->published = DateOfElement(date, rules.date_formats);
  if (article->published.empty()) article->published = page.meta_published;
  if (article->published.empty()) article->published = DateNear(title, rules.date_formats);
  article->modified = page.meta_modified;
  if (author != nullptr) TakeAuthorElement(NodeText(author), article);
  if (summary != nullptr) article->summary = NodeText(summary);

  BodyOptions options;
  options.base_url = page.base_url;
  options.title = article->title;
  options.detect_byline = article->author.empty();
  BodyResult body = BuildBody(roots, &skip, options);
  article->body = JoinParagraphs(body.paragraphs);
  if (article->body.size() < kMinRuleBodyBytes) return false;
  if (article->author.empty()) article->author = body.byline;
  if (article->posted_by.empty()) article->posted_by = body.posted_by;
  if (article->source.empty()) article->source = body.source;
  article->body_html = std::move(body.html);
  article->images = std::move(body.images);
  article->attachments = std::move(body.attachments);
  article->page_kind = PageKind::kArticle;
  return true;
}

}  // namespace tincrawl

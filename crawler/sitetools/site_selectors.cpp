// Proposes and verifies extraction selectors from sample article pages.
#include "crawler/sitetools/site_selectors.h"

#include <algorithm>
#include <cctype>
#include <functional>

#include "extractors/charset.h"
#include "extractors/dom.h"
#include "extractors/extract.h"
#include "extractors/page.h"

namespace tincrawl {

namespace {

constexpr size_t kMaxCandidates = 10;
constexpr int kAncestorHops = 3;

struct Sample {
  const SamplePage* page;
  Article ref;
};

struct Element {
  const GumboNode* node;
  std::string text;
};

using Field = std::string ExtractRules::*;

Article Run(const SamplePage& p, const ExtractRules* rules) {
  ExtractInput in;
  in.bytes = p.bytes;
  in.url = p.url;
  in.content_type = p.content_type;
  in.rules = rules;
  in.generic_only = rules == nullptr;
  return Extract(in);
}

bool UsableName(std::string_view s) {
  if (s.empty() || s.size() > 60 || std::isdigit(static_cast<unsigned char>(s[0]))) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
  });
}

// "tag.class", ".class" and "#id" for one element.
std::vector<std::string> SimpleSelectors(const GumboNode* node) {
  std::vector<std::string> out;
  std::string tag(TagName(node));
  if (tag == "body" || tag == "html") return out;
  for (std::string_view cls : ClassList(node)) {
    if (!UsableName(cls)) continue;
    out.push_back(tag + "." + std::string(cls));
    out.push_back("." + std::string(cls));
  }
  const char* id = GetAttr(node, "id");
  if (id != nullptr && UsableName(id)) out.push_back("#" + std::string(id));
  return out;
}

// Selectors for `node` itself, then "<ancestor selector> <tag>" for its closest ancestors.
std::vector<std::string> Candidates(const GumboNode* node) {
  std::vector<std::string> out = SimpleSelectors(node);
  std::string tag(TagName(node));
  const GumboNode* up = node->parent;
  for (int hop = 0; hop < kAncestorHops && IsElement(up); ++hop, up = up->parent) {
    for (const auto& s : SimpleSelectors(up)) out.push_back(s + " " + tag);
  }
  if (out.size() > kMaxCandidates) out.resize(kMaxCandidates);
  return out;
}

std::vector<Element> Elements(const Page& page) {
  std::vector<Element> out;
  WalkElements(page.body, [&](const GumboNode* n) {
    if (IsInvisible(n)) return false;
    out.push_back({n, NodeText(n)});
    return true;
  });
  return out;
}

bool HasMatchingChild(const GumboNode* node, const std::vector<Element>& all,
                      const std::function<bool(const std::string&)>& pred) {
  for (const Element& e : all) {
    if (e.node->parent == node && pred(e.text)) return true;
  }
  return false;
}

// The deepest element whose text satisfies `pred`, preferring ones outside page chrome.
const GumboNode* Deepest(const std::vector<Element>& all,
                         const std::function<bool(const std::string&)>& pred) {
  const GumboNode* fallback = nullptr;
  for (const Element& e : all) {
    if (!pred(e.text) || HasMatchingChild(e.node, all, pred)) continue;
    if (!InChrome(e.node)) return e.node;
    if (fallback == nullptr) fallback = e.node;
  }
  return fallback;
}

std::vector<std::string> Paragraphs(const std::string& body) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < body.size()) {
    size_t end = body.find("\n\n", start);
    if (end == std::string::npos) end = body.size();
    if (end > start) out.push_back(body.substr(start, end - start));
    start = end + 2;
  }
  return out;
}

bool BodyMatches(const std::string& got, const std::string& ref, double slack) {
  for (const auto& para : Paragraphs(ref)) {
    if (got.find(para) == std::string::npos) return false;
  }
  return static_cast<double>(got.size()) <= static_cast<double>(ref.size()) * slack + 200.0;
}

bool FieldMatches(Field field, const Article& got, const Article& ref) {
  if (field == &ExtractRules::title) return got.title == ref.title;
  if (field == &ExtractRules::date) return got.published == ref.published;
  if (field == &ExtractRules::author) return got.author == ref.author;
  return BodyMatches(got.body, ref.body, 1.5);
}

bool Verify(const std::vector<Sample>& samples, const ExtractRules& rules,
            const std::vector<Field>& fields) {
  for (const Sample& s : samples) {
    Article got = Run(*s.page, &rules);
    if (!got.used_rules) return false;
    for (Field f : fields) {
      if (!FieldMatches(f, got, s.ref)) return false;
    }
  }
  return true;
}

// "dd/mm/yyyy" (and the unpadded form) of an RFC 3339 date, for finding it in the page.
std::function<bool(const std::string&)> DatePredicate(const std::string& rfc3339) {
  if (rfc3339.size() < 10) return [](const std::string&) { return false; };
  std::string y = rfc3339.substr(0, 4), m = rfc3339.substr(5, 2), d = rfc3339.substr(8, 2);
  std::string padded = d + "/" + m + "/" + y;
  std::string bare = std::to_string(std::stoi(d)) + "/" + std::to_string(std::stoi(m)) + "/" + y;
  return [=](const std::string& t) {
    return t.size() < 160 &&
           (t.find(padded) != std::string::npos || t.find(bare) != std::string::npos);
  };
}

// The first candidate that verifies for `field` overlaid on `rules`; "" when none does.
std::string PickField(const std::vector<Sample>& samples, const ExtractRules& rules, Field field,
                      const std::vector<std::string>& candidates) {
  for (const auto& c : candidates) {
    ExtractRules trial = rules;
    trial.*field = c;
    if (Verify(samples, trial, {field})) return c;
  }
  return "";
}

// Generic reference: rules need a title and a body together, so they are searched in pairs.
bool PickTitleAndBody(const std::vector<Sample>& samples, const std::vector<std::string>& titles,
                      const std::vector<std::string>& bodies, ExtractRules* rules) {
  for (const auto& t : titles) {
    for (const auto& b : bodies) {
      ExtractRules trial = *rules;
      trial.title = t;
      trial.body = b;
      if (Verify(samples, trial, {&ExtractRules::title, &ExtractRules::body})) {
        *rules = trial;
        return true;
      }
    }
  }
  return false;
}

// Classed blocks inside the body element whose text the reference body does not contain.
std::vector<std::string> RemoveCandidates(const GumboNode* body, const std::string& ref_body) {
  std::vector<std::string> out;
  WalkElements(body, [&](const GumboNode* n) {
    if (n == body) return true;
    std::string text = NodeText(n);
    if (text.size() < 8 || ref_body.find(text) != std::string::npos) return true;
    for (std::string_view cls : ClassList(n)) {
      if (UsableName(cls) && out.size() < kMaxCandidates) out.push_back("." + std::string(cls));
    }
    return false;
  });
  return out;
}

size_t TotalBody(const std::vector<Sample>& samples, const ExtractRules& rules) {
  size_t total = 0;
  for (const Sample& s : samples) total += Run(*s.page, &rules).body.size();
  return total;
}

void PickRemoves(const std::vector<Sample>& samples, const GumboNode* body_node,
                 ExtractRules* rules) {
  size_t size = TotalBody(samples, *rules);
  for (const auto& c : RemoveCandidates(body_node, samples[0].ref.body)) {
    ExtractRules trial = *rules;
    trial.remove.push_back(c);
    size_t trial_size = TotalBody(samples, trial);
    if (trial_size < size && Verify(samples, trial, {&ExtractRules::body})) {
      *rules = std::move(trial);
      size = trial_size;
    }
  }
}

std::vector<Sample> References(const std::vector<SamplePage>& pages, const ExtractRules* base) {
  std::vector<Sample> out;
  for (const SamplePage& p : pages) {
    Article ref = Run(p, base);
    if (ref.page_kind == PageKind::kArticle && !ref.title.empty() && !ref.body.empty()) {
      out.push_back({&p, std::move(ref)});
    }
  }
  return out;
}

// Date and author selectors found on the first sample, verified on all of them against
// `verify` (the rules the other fields are read with).
void ProposeDateAndAuthor(const std::vector<Sample>& samples, const std::vector<Element>& all,
                          const ExtractRules& verify, ExtractRules* proposed,
                          std::vector<std::string>* unsure) {
  const Article& ref = samples[0].ref;
  if (!ref.published.empty()) {
    const GumboNode* date = Deepest(all, DatePredicate(ref.published));
    proposed->date = date ? PickField(samples, verify, &ExtractRules::date, Candidates(date)) : "";
    if (proposed->date.empty()) unsure->push_back("no date selector verified");
  }
  if (!ref.author.empty()) {
    const GumboNode* author = Deepest(all, [&](const std::string& t) {
      return t.size() < 160 && t.find(ref.author) != std::string::npos;
    });
    proposed->author =
        author ? PickField(samples, verify, &ExtractRules::author, Candidates(author)) : "";
  }
}

// Blocks inside the body that the samples agree are not article text; with a base preset, only
// those it does not remove already.
void ProposeRemoves(const std::vector<Sample>& samples, const GumboNode* body,
                    const ExtractRules* base, ExtractRules* rules, ExtractRules* proposed) {
  PickRemoves(samples, body, rules);
  if (base == nullptr) {
    proposed->remove = rules->remove;
    return;
  }
  for (const auto& r : rules->remove) {
    if (std::find(base->remove.begin(), base->remove.end(), r) == base->remove.end()) {
      proposed->remove.push_back(r);
    }
  }
}

}  // namespace

SelectorProposal ProposeSelectors(const std::vector<SamplePage>& articles,
                                  const ExtractRules* base) {
  SelectorProposal result;
  std::vector<Sample> samples = References(articles, base);
  result.samples_used = static_cast<int>(samples.size());
  for (const Sample& s : samples) result.base_fell_back += s.ref.fell_back ? 1 : 0;
  if (samples.empty()) {
    result.unsure.push_back("no sample page extracted as an article; no selectors proposed");
    return result;
  }
  const Sample& first = samples[0];
  Page page =
      LoadPage(DecodeHtml(first.page->bytes, first.page->content_type).utf8, first.page->url);
  std::vector<Element> all = Elements(page);
  const Article& ref = first.ref;
  const GumboNode* title = Deepest(all, [&](const std::string& t) { return t == ref.title; });
  std::string para = Paragraphs(ref.body).front().substr(0, 80);
  const GumboNode* body = Deepest(all, [&](const std::string& t) {
    return t.find(para) != std::string::npos && t.size() >= ref.body.size() / 2;
  });
  ExtractRules rules = base ? *base : ExtractRules{};
  std::vector<std::string> titles = title ? Candidates(title) : std::vector<std::string>{};
  std::vector<std::string> bodies = body ? Candidates(body) : std::vector<std::string>{};
  bool core = base ? true : PickTitleAndBody(samples, titles, bodies, &rules);
  if (base) {
    rules.title = PickField(samples, rules, &ExtractRules::title, titles);
    rules.body = PickField(samples, rules, &ExtractRules::body, bodies);
    core = !rules.title.empty() && !rules.body.empty();
  }
  ExtractRules proposed;
  if (!core) {
    result.unsure.push_back("no title/body selector pair reproduced the extractor on every sample");
    if (!base) return result;
  }
  proposed.title = rules.title;
  proposed.body = rules.body;
  ProposeDateAndAuthor(samples, all, base && !core ? *base : rules, &proposed, &result.unsure);
  if (core && body != nullptr) ProposeRemoves(samples, body, base, &rules, &proposed);
  result.rules = std::move(proposed);
  if (samples.size() < 3) {
    result.unsure.push_back("selectors verified on only " + std::to_string(samples.size()) +
                            " sample article(s)");
  }
  return result;
}

}  // namespace tincrawl

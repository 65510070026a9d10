#include "extractors/selector.h"

#include <cstring>

#include "extractors/dom.h"

namespace tincrawl {
namespace {

struct Complex;

// One attribute test; op is 0 for presence, else one of '=', '~', '*', '^', '$'.
struct AttrTest {
  std::string name;
  char op = 0;
  std::string value;
};

// A compound selector: every part must match the same element.
struct Compound {
  std::string tag;  // Lower-case; empty matches any element.
  std::vector<std::string> ids;
  std::vector<std::string> classes;
  std::vector<AttrTest> attrs;
  std::vector<std::vector<Complex>> nots;
};

// Compounds joined by combinators: combinators[i] (' ' or '>') sits between compounds[i] and
// compounds[i + 1].
struct Complex {
  std::vector<Compound> compounds;
  std::string combinators;
};

constexpr int kMaxNotDepth = 16;
constexpr size_t kMaxSelectorLength = 4096;

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }
bool IsWs(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }
bool IsIdentChar(char c) {
  auto u = static_cast<unsigned char>(c);
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || u >= 0x80;
}

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  bool ParseList(std::vector<Complex>* out, int depth) {
    for (;;) {
      SkipWs();
      Complex complex;
      if (!ParseComplex(&complex, depth)) return false;
      out->push_back(std::move(complex));
      SkipWs();
      if (AtEnd() || Peek() == ')') return true;
      if (Peek() != ',') return Fail();
      ++pos_;
    }
  }

  bool AtEnd() const { return pos_ >= text_.size(); }
  char Peek() const { return text_[pos_]; }
  const std::string& error() const { return error_; }
  bool Fail() {
    if (error_.empty()) {
      if (AtEnd()) {
        error_ = "unexpected end of selector at column " + std::to_string(pos_ + 1);
      } else {
        error_ = std::string("unexpected '") + Peek() + "' at column " + std::to_string(pos_ + 1);
      }
    }
    return false;
  }

 private:
  void SkipWs() {
    while (!AtEnd() && IsWs(Peek())) ++pos_;
  }

  bool ParseComplex(Complex* out, int depth) {
    for (;;) {
      Compound compound;
      if (!ParseCompound(&compound, depth)) return false;
      out->compounds.push_back(std::move(compound));
      size_t before = pos_;
      SkipWs();
      if (AtEnd() || Peek() == ',' || Peek() == ')') return true;
      if (Peek() == '>') {
        ++pos_;
        SkipWs();
        out->combinators.push_back('>');
      } else if (pos_ > before) {
        out->combinators.push_back(' ');
      } else {
        return Fail();
      }
    }
  }

  bool ParseIdent(std::string* out, bool lower) {
    size_t start = pos_;
    while (!AtEnd()) {
      char c = Peek();
      if (c == '\\' && pos_ + 1 < text_.size()) {
        out->push_back(text_[pos_ + 1]);
        pos_ += 2;
      } else if (IsIdentChar(c)) {
        out->push_back(lower ? Lower(c) : c);
        ++pos_;
      } else {
        break;
      }
    }
    return pos_ > start || Fail();
  }

  bool ParseCompound(Compound* out, int depth) {
    size_t start = pos_;
    if (!AtEnd() && Peek() == '*') {
      ++pos_;
    } else if (!AtEnd() && IsIdentChar(Peek())) {
      if (!ParseIdent(&out->tag, true)) return false;
    }
    while (!AtEnd()) {
      char c = Peek();
      bool ok = true;
      if (c == '.') {
        ++pos_;
        ok = ParseIdent(&out->classes.emplace_back(), false);
      } else if (c == '#') {
        ++pos_;
        ok = ParseIdent(&out->ids.emplace_back(), false);
      } else if (c == '[') {
        ok = ParseAttr(&out->attrs.emplace_back());
      } else if (c == ':') {
        ok = ParseNot(out, depth);
      } else {
        break;
      }
      if (!ok) return false;
    }
    return pos_ > start || Fail();
  }

  bool ParseAttr(AttrTest* out) {
    ++pos_;  // '['
    SkipWs();
    if (!ParseIdent(&out->name, true)) return false;
    SkipWs();
    if (AtEnd()) return Fail();
    if (Peek() == ']') {
      ++pos_;
      return true;
    }
    char op = Peek();
    if (op == '=') {
      ++pos_;
    } else if (std::strchr("~*^$", op) != nullptr && pos_ + 1 < text_.size() &&
               text_[pos_ + 1] == '=') {
      pos_ += 2;
    } else {
      return Fail();
    }
    out->op = op;
    SkipWs();
    if (!ParseValue(&out->value)) return false;
    SkipWs();
    if (AtEnd() || Peek() != ']') return Fail();
    ++pos_;
    return true;
  }

  bool ParseValue(std::string* out) {
    if (AtEnd()) return Fail();
    char quote = Peek();
    if (quote != '"' && quote != '\'') {
      // Unquoted values are read leniently (".pdf", "/-/view_content/") up to ']' or space,
      // since site configs are written by hand.
      while (!AtEnd() && Peek() != ']' && !IsWs(Peek())) out->push_back(text_[pos_++]);
      return !out->empty() || Fail();
    }
    ++pos_;
    while (!AtEnd() && Peek() != quote) {
      if (Peek() == '\\' && pos_ + 1 < text_.size()) ++pos_;
      out->push_back(Peek());
      ++pos_;
    }
    if (AtEnd()) return Fail();
    ++pos_;
    return true;
  }

  bool ParseNot(Compound* out, int depth) {
    size_t colon = pos_;
    ++pos_;
    std::string name;
    if (!ParseIdent(&name, true)) return false;
    if (name != "not" || AtEnd() || Peek() != '(') {
      pos_ = colon;
      error_ = "unsupported pseudo-class ':" + name + "' at column " + std::to_string(colon + 1);
      return false;
    }
    if (depth >= kMaxNotDepth) {
      error_ = "':not' nested too deeply at column " + std::to_string(colon + 1);
      return false;
    }
    ++pos_;
    std::vector<Complex> inner;
    if (!ParseList(&inner, depth + 1)) return false;
    if (AtEnd() || Peek() != ')') return Fail();
    ++pos_;
    out->nots.push_back(std::move(inner));
    return true;
  }

  std::string_view text_;
  size_t pos_ = 0;
  std::string error_;
};

bool ContainsWord(std::string_view haystack, std::string_view word) {
  if (word.empty()) return false;
  size_t i = 0;
  while (i < haystack.size()) {
    while (i < haystack.size() && IsWs(haystack[i])) ++i;
    size_t start = i;
    while (i < haystack.size() && !IsWs(haystack[i])) ++i;
    if (haystack.substr(start, i - start) == word) return true;
  }
  return false;
}

bool MatchAttr(const GumboNode* node, const AttrTest& test) {
  const char* raw = GetAttr(node, test.name);
  if (raw == nullptr) return false;
  std::string_view v(raw);
  const std::string& want = test.value;
  switch (test.op) {
    case 0:
      return true;
    case '=':
      return v == want;
    case '~':
      return ContainsWord(v, want);
    case '*':
      return !want.empty() && v.find(want) != std::string_view::npos;
    case '^':
      return !want.empty() && v.substr(0, want.size()) == want;
    case '$':
      return !want.empty() && v.size() >= want.size() && v.substr(v.size() - want.size()) == want;
    default:
      return false;
  }
}

bool MatchList(const std::vector<Complex>& list, const GumboNode* node);

bool MatchCompound(const Compound& c, const GumboNode* node) {
  if (!IsElement(node)) return false;
  if (!c.tag.empty()) {
    std::string_view name = TagName(node);
    if (name.size() != c.tag.size()) return false;
    for (size_t i = 0; i < name.size(); ++i) {
      if (Lower(name[i]) != c.tag[i]) return false;
    }
  }
  if (!c.ids.empty()) {
    const char* id = GetAttr(node, "id");
    if (id == nullptr) return false;
    for (const auto& want : c.ids) {
      if (want != id) return false;
    }
  }
  for (const auto& cls : c.classes) {
    if (!HasClass(node, cls)) return false;
  }
  for (const auto& attr : c.attrs) {
    if (!MatchAttr(node, attr)) return false;
  }
  for (const auto& inner : c.nots) {
    if (MatchList(inner, node)) return false;
  }
  return true;
}

enum class Result { kMatch, kFailsLocally, kFailsCompletely };

const GumboNode* ParentElement(const GumboNode* node) {
  const GumboNode* parent = node->parent;
  return IsElement(parent) ? parent : nullptr;
}

// Right-to-left matching with WebKit's "fails completely" short cut, so descendant chains are
// linear in the tree depth instead of exponential.
Result MatchFrom(const Complex& sel, size_t index, const GumboNode* node) {
  if (!MatchCompound(sel.compounds[index], node)) return Result::kFailsLocally;
  if (index == 0) return Result::kMatch;
  char comb = sel.combinators[index - 1];
  if (comb == '>') {
    const GumboNode* parent = ParentElement(node);
    if (parent == nullptr) return Result::kFailsCompletely;
    return MatchFrom(sel, index - 1, parent);
  }
  for (const GumboNode* up = ParentElement(node); up != nullptr; up = ParentElement(up)) {
    Result r = MatchFrom(sel, index - 1, up);
    if (r != Result::kFailsLocally) return r;
  }
  return Result::kFailsCompletely;
}

bool MatchList(const std::vector<Complex>& list, const GumboNode* node) {
  for (const auto& sel : list) {
    if (MatchFrom(sel, sel.compounds.size() - 1, node) == Result::kMatch) return true;
  }
  return false;
}

}  // namespace

struct Selector::Impl {
  std::vector<Complex> list;
};

Selector::Selector(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Selector::~Selector() = default;

std::unique_ptr<Selector> Selector::Parse(std::string_view text, std::string* error) {
  std::string local_error;
  if (error == nullptr) error = &local_error;
  if (text.size() > kMaxSelectorLength) {
    *error = "selector longer than " + std::to_string(kMaxSelectorLength) + " bytes";
    return nullptr;
  }
  size_t first = 0;
  while (first < text.size() && IsWs(text[first])) ++first;
  if (first == text.size()) {
    *error = "empty selector at column 1";
    return nullptr;
  }
  auto impl = std::make_unique<Impl>();
  Parser parser(text);
  if (!parser.ParseList(&impl->list, 0) || !parser.AtEnd()) {
    if (parser.error().empty()) parser.Fail();
    *error = parser.error();
    return nullptr;
  }
  return std::unique_ptr<Selector>(new Selector(std::move(impl)));
}

bool Selector::Matches(const GumboNode* node) const { return MatchList(impl_->list, node); }

std::vector<const GumboNode*> Selector::SelectAll(const GumboNode* root) const {
  std::vector<const GumboNode*> out;
  WalkElements(root, [&](const GumboNode* node) {
    if (Matches(node)) out.push_back(node);
    return true;
  });
  return out;
}

const GumboNode* Selector::SelectFirst(const GumboNode* root) const {
  const GumboNode* found = nullptr;
  WalkElements(root, [&](const GumboNode* node) {
    if (found != nullptr) return false;
    if (Matches(node)) found = node;
    return found == nullptr;
  });
  return found;
}

}  // namespace tincrawl

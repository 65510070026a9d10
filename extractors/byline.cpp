#include "extractors/byline.h"

#include <array>

#include "extractors/text.h"

namespace tincrawl {
namespace {

constexpr size_t kMaxCreditBytes = 90;

// Folded (accent-free, lower-case) openers. Role prefixes stay part of the author.
constexpr std::array<std::string_view, 18> kRolePrefixes = {
    "ctv:",       "ctv ",        "pv:",         "pv ",        "tin, anh:", "tin anh:",
    "bai, anh:",  "bai va anh:", "tin va anh:", "tin:",       "bai:",      "nhom pv",
    "phong vien", "bai va anh ", "tin va anh ", "thong tin:", "tin, anh ", "tin/anh:"};
// Field labels that are not part of the name.
constexpr std::array<std::string_view, 6> kAuthorLabels = {
    "tac gia bai viet:", "tac gia:", "nguoi viet:", "but danh:", "by ", "author:"};
constexpr std::array<std::string_view, 6> kPostedLabels = {
    "nguoi dang:", "dang boi:", "nguoi dang tin:", "posted by ", "cap nhat boi:", "nguoi nhap:"};
constexpr std::array<std::string_view, 4> kSourceLabels = {"nguon:", "nguon tin:", "theo ",
                                                           "nguon "};
constexpr std::array<std::string_view, 11> kRoles = {
    "admin",     "administrator", "quan tri",      "quan tri vien",  "ban bien tap", "bbt",
    "webmaster", "editor",        "bien tap vien", "phong bien tap", "ban quan tri"};

bool StartsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

// `folded` is " " + FoldAscii(name) + " ": a role as a whole phrase anywhere in it.
bool HasRole(const std::string& folded) {
  for (std::string_view role : kRoles) {
    std::string key = " " + std::string(role) + " ";
    if (folded.find(key) != std::string::npos) return true;
  }
  return false;
}

template <size_t N>
size_t MatchLabel(std::string_view folded, const std::array<std::string_view, N>& labels) {
  for (std::string_view l : labels) {
    if (StartsWith(folded, l)) return l.size();
  }
  return 0;
}

// The text after the label whose folded form is `label_bytes` long. Folding keeps the number of
// words, so the cut is made after as many words (and a colon) as the label has.
std::string AfterLabel(std::string_view text, std::string_view folded_label) {
  size_t colon = text.find(':');
  if (folded_label.find(':') != std::string_view::npos && colon != std::string_view::npos) {
    return CleanText(text.substr(colon + 1));
  }
  size_t words = 0;
  for (char c : folded_label) words += c == ' ';
  size_t pos = 0;
  for (size_t w = 0; w < words && pos != std::string_view::npos; ++w) {
    pos = text.find(' ', pos + (w > 0));
  }
  return pos == std::string_view::npos ? std::string() : CleanText(text.substr(pos));
}

std::string StripWrapping(std::string text) {
  while (text.size() >= 2 && text.front() == '(' && text.back() == ')') {
    text = CleanText(std::string_view(text).substr(1, text.size() - 2));
  }
  while (!text.empty() && (text.back() == '.' || text.back() == ')' || text.back() == ',')) {
    if (text.back() == ')' && text.find('(') != std::string::npos) break;
    text.pop_back();
  }
  if (!text.empty() && text.front() == '(' && text.find(')') == std::string::npos) {
    text.erase(0, 1);
  }
  return CleanText(text);
}

bool IsUpperStart(std::string_view word) {
  if (word.empty()) return false;
  size_t pos = 0;
  char32_t c = NextCodePoint(word, &pos);
  std::string one;
  AppendUtf8(c, &one);
  return FoldCase(one) != one || (c >= '0' && c <= '9');
}

// "Phạm Linh", "Nguyễn Văn A - Trung tâm Truyền thông", "Đoàn Bình (Văn phòng HĐND-UBND)":
// a name of 2..6 capitalised words, optionally followed by a unit after " - " or in brackets.
bool IsNameShaped(std::string_view text) {
  std::string_view name = text.substr(0, std::min(text.find(" - "), text.find(" (")));
  if (name.empty() || name.size() > 60 || name.find(',') != std::string_view::npos) return false;
  char last = text.back();
  if (last == '.' || last == ':' || last == '?' || last == '!' || last == ',') return false;
  size_t words = 0, start = 0;
  while (start < name.size()) {
    size_t end = name.find(' ', start);
    if (end == std::string_view::npos) end = name.size();
    if (!IsUpperStart(name.substr(start, end - start))) return false;
    ++words;
    start = end + 1;
  }
  return words >= 2 && words <= 6;
}

Credit Make(CreditKind kind, std::string value) {
  value = StripWrapping(std::move(value));
  if (value.empty()) return {};
  if (kind == CreditKind::kAuthor && IsAccountName(value)) kind = CreditKind::kPostedBy;
  return {kind, std::move(value)};
}

}  // namespace

bool IsAccountName(std::string_view name) {
  std::string folded = " " + FoldAscii(name) + " ";
  if (HasRole(folded)) return true;
  bool accented = false, lower_word = false, at_word = true;
  size_t words = 0;
  for (char c : name) {
    if ((c >= '0' && c <= '9') || c == '_' || c == '@') return true;
    accented = accented || static_cast<unsigned char>(c) >= 0x80;
    if (at_word && c != ' ') {
      ++words;
      lower_word = lower_word || (c >= 'a' && c <= 'z');
    }
    at_word = c == ' ';
  }
  // Logins are unaccented and lower-case somewhere ("admin admin", "Pho Ban bien tap",
  // "nguyenvana"); printed names are capitalised ("Minh Anh", "Phạm Linh").
  return lower_word && (!accented || words == 1);
}

Credit ClassifyCredit(std::string_view line, bool accept_bare_name) {
  std::string text = CleanText(line);
  if (text.empty() || text.size() > kMaxCreditBytes) return {};
  std::string folded = FoldAscii(StripWrapping(text));
  std::string inner = StripWrapping(text);
  if (size_t n = MatchLabel(folded, kSourceLabels)) {
    std::string rest = AfterLabel(inner, std::string_view(folded).substr(0, n));
    // "Theo kế hoạch, ..." is a sentence; a source names an outlet in capitals.
    if (rest.empty() || !IsUpperStart(rest) || rest.find(", ") != std::string::npos) return {};
    return Make(CreditKind::kSource, rest);
  }
  if (size_t n = MatchLabel(folded, kPostedLabels)) {
    return Make(CreditKind::kPostedBy, AfterLabel(inner, std::string_view(folded).substr(0, n)));
  }
  if (size_t n = MatchLabel(folded, kAuthorLabels)) {
    return Make(CreditKind::kAuthor, AfterLabel(inner, std::string_view(folded).substr(0, n)));
  }
  if (MatchLabel(folded, kRolePrefixes) > 0) return Make(CreditKind::kAuthor, inner);
  if (!accept_bare_name) return {};
  if (IsNameShaped(inner)) return Make(CreditKind::kAuthor, inner);
  if (HasRole(" " + folded + " ")) return Make(CreditKind::kPostedBy, inner);
  return {};
}

std::string CleanByline(std::string text) {
  Credit c = ClassifyCredit(text, true);
  return c.kind == CreditKind::kNone ? StripWrapping(CleanText(text)) : c.value;
}

}  // namespace tincrawl

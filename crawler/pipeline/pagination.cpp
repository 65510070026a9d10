// Pagination of listing pages: page numbers in URLs, next-page labels, pagination links.
#include <algorithm>
#include <array>
#include <charconv>
#include <limits>
#include <optional>

#include "crawler/common/host.h"
#include "crawler/pipeline/discovery.h"
#include "crawler/pipeline/markup_scanner.h"

namespace tincrawl {
namespace {

bool IsPageParam(std::string_view name) {
  const std::string n = LowerCopy(name);
  return n == "page" || n == "pageindex" || n == "pagenumber" || n == "p" || n == "pg" ||
         n == "trang" || n == "_101_cur" || (n.size() > 4 && n.ends_with("_cur"));
}

int ParsePositive(std::string_view s) {
  int v = 0;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  return (r.ec == std::errc() && r.ptr == s.data() + s.size() && v > 0 && v < 100000) ? v : 0;
}

// Finds "/page-N", "/trang-N" or "/page/N" in `path`; returns N (0 if none) and its span.
int PageSegment(std::string_view path, size_t* begin, size_t* end) {
  for (std::string_view marker : {"/page-", "/trang-", "/page/"}) {
    const size_t at = path.rfind(marker);
    if (at == std::string_view::npos) continue;
    const size_t num = at + marker.size();
    size_t stop = num;
    while (stop < path.size() && path[stop] >= '0' && path[stop] <= '9') ++stop;
    if (stop == num || (stop < path.size() && path[stop] != '/' && path[stop] != '.')) continue;
    *begin = at;
    *end = stop;
    return ParsePositive(path.substr(num, stop - num));
  }
  return 0;
}

// The page number in `url` (0 when none) and the URL with every page marker removed.
int SplitPage(std::string_view url, std::string* key) {
  const size_t q = url.find('?');
  std::string_view path_part = url.substr(0, q);
  int page = 0;
  size_t b = 0, e = 0;
  if (const int seg = PageSegment(path_part, &b, &e); seg > 0) {
    page = seg;
    *key = std::string(path_part.substr(0, b)) + std::string(path_part.substr(e));
  } else {
    *key = std::string(path_part);
  }
  if (q == std::string_view::npos) return page;
  std::string_view query = url.substr(q + 1);
  char sep = '?';
  while (!query.empty()) {
    const size_t amp = std::min(query.find('&'), query.size());
    const std::string_view param = query.substr(0, amp);
    const size_t eq = param.find('=');
    const std::string_view name = param.substr(0, eq);
    if (IsPageParam(name) && eq != std::string_view::npos) {
      page = std::max(page, ParsePositive(param.substr(eq + 1)));
    } else {
      key->push_back(sep);
      key->append(param);
      sep = '&';
    }
    query.remove_prefix(std::min(amp + 1, query.size()));
  }
  return page;
}

// Strips one next-arrow ("»", "›", "→", ">") from either end of `t`; true when one was found.
bool StripArrow(std::string_view* t) {
  static constexpr std::array<std::string_view, 4> kArrows = {"\u00bb", "\u203a", "\u2192", ">"};
  for (std::string_view arrow : kArrows) {
    if (t->starts_with(arrow)) {
      t->remove_prefix(arrow.size());
      return true;
    }
    if (t->ends_with(arrow)) {
      t->remove_suffix(arrow.size());
      return true;
    }
  }
  return false;
}

bool IsNextLabel(std::string_view text) {
  static constexpr std::array<std::string_view, 8> kWords = {
      "trang sau", "sau", "tiếp", "tiếp theo", "trang tiếp", "trang kế", "kế tiếp", "next"};
  const std::string lower = LowerCopy(Trim(text));
  std::string_view t = lower;
  bool arrow = false;
  for (int i = 0; i < 4; ++i) {
    t = Trim(t);
    if (!StripArrow(&t)) break;
    arrow = true;
  }
  t = Trim(t);
  if (t.empty()) return arrow;
  return std::find(kWords.begin(), kWords.end(), t) != kWords.end();
}

struct Anchor {
  std::string href;
  std::string rel;
  std::string title;
  std::string text;
};

std::vector<Anchor> CollectAnchors(std::string_view html) {
  std::vector<Anchor> anchors;
  MarkupScanner s(html);
  bool in_a = false;
  for (MarkupScanner::Kind k = s.Next(); k != MarkupScanner::kDone && anchors.size() < 20000;
       k = s.Next()) {
    if (k == MarkupScanner::kStart && (s.name() == "a" || s.name() == "link")) {
      anchors.push_back({s.Attr("href"), LowerCopy(s.Attr("rel")), s.Attr("title"), std::string()});
      in_a = s.name() == "a" && !s.self_closing();
    } else if (k == MarkupScanner::kEnd && s.name() == "a") {
      in_a = false;
    } else if (k == MarkupScanner::kText && in_a && anchors.back().text.size() < 256) {
      anchors.back().text.append(s.text());
    }
  }
  return anchors;
}

}  // namespace

int PageNumberOf(std::string_view url) {
  std::string key;
  const int page = SplitPage(url, &key);
  return page > 0 ? page : 1;
}

std::vector<PageLink> FindPaginationLinks(std::string_view html, std::string_view base_url,
                                          const UrlNormalizer& normalizer) {
  const std::optional<std::string> base = normalizer.Normalize(base_url);
  if (!base) return {};
  std::string base_key;
  SplitPage(*base, &base_key);
  std::vector<PageLink> out;
  for (const Anchor& a : CollectAnchors(html)) {
    std::optional<UrlForms> forms = normalizer.ResolveForms(base_url, a.href);
    if (!forms) continue;
    std::optional<std::string> url = std::move(forms->key);
    if (*url == *base || HostOf(*url) != HostOf(*base)) continue;
    std::string key;
    int page = SplitPage(*url, &key);
    const bool rel_next = a.rel.find("next") != std::string::npos;
    const bool same_listing = key == base_key;
    const int text_number = ParsePositive(Trim(a.text));
    if (!rel_next && !same_listing) continue;
    if (page == 0) page = text_number;
    const bool next = rel_next || IsNextLabel(a.text) || IsNextLabel(a.title);
    if (!rel_next && !next && page == 0) continue;
    auto it =
        std::find_if(out.begin(), out.end(), [&](const PageLink& l) { return l.url == *url; });
    if (it != out.end()) {
      it->next = it->next || next;
      it->page = std::max(it->page, page);
    } else if (out.size() < 200) {
      out.push_back({std::move(*url), std::move(forms->fetch), page, next});
    }
  }
  const auto rank = [](const PageLink& l) {
    return l.page > 0 ? l.page : (l.next ? 0 : std::numeric_limits<int>::max());
  };
  std::stable_sort(out.begin(), out.end(),
                   [&rank](const PageLink& x, const PageLink& y) { return rank(x) < rank(y); });
  return out;
}

}  // namespace tincrawl

// CMS detection, URL shape inference, the site-file writer and test-site's page checks.
#include "crawler/sitetools/site_wizard.h"

#include <algorithm>
#include <cctype>
#include <map>

#include "crawler/url/url.h"
#include "extractors/dom.h"
#include "extractors/text.h"

namespace tincrawl {

namespace {

// A substring that betrays a CMS family. Strong markers are specific to one family; weak ones
// are shared (tandan is built on SharePoint) or common words.
struct CmsMarker {
  std::string_view family;
  std::string_view needle;  // Lower-case ASCII, searched case-insensitively.
  int weight;
};

const CmsMarker kMarkers[] = {
    {"sharepoint-qn", "/trang/chitiettintuc.aspx", 3},
    {"sharepoint-qn", "/trang/tin-tuc-su-kien.aspx", 2},
    {"sharepoint-qn", "_layouts/", 1},
    {"sharepoint-qn", "ms-rtestate", 1},
    {"sharepoint-qn", "microsoft sharepoint", 1},
    {"tandan", "tandan-", 3},
    {"tandan", "/portal/pages/", 2},
    {"tandan", "ms-rtestate", 1},
    {"liferay", "portlet-boundary", 3},
    {"liferay", "/-/view_content/", 2},
    {"liferay", "p_p_id", 2},
    {"liferay", "liferay", 1},
    {"nukeviet", "news-bodyhtml", 3},
    {"nukeviet", "/vi/news/", 2},
    {"nukeviet", "nv-", 1},
    {"nukeviet", "nukeviet", 1},
    {"dotnetnuke", "dnn_ctr", 3},
    {"dotnetnuke", "/portals/0/", 2},
    {"dotnetnuke", "/doc-tin/", 2},
    {"dotnetnuke", "dotnetnuke", 1},
};

constexpr int kMinCmsScore = 3;

bool HasLetter(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) {
    return std::isalpha(static_cast<unsigned char>(c)) || static_cast<unsigned char>(c) >= 0x80;
  });
}

bool HasDigit(std::string_view s) {
  return std::any_of(s.begin(), s.end(),
                     [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
}

std::string EscapeRegex(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (std::string_view("\\^$.|?*+()[]{}").find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}

// Digit runs become \d+, everything else is escaped.
std::string DigitsToClass(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size();) {
    if (std::isdigit(static_cast<unsigned char>(s[i]))) {
      while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
      out += "\\d+";
    } else {
      out += EscapeRegex(s.substr(i, 1));
      ++i;
    }
  }
  return out;
}

std::string SegmentShape(std::string_view seg) {
  if (!HasLetter(seg)) return DigitsToClass(seg);
  size_t hyphens = std::count(seg.begin(), seg.end(), '-');
  if (!HasDigit(seg) && hyphens < 5) return EscapeRegex(seg);
  size_t dot = seg.rfind('.');
  std::string ext;
  if (dot != std::string_view::npos && seg.size() - dot <= 6 && !HasDigit(seg.substr(dot))) {
    ext = EscapeRegex(seg.substr(dot));
  }
  return "[^/]+" + ext;
}

std::string QueryShape(std::string_view query) {
  std::string out;
  size_t start = 0;
  while (start <= query.size()) {
    size_t amp = query.find('&', start);
    if (amp == std::string_view::npos) amp = query.size();
    std::string_view pair = query.substr(start, amp - start);
    size_t eq = pair.find('=');
    std::string_view name = pair.substr(0, eq);
    std::string_view value = eq == std::string_view::npos ? "" : pair.substr(eq + 1);
    if (!out.empty()) out += '&';
    out += EscapeRegex(name);
    if (eq != std::string_view::npos) {
      bool digits = !value.empty() && !HasLetter(value) && HasDigit(value) &&
                    value.find_first_not_of("0123456789") == std::string_view::npos;
      out += digits ? "=\\d+" : "=[^&]+";
    }
    start = amp + 1;
  }
  return out;
}

std::vector<std::string> SplitShape(const std::string& path_shape) {
  // A '/' inside a character class ("[^/]+") does not separate segments.
  std::vector<std::string> segs(1);
  bool in_class = false;
  for (size_t i = 1; i < path_shape.size(); ++i) {
    char c = path_shape[i];
    if (c == '/' && !in_class) {
      segs.emplace_back();
      continue;
    }
    in_class = c == '[' ? true : (c == ']' ? false : in_class);
    segs.back() += c;
  }
  return segs;
}

bool IsLiteral(const std::string& seg) {
  return seg.find("[^/]+") == std::string::npos && seg.find("\\d+") == std::string::npos;
}

// The merged shape when `a` and `b` differ only in one literal path segment; "" otherwise.
std::string MergeShapes(const std::string& a, const std::string& b) {
  size_t qa = a.find("\\?"), qb = b.find("\\?");
  std::string query_a = qa == std::string::npos ? "" : a.substr(qa);
  std::string query_b = qb == std::string::npos ? "" : b.substr(qb);
  if (query_a != query_b) return "";
  std::vector<std::string> sa = SplitShape(a.substr(0, qa));
  std::vector<std::string> sb = SplitShape(b.substr(0, qb));
  if (sa.size() != sb.size()) return "";
  int diff = -1;
  for (size_t i = 0; i < sa.size(); ++i) {
    if (sa[i] == sb[i]) continue;
    bool mergeable =
        (IsLiteral(sa[i]) || sa[i] == "[^/]+") && (IsLiteral(sb[i]) || sb[i] == "[^/]+");
    if (diff >= 0 || !mergeable || sa[i].empty() || sb[i].empty()) return "";
    diff = static_cast<int>(i);
  }
  if (diff < 0) return "";
  std::string out;
  for (size_t i = 0; i < sa.size(); ++i)
    out += "/" + (static_cast<int>(i) == diff ? "[^/]+" : sa[i]);
  return out + query_a;
}

// Merges groups pairwise until no two differ in a single literal segment.
void MergeGroups(std::vector<UrlPattern>* groups) {
  for (bool merged = true; merged;) {
    merged = false;
    for (size_t i = 0; i < groups->size() && !merged; ++i) {
      for (size_t j = i + 1; j < groups->size() && !merged; ++j) {
        std::string m = MergeShapes((*groups)[i].shape, (*groups)[j].shape);
        if (m.empty()) continue;
        UrlPattern& into = (*groups)[i];
        into.shape = m;
        for (auto& e : (*groups)[j].examples) into.examples.push_back(std::move(e));
        groups->erase(groups->begin() + static_cast<long>(j));
        merged = true;
      }
    }
  }
}

// Single-quoted YAML scalar: only the quote itself needs doubling.
std::string Quote(std::string_view s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

void AppendList(std::string* out, std::string_view indent, std::string_view key,
                const std::vector<std::string>& items) {
  *out += std::string(indent) + std::string(key) + ":\n";
  for (const auto& i : items) *out += std::string(indent) + "  - " + Quote(i) + "\n";
}

void AppendHeader(const SiteDraft& d, std::string* out) {
  *out += "# yaml-language-server: $schema=../../schema/site.schema.json\n";
  *out += "# Site file drafted by `tincrawl new-site` from:\n";
  for (const auto& s : d.sources) *out += "#   " + s + "\n";
  *out += "# Review every line, run `tincrawl check-config` and `tincrawl test-site " + d.id +
          "`, then set verified: true.\n";
  for (const auto& u : d.unsure) *out += "# unsure: " + u + "\n";
}

void AppendIdentity(const SiteDraft& d, std::string* out) {
  *out += "id: " + d.id + "\n";
  *out += "name: " + Quote(d.name) + "\n";
  *out += "locality:\n  level: " + d.level + "\n";
  if (d.province.empty())
    *out += "  # TODO: province: 'Tên tỉnh'  (and district/commune below it)\n";
  const std::pair<const char*, const std::string*> parts[] = {
      {"province", &d.province}, {"district", &d.district}, {"commune", &d.commune}};
  for (const auto& [key, value] : parts) {
    if (!value->empty()) *out += std::string("  ") + key + ": " + Quote(*value) + "\n";
  }
  *out += "base_url: " + Quote(d.base_url) + "\n";
  AppendList(out, "", "seeds", d.seeds);
  if (!d.feeds.empty()) AppendList(out, "", "feeds", d.feeds);
}

void AppendCmsAndUrls(const SiteDraft& d, std::string* out) {
  if (d.cms.family.empty()) {
    *out +=
        "# unsure: no CMS family recognised; extraction uses the rules below or the generic "
        "extractor.\ncms: ''\n";
  } else {
    std::string ev;
    for (const auto& e : d.cms.evidence) ev += (ev.empty() ? "" : ", ") + e;
    *out += "# CMS detected from: " + ev + "\n";
    if (d.cms.runner_up * 2 > d.cms.score) *out += "# unsure: another family scored close.\n";
    *out += "cms: " + d.cms.family + "\n";
  }
  if (d.article_regexes.empty() && d.listing_regexes.empty()) return;
  *out += "urls:\n";
  if (!d.article_regexes.empty()) AppendList(out, "  ", "article", d.article_regexes);
  if (!d.listing_regexes.empty()) AppendList(out, "  ", "listing", d.listing_regexes);
}

void AppendRules(const SiteDraft& d, std::string* out) {
  const ExtractRules& r = d.rules;
  if (r.Empty()) return;
  std::string p = d.rules_active ? "" : "# ";
  if (!d.rules_active) {
    *out +=
        "# The cms preset already extracts these pages. Selectors that reproduced it on the\n"
        "# samples, should the preset ever stop matching:\n";
  } else {
    *out += "# Selectors verified by re-extracting the sample articles with them.\n";
  }
  *out += p + "extract:\n";
  const std::pair<const char*, const std::string*> fields[] = {
      {"title", &r.title}, {"date", &r.date}, {"author", &r.author}, {"body", &r.body}};
  for (const auto& [key, value] : fields) {
    if (!value->empty()) *out += p + "  " + key + ": " + Quote(*value) + "\n";
  }
  if (!r.remove.empty()) {
    *out += p + "  remove:\n";
    for (const auto& s : r.remove) *out += p + "    - " + Quote(s) + "\n";
  }
}

}  // namespace

CmsGuess DetectCms(const std::vector<SamplePage>& pages, const std::vector<std::string>& links) {
  std::map<std::string, CmsGuess> scores;
  for (const CmsMarker& m : kMarkers) {
    bool found = false;
    for (const SamplePage& p : pages) {
      found = found || ContainsIgnoreCase(p.bytes, m.needle) || ContainsIgnoreCase(p.url, m.needle);
    }
    for (size_t i = 0; i < links.size() && !found; ++i)
      found = ContainsIgnoreCase(links[i], m.needle);
    if (!found) continue;
    CmsGuess& g = scores[std::string(m.family)];
    g.family = m.family;
    g.score += m.weight;
    g.evidence.emplace_back(m.needle);
  }
  CmsGuess best;
  int second = 0;
  for (auto& [family, g] : scores) {
    if (g.score > best.score) {
      second = best.score;
      best = g;
    } else {
      second = std::max(second, g.score);
    }
  }
  best.runner_up = second;
  if (best.score < kMinCmsScore || best.score == second) return {};
  return best;
}

std::string UrlShape(std::string_view normalized_url) {
  std::string_view path = PathOf(normalized_url);
  std::string out;
  for (const std::string& seg : SplitShape(std::string(path))) out += "/" + SegmentShape(seg);
  if (path.empty()) out = "/";
  std::string_view query = QueryOf(normalized_url);
  if (!query.empty()) out += "\\?" + QueryShape(query);
  return out;
}

std::vector<UrlPattern> GroupUrlShapes(const std::vector<std::string>& links,
                                       std::string_view host) {
  std::vector<UrlPattern> groups;
  std::map<std::string, size_t> index;
  std::map<std::string, bool> seen;
  for (const std::string& url : links) {
    if (HostOf(url) != host || PathOf(url) == "/" || seen[url]) continue;
    seen[url] = true;
    std::string shape = UrlShape(url);
    auto [it, fresh] = index.emplace(shape, groups.size());
    if (fresh) groups.push_back({shape, {}});
    groups[it->second].examples.push_back(url);
  }
  MergeGroups(&groups);
  std::stable_sort(groups.begin(), groups.end(),
                   [](const UrlPattern& a, const UrlPattern& b) { return a.count() > b.count(); });
  return groups;
}

std::string ShapeToRegex(std::string_view shape) {
  return "^https?://[^/]+" + std::string(shape) + "$";
}

std::string RenderSiteYaml(const SiteDraft& draft) {
  std::string out;
  AppendHeader(draft, &out);
  AppendIdentity(draft, &out);
  AppendCmsAndUrls(draft, &out);
  AppendRules(draft, &out);
  out += "enabled: true\nverified: false\n";
  out += "notes: " + Quote("Drafted by tincrawl new-site; not yet checked by a person.") + "\n";
  return out;
}

std::string SiteIdFromHost(std::string_view host) {
  std::string h(host);
  if (h.rfind("www.", 0) == 0) h.erase(0, 4);
  for (std::string_view suffix : {".gov.vn", ".org.vn", ".com.vn", ".edu.vn", ".vn", ".com"}) {
    if (h.size() > suffix.size() &&
        h.compare(h.size() - suffix.size(), suffix.size(), suffix) == 0) {
      h.erase(h.size() - suffix.size());
      break;
    }
  }
  std::string id;
  for (char c : h) {
    char l = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (std::isalnum(static_cast<unsigned char>(l)))
      id += l;
    else if (!id.empty() && id.back() != '-')
      id += '-';
  }
  while (!id.empty() && id.back() == '-') id.pop_back();
  if (id.size() > 63) id.resize(63);
  return id.empty() ? "new-site" : id;
}

std::string GuessLevel(std::string_view name, bool* sure) {
  *sure = true;
  const std::pair<std::string_view, std::string_view> kWords[] = {
      {"thị xã", "district"}, {"huyện", "district"},     {"quận", "district"},
      {" xã ", "commune"},    {"phường", "commune"},     {"đặc khu", "commune"},
      {"tỉnh", "province"},   {"thành phố", "province"}, {"bộ ", "ministry"}};
  std::string lower = FoldCase(name) + " ";
  for (const auto& [word, level] : kWords) {
    if (lower.find(word) != std::string::npos) return std::string(level);
  }
  *sure = false;
  return "province";
}

const std::vector<std::string>& ChromePhrases() {
  static const std::vector<std::string> phrases = {
      "Tin liên quan", "Website liên kết", "Liên kết website", "Thống kê truy cập",
      "Tin nóng",      "Tin Nóng",         "Đang truy cập",    "Lịch công tác"};
  return phrases;
}

std::vector<std::string> ArticleProblems(const Article& a, bool has_rules) {
  std::vector<std::string> problems;
  if (!a.error.empty()) problems.push_back("not an article (" + a.error + ")");
  if (a.title.empty()) problems.push_back("no title");
  if (a.published.empty()) problems.push_back("no date");
  if (a.body.size() < 200)
    problems.push_back("body too short (" + std::to_string(a.body.size()) + " bytes)");
  for (const auto& phrase : ChromePhrases()) {
    if (a.body.find(phrase) != std::string::npos)
      problems.push_back("chrome in body: \"" + phrase + "\"");
  }
  if (has_rules && a.fell_back) problems.push_back("site rules failed; fell back to generic");
  return problems;
}

}  // namespace tincrawl

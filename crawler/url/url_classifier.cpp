#include "crawler/url/url_classifier.h"

#include <algorithm>
#include <array>

namespace tincrawl {

struct CmsPreset {
  std::string_view name;
  std::vector<std::regex> article;
  std::vector<std::regex> listing;
  std::vector<std::regex> feed;
};

namespace {

constexpr auto kPresetFlags = std::regex::ECMAScript | std::regex::icase | std::regex::optimize;

struct PresetSpec {
  std::string_view name;
  std::vector<const char*> article;
  std::vector<const char*> listing;
  std::vector<const char*> feed;
};

std::vector<std::regex> CompileAll(const std::vector<const char*>& patterns) {
  std::vector<std::regex> out;
  for (const char* p : patterns) out.emplace_back(p, kPresetFlags);
  return out;
}

const std::vector<CmsPreset>& Presets() {
  static const std::vector<CmsPreset> presets = [] {
    const std::vector<PresetSpec> specs = {
        {"sharepoint-qn",
         {R"(/Trang/ChiTietTinTuc\.aspx\?(.*&)?nid=)"},
         {R"(/Trang/Tin-tuc-su-kien\.aspx)", R"(/Trang/[^/?]+\.aspx\?(.*&)?Cat=)"},
         {}},
        {"tandan",
         {R"(/portal/Pages/\d{4}-\d{1,2}-\d{1,2}/)"},
         {R"(/portal/Pages/[^/]+\.aspx(\?PageIndex=\d+)?$)"},
         {}},
        {"liferay", {R"(/-/view_content/\d+)", R"(/-/asset_publisher/)"}, {R"(_101_cur=)"}, {}},
        {"nukeviet",
         {R"(/vi/news/[^/]+/[^/]+-\d+\.html)"},
         {R"(/vi/news/[^/]+/?$)", R"(/vi/news/[^/]+/page-\d+/?$)"},
         {R"(/vi/news/rss)", R"(/rss/?$)"}},
        {"dotnetnuke", {R"(/doc-tin/\d+/)"}, {R"(/tin-tuc/?$)", R"(/Default\.aspx\?tabid=)"}, {}},
    };
    std::vector<CmsPreset> out;
    for (const PresetSpec& s : specs) {
      out.push_back({s.name, CompileAll(s.article), CompileAll(s.listing), CompileAll(s.feed)});
    }
    return out;
  }();
  return presets;
}

const CmsPreset* FindCmsPreset(std::string_view name) {
  for (const CmsPreset& p : Presets()) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

bool AnySearch(const std::vector<std::regex>& regexes, const std::string& url) {
  return std::any_of(regexes.begin(), regexes.end(),
                     [&url](const std::regex& re) { return std::regex_search(url, re); });
}

bool EndsWithNoCase(std::string_view s, std::string_view suffix) {
  if (s.size() < suffix.size()) return false;
  s = s.substr(s.size() - suffix.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(s[i])) != suffix[i]) return false;
  }
  return true;
}

constexpr std::array<std::string_view, 28> kAssetExtensions = {
    ".jpg", ".jpeg", ".png",  ".gif", ".webp", ".bmp", ".svg",  ".ico", ".css", ".js",
    ".pdf", ".doc",  ".docx", ".xls", ".xlsx", ".ppt", ".pptx", ".zip", ".rar", ".7z",
    ".mp3", ".mp4",  ".avi",  ".wmv", ".flv",  ".swf", ".woff", ".ttf"};

bool IsAsset(std::string_view path) {
  return std::any_of(kAssetExtensions.begin(), kAssetExtensions.end(),
                     [path](std::string_view ext) { return EndsWithNoCase(path, ext); });
}

UrlKind GenericShape(std::string_view path) {
  if (EndsWithNoCase(path, ".rss") || EndsWithNoCase(path, "/rss") ||
      EndsWithNoCase(path, "/rss/") || EndsWithNoCase(path, "/feed") ||
      EndsWithNoCase(path, "/atom.xml") || EndsWithNoCase(path, "/rss.xml")) {
    return UrlKind::kFeed;
  }
  const size_t slash = path.rfind('/');
  const std::string_view file = path.substr(slash == std::string_view::npos ? 0 : slash + 1);
  if (file.size() >= 7 && EndsWithNoCase(file.substr(0, 7), "sitemap") &&
      (EndsWithNoCase(file, ".xml") || EndsWithNoCase(file, ".xml.gz"))) {
    return UrlKind::kSitemap;
  }
  return UrlKind::kUnknown;
}

Status CompileSiteRegexes(const std::vector<std::string>& patterns, std::string_view field,
                          std::vector<std::regex>* out) {
  for (const std::string& p : patterns) {
    try {
      out->emplace_back(p, std::regex::ECMAScript | std::regex::optimize);
    } catch (const std::regex_error& e) {
      return Status::InvalidArgument("urls." + std::string(field) + ": bad regex \"" + p +
                                     "\": " + e.what());
    }
  }
  return Status::Ok();
}

std::vector<std::string> NormalizeAll(const UrlNormalizer& n,
                                      const std::vector<std::string>& urls) {
  std::vector<std::string> out;
  for (const std::string& u : urls) {
    if (std::optional<std::string> v = n.Normalize(u)) out.push_back(std::move(*v));
  }
  return out;
}

}  // namespace

const char* UrlKindName(UrlKind kind) {
  switch (kind) {
    case UrlKind::kArticle:
      return "article";
    case UrlKind::kListing:
      return "listing";
    case UrlKind::kFeed:
      return "feed";
    case UrlKind::kSitemap:
      return "sitemap";
    case UrlKind::kIgnore:
      return "ignore";
    case UrlKind::kUnknown:
      break;
  }
  return "unknown";
}

Status UrlClassifier::Create(const SiteConfig& site, std::unique_ptr<UrlClassifier>* out) {
  std::unique_ptr<UrlClassifier> c(new UrlClassifier());
  c->site_id_ = site.id;
  c->normalizer_ = UrlNormalizer(site.urls);
  Status s = CompileSiteRegexes(site.urls.ignore, "ignore", &c->ignore_);
  if (s.ok()) s = CompileSiteRegexes(site.urls.article, "article", &c->article_);
  if (s.ok()) s = CompileSiteRegexes(site.urls.listing, "listing", &c->listing_);
  if (!s.ok()) return s;
  c->feeds_ = NormalizeAll(c->normalizer_, site.feeds);
  c->sitemaps_ = NormalizeAll(c->normalizer_, site.sitemaps);
  c->preset_ = FindCmsPreset(site.cms);
  *out = std::move(c);
  return Status::Ok();
}

UrlKind UrlClassifier::Classify(std::string_view normalized_url) const {
  const std::string url(normalized_url);
  const std::string_view path = PathOf(url);
  if (AnySearch(ignore_, url) || IsAsset(path)) return UrlKind::kIgnore;
  if (std::find(feeds_.begin(), feeds_.end(), url) != feeds_.end()) return UrlKind::kFeed;
  if (std::find(sitemaps_.begin(), sitemaps_.end(), url) != sitemaps_.end()) {
    return UrlKind::kSitemap;
  }
  if (AnySearch(article_, url)) return UrlKind::kArticle;
  if (AnySearch(listing_, url)) return UrlKind::kListing;
  if (preset_ != nullptr) {
    if (AnySearch(preset_->article, url)) return UrlKind::kArticle;
    if (AnySearch(preset_->feed, url)) return UrlKind::kFeed;
    if (AnySearch(preset_->listing, url)) return UrlKind::kListing;
  }
  return GenericShape(path);
}

Status SiteRouter::Create(const std::vector<SiteConfig>& sites, std::unique_ptr<SiteRouter>* out) {
  std::unique_ptr<SiteRouter> r(new SiteRouter());
  const UrlNormalizer normalizer;
  for (size_t i = 0; i < sites.size(); ++i) {
    std::vector<std::string> raw = sites[i].hosts;
    if (std::optional<std::string> base = normalizer.Normalize(sites[i].base_url)) {
      raw.emplace_back(HostOf(*base));
    }
    std::vector<std::string> hosts;
    for (const std::string& h : raw) {
      std::optional<std::string> host = HostToAscii(h);
      if (!host || std::find(hosts.begin(), hosts.end(), *host) != hosts.end()) continue;
      auto [it, inserted] = r->host_to_site_.emplace(*host, static_cast<int>(i));
      if (!inserted && it->second != static_cast<int>(i)) {
        return Status::InvalidArgument("host " + *host + " is claimed by sites " +
                                       sites[it->second].id + " and " + sites[i].id);
      }
      hosts.push_back(std::move(*host));
    }
    r->site_hosts_.push_back(std::move(hosts));
    r->site_ids_.push_back(sites[i].id);
  }
  *out = std::move(r);
  return Status::Ok();
}

int SiteRouter::SiteForHost(std::string_view host) const {
  const auto it = host_to_site_.find(std::string(host));
  return it == host_to_site_.end() ? -1 : it->second;
}

Scope SiteRouter::Route(int from_site, std::string_view normalized_url, int* to_site) const {
  const int owner = SiteForHost(HostOf(normalized_url));
  if (to_site != nullptr) *to_site = owner;
  if (owner < 0) {
    out_of_scope_.fetch_add(1, std::memory_order_relaxed);
    return Scope::kOutOfScope;
  }
  return owner == from_site ? Scope::kSameSite : Scope::kOtherSite;
}

}  // namespace tincrawl

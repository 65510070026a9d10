// `tincrawl new-site` (draft a site file from a home page) and `tincrawl test-site` (check a
// configured site against the live portal). See docs/adding-a-locality.md.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <set>

#include "crawler/cli/commands.h"
#include "crawler/config/config.h"
#include "crawler/net/simple_fetch.h"
#include "crawler/pipeline/discovery.h"
#include "crawler/sitetools/site_probe.h"
#include "crawler/sitetools/site_selectors.h"
#include "crawler/sitetools/site_wizard.h"
#include "crawler/url/url_classifier.h"
#include "extractors/charset.h"
#include "extractors/extract.h"
#include "extractors/page.h"

namespace tincrawl {

namespace {

constexpr int kMaxWizardFetches = 12;
constexpr int kMaxSampleArticles = 5;
constexpr int kMaxListings = 2;
constexpr int kMaxProbes = 3;
constexpr size_t kMaxSeeds = 6;

// The daemon config when -c names a loadable file; defaults otherwise.
DaemonConfig WizardDefaults(const CliOptions& opts) {
  if (access(opts.config_path.c_str(), R_OK) != 0) return {};
  std::vector<ConfigError> errors;
  Config config = LoadConfig(opts.config_path, &errors);
  if (!errors.empty()) {
    std::fprintf(stderr, "tincrawl: %s does not load; using default network settings\n",
                 opts.config_path.c_str());
    return {};
  }
  return config.daemon;
}

// A saved page's own URL: <link rel=canonical>, og:url, then <base href>.
std::string SavedPageUrl(const SamplePage& page) {
  Page parsed = LoadPage(DecodeHtml(page.bytes, "").utf8, "");
  if (IsHttpUrl(parsed.canonical_url)) return parsed.canonical_url;
  if (IsHttpUrl(parsed.base_url)) return parsed.base_url;
  return "";
}

bool ReadSaved(const std::string& path, SamplePage* page, std::string* error) {
  std::ifstream f(path, std::ios::binary);
  if (!f) {
    *error = "cannot read " + path;
    return false;
  }
  page->bytes.assign(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
  page->url = SavedPageUrl(*page);
  if (page->url.empty()) {
    *error = path +
             ": no <link rel=canonical>, og:url or <base href> tells the page's URL; "
             "give the live URL instead";
    return false;
  }
  return true;
}

// Everything new-site learns, accumulated over the fetched and given pages.
struct Survey {
  std::string home;  // Normalized home page URL.
  std::string host;
  std::vector<SamplePage> pages;   // Every page read, home first.
  std::vector<std::string> links;  // Same-host links of every page.
  std::vector<std::string> feeds;
  std::map<std::string, PageKind> kinds;  // URL -> kind of the pages read.
  std::set<std::string> pagination;       // Pagination link shapes seen on listings.
  bool live = false;
};

class Wizard {
 public:
  Wizard(const CliOptions& opts, const DaemonConfig& daemon)
      : opts_(opts),
        probe_(daemon.network, daemon.politeness.min_delay_seconds, kMaxWizardFetches) {}

  int Run();

 private:
  bool ReadInputs();
  void AddPage(SamplePage page);
  void Classify();
  UrlKind KindOf(const UrlPattern& group);
  UrlKind PresetKind(const UrlPattern& group) const;
  UrlKind ProbedKind(const UrlPattern& group, bool preset_articles);
  void FollowListings();
  std::vector<SamplePage> SampleArticles();
  SiteDraft Draft(const std::vector<SamplePage>& articles);
  void AddUrlRules(SiteDraft* draft);

  const CliOptions& opts_;
  SiteProbe probe_;
  UrlNormalizer normalizer_;
  Survey survey_;
  CmsGuess cms_;
  std::unique_ptr<UrlClassifier> classifier_;
  std::vector<UrlPattern> groups_;
  std::vector<UrlKind> group_kinds_;
  int probes_ = 0;
};

bool Wizard::ReadInputs() {
  for (size_t i = 0; i < opts_.inputs.size(); ++i) {
    const std::string& input = opts_.inputs[i];
    SamplePage page;
    std::string error;
    bool ok =
        IsHttpUrl(input) ? probe_.Fetch(input, &page, &error) : ReadSaved(input, &page, &error);
    if (!ok) {
      std::fprintf(stderr, "tincrawl: %s\n", error.c_str());
      if (i == 0) return false;
      continue;
    }
    if (i == 0) {
      survey_.live = IsHttpUrl(input);
      std::optional<std::string> home = normalizer_.Normalize(page.url);
      if (!home) return false;
      survey_.home = *home;
      survey_.host = std::string(HostOf(*home));
    }
    AddPage(std::move(page));
  }
  return true;
}

void Wizard::AddPage(SamplePage page) {
  std::optional<std::string> url = normalizer_.Normalize(page.url);
  if (url) page.url = *url;
  for (auto& link : PageLinks(page, normalizer_)) {
    if (HostOf(link) == survey_.host) survey_.links.push_back(std::move(link));
  }
  for (auto& feed : PageFeeds(page, normalizer_)) survey_.feeds.push_back(std::move(feed));
  ExtractInput in;
  in.bytes = page.bytes;
  in.url = page.url;
  in.content_type = page.content_type;
  in.generic_only = true;
  PageKind kind = Extract(in).page_kind;
  survey_.kinds[page.url] = kind;
  if (kind == PageKind::kListing || survey_.pages.empty()) {
    for (const PageLink& p : FindPaginationLinks(page.bytes, page.url, normalizer_)) {
      survey_.pagination.insert(UrlShape(p.url));
    }
  }
  survey_.pages.push_back(std::move(page));
}

UrlKind Wizard::KindOf(const UrlPattern& group) {
  std::map<UrlKind, int> votes;
  for (const auto& url : group.examples) votes[classifier_->Classify(url)]++;
  if (votes[UrlKind::kArticle] * 2 > group.count()) return UrlKind::kArticle;
  if (votes[UrlKind::kListing] * 2 > group.count()) return UrlKind::kListing;
  for (const auto& url : group.examples) {
    auto it = survey_.kinds.find(url);
    if (it != survey_.kinds.end()) {
      return it->second == PageKind::kArticle   ? UrlKind::kArticle
             : it->second == PageKind::kListing ? UrlKind::kListing
                                                : UrlKind::kIgnore;
    }
  }
  if (!survey_.live || probes_ >= kMaxProbes || group.count() < 2) return UrlKind::kUnknown;
  ++probes_;
  SamplePage page;
  std::string error;
  if (!probe_.Fetch(group.examples[0], &page, &error)) return UrlKind::kUnknown;
  AddPage(std::move(page));
  return KindOf(group);
}

// With a CMS preset, the preset's article shapes are trusted and a probed page of another shape
// is a listing only when it links to several preset articles (generic page kinds mistake
// category pages for articles).
UrlKind Wizard::ProbedKind(const UrlPattern& group, bool preset_articles) {
  UrlKind kind = KindOf(group);
  if (!preset_articles || kind == UrlKind::kUnknown) return kind;
  for (const SamplePage& p : survey_.pages) {
    if (std::find(group.examples.begin(), group.examples.end(), p.url) == group.examples.end()) {
      continue;
    }
    int articles = 0;
    for (const auto& link : PageLinks(p, normalizer_)) {
      articles += classifier_->Classify(link) == UrlKind::kArticle ? 1 : 0;
    }
    return articles >= 3 ? UrlKind::kListing : UrlKind::kIgnore;
  }
  return UrlKind::kUnknown;
}

void Wizard::Classify() {
  groups_ = GroupUrlShapes(survey_.links, survey_.host);
  group_kinds_.assign(groups_.size(), UrlKind::kUnknown);
  bool preset_articles = false;
  for (size_t i = 0; i < groups_.size(); ++i) {
    UrlKind kind = PresetKind(groups_[i]);
    group_kinds_[i] = kind;
    preset_articles = preset_articles || kind == UrlKind::kArticle;
  }
  for (size_t i = 0; i < groups_.size() && i < 10; ++i) {
    if (group_kinds_[i] == UrlKind::kUnknown)
      group_kinds_[i] = ProbedKind(groups_[i], preset_articles);
  }
}

UrlKind Wizard::PresetKind(const UrlPattern& group) const {
  std::map<UrlKind, int> votes;
  for (const auto& url : group.examples) votes[classifier_->Classify(url)]++;
  if (votes[UrlKind::kArticle] * 2 > group.count()) return UrlKind::kArticle;
  if (votes[UrlKind::kListing] * 2 > group.count()) return UrlKind::kListing;
  return UrlKind::kUnknown;
}

void Wizard::FollowListings() {
  int followed = 0;
  for (size_t i = 0; i < groups_.size() && followed < kMaxListings; ++i) {
    if (group_kinds_[i] != UrlKind::kListing) continue;
    const std::string& url = groups_[i].examples[0];
    if (survey_.kinds.count(url) != 0) {
      ++followed;
      continue;
    }
    SamplePage page;
    std::string error;
    if (!probe_.Fetch(url, &page, &error)) break;
    AddPage(std::move(page));
    ++followed;
  }
}

std::vector<SamplePage> Wizard::SampleArticles() {
  std::vector<SamplePage> out;
  std::set<std::string> taken;
  for (const SamplePage& p : survey_.pages) {
    if (survey_.kinds[p.url] == PageKind::kArticle && taken.insert(p.url).second) out.push_back(p);
  }
  for (size_t i = 0; i < groups_.size() && survey_.live; ++i) {
    if (group_kinds_[i] != UrlKind::kArticle) continue;
    for (const auto& url : groups_[i].examples) {
      if (static_cast<int>(out.size()) >= kMaxSampleArticles || !probe_.budget_left()) break;
      if (!taken.insert(url).second) continue;
      SamplePage page;
      std::string error;
      if (probe_.Fetch(url, &page, &error)) out.push_back(std::move(page));
    }
  }
  return out;
}

void Wizard::AddUrlRules(SiteDraft* d) {
  std::set<std::string> listing_shapes;
  for (size_t i = 0; i < groups_.size(); ++i) {
    std::string regex = ShapeToRegex(groups_[i].shape);
    if (group_kinds_[i] == UrlKind::kArticle && d->article_regexes.size() < 3) {
      d->article_regexes.push_back(regex);
      if (groups_[i].count() < 3) {
        d->unsure.push_back("only " + std::to_string(groups_[i].count()) +
                            " links matched the article pattern " + regex);
      }
    } else if (group_kinds_[i] == UrlKind::kListing &&
               listing_shapes.insert(groups_[i].shape).second) {
      d->listing_regexes.push_back(regex);
      for (const auto& url : groups_[i].examples) {
        if (d->seeds.size() < kMaxSeeds && PageNumberOf(url) == 1) d->seeds.push_back(url);
      }
    }
  }
  for (const auto& shape : survey_.pagination) {
    if (listing_shapes.insert(shape).second && d->listing_regexes.size() < 8) {
      d->listing_regexes.push_back(ShapeToRegex(shape));
    }
  }
  if (d->article_regexes.empty()) {
    d->unsure.push_back(
        "no article URL pattern found; the crawler will fetch and classify "
        "every link (add urls.article)");
  }
}

SiteDraft Wizard::Draft(const std::vector<SamplePage>& articles) {
  SiteDraft d;
  d.id = opts_.site_ids.empty() ? SiteIdFromHost(survey_.host) : opts_.site_ids[0];
  const SamplePage& home = survey_.pages[0];
  Page parsed = LoadPage(DecodeHtml(home.bytes, home.content_type).utf8, home.url);
  d.name = !parsed.site_name.empty() ? parsed.site_name : parsed.title_tag;
  for (std::string_view prefix : {"Trang chủ - ", "Trang chủ | ", "Trang chủ"}) {
    if (d.name.rfind(prefix, 0) == 0) d.name.erase(0, prefix.size());
  }
  if (d.name.empty()) d.name = survey_.host;
  bool sure = false;
  d.level = GuessLevel(d.name, &sure);
  if (!sure) d.unsure.push_back("locality level guessed as province; check it");
  d.base_url = survey_.home.substr(0, survey_.home.find('/', survey_.home.find("://") + 3)) + "/";
  d.seeds.push_back(d.base_url);
  for (const auto& f : survey_.feeds) {
    if (d.feeds.size() < 4 && std::find(d.feeds.begin(), d.feeds.end(), f) == d.feeds.end()) {
      d.feeds.push_back(f);
    }
  }
  d.cms = cms_;
  AddUrlRules(&d);
  const ExtractRules* preset = cms_.family.empty() ? nullptr : FindPreset(cms_.family);
  SelectorProposal proposal = ProposeSelectors(articles, preset);
  d.rules = proposal.rules;
  bool complete = !d.rules.title.empty() && !d.rules.body.empty();
  d.rules_active = complete && (preset == nullptr || proposal.base_fell_back > 0);
  if (preset != nullptr && proposal.base_fell_back > 0) {
    d.unsure.push_back("the " + cms_.family + " preset failed on " +
                       std::to_string(proposal.base_fell_back) +
                       " sample(s); the extract rules "
                       "below override it" +
                       (complete ? "" : " (none verified: generic extraction)"));
  }
  for (auto& u : proposal.unsure) d.unsure.push_back(std::move(u));
  for (const auto& input : opts_.inputs) d.sources.push_back(input);
  return d;
}

int Wizard::Run() {
  if (!ReadInputs()) return kExitFailure;
  cms_ = DetectCms(survey_.pages, survey_.links);
  SiteConfig site;
  site.id = "new-site";
  site.base_url = survey_.home;
  site.hosts = {survey_.host};
  site.cms = cms_.family;
  if (!UrlClassifier::Create(site, &classifier_).ok()) return kExitFailure;
  Classify();
  if (survey_.live) {
    FollowListings();
    Classify();
  }
  std::vector<SamplePage> articles = SampleArticles();
  std::string yaml = RenderSiteYaml(Draft(articles));
  if (opts_.output.empty()) {
    std::fwrite(yaml.data(), 1, yaml.size(), stdout);
  } else {
    std::ofstream out(opts_.output, std::ios::binary);
    out << yaml;
    if (!out.flush()) {
      std::fprintf(stderr, "tincrawl: cannot write %s\n", opts_.output.c_str());
      return kExitFailure;
    }
  }
  std::fprintf(stderr, "tincrawl: new-site: cms %s, %zu sample articles, %d pages fetched\n",
               cms_.family.empty() ? "unknown" : cms_.family.c_str(), articles.size(),
               probe_.fetches());
  return kExitOk;
}

// Article links of the site found on its seeds (and, when the seeds hold too few, on the
// listings they link to), at most `want`.
std::vector<std::string> FindArticles(const SiteConfig& site, const UrlClassifier& classifier,
                                      SiteProbe* probe, int want,
                                      std::vector<std::string>* problems) {
  std::vector<std::string> articles, listings;
  std::set<std::string> seen;
  auto scan = [&](const std::string& url) {
    SamplePage page;
    std::string error;
    if (!probe->Fetch(url, &page, &error)) {
      problems->push_back("fetch " + url + ": " + error);
      return;
    }
    for (const auto& link : PageLinks(page, classifier.normalizer())) {
      std::string host = UrlHost(link);
      if (std::find(site.hosts.begin(), site.hosts.end(), host) == site.hosts.end()) continue;
      if (!seen.insert(link).second) continue;
      UrlKind kind = classifier.Classify(link);
      if (kind == UrlKind::kArticle) articles.push_back(link);
      if (kind == UrlKind::kListing) listings.push_back(link);
    }
  };
  for (const auto& seed : site.seeds) scan(seed);
  for (size_t i = 0; i < listings.size() && i < 2 && static_cast<int>(articles.size()) < want;
       ++i) {
    scan(listings[i]);
  }
  if (static_cast<int>(articles.size()) > want) articles.resize(want);
  return articles;
}

std::string FirstWords(const std::string& body, int words) {
  size_t pos = 0;
  for (int i = 0; i < words && pos != std::string::npos; ++i) pos = body.find(' ', pos + 1);
  std::string out = body.substr(0, pos);
  std::replace(out.begin(), out.end(), '\n', ' ');
  return pos == std::string::npos ? out : out + " ...";
}

// Fetches and extracts one article page, prints its fields and returns its problem count.
size_t TestArticle(const SiteConfig& site, const std::string& url, SiteProbe* probe, int n) {
  std::printf("[%d] %s\n", n, url.c_str());
  SamplePage page;
  std::string error;
  if (!probe->Fetch(url, &page, &error)) {
    std::printf("    problem:   fetch error: %s\n", error.c_str());
    return 1;
  }
  ExtractInput in;
  in.bytes = page.bytes;
  in.url = page.url;
  in.content_type = page.content_type;
  bool has_rules = !site.extract.Empty();
  in.rules = has_rules ? &site.extract : nullptr;
  Article a = Extract(in);
  std::printf("    title:     %s\n    published: %s\n    author:    %s\n", a.title.c_str(),
              a.published.c_str(), a.author.c_str());
  std::printf("    body:      %zu bytes: %s\n    rules:     %s\n", a.body.size(),
              FirstWords(a.body, 12).c_str(),
              a.used_rules ? "site/cms rules" : (a.fell_back ? "fell back to generic" : "generic"));
  std::vector<std::string> problems = ArticleProblems(a, has_rules);
  for (const auto& p : problems) std::printf("    problem:   %s\n", p.c_str());
  return problems.size();
}

}  // namespace

int CmdNewSite(const CliOptions& opts) {
  if (opts.inputs.empty()) {
    std::fprintf(stderr, "usage: tincrawl new-site [-c FILE] [--id ID] [-o FILE] URL|FILE...\n");
    return kExitUsage;
  }
  return Wizard(opts, WizardDefaults(opts)).Run();
}

int CmdTestSite(const CliOptions& opts) {
  if (opts.inputs.size() != 1 || opts.pages < 1) {
    std::fprintf(stderr, "usage: tincrawl test-site [-c FILE] ID [--pages N]\n");
    return kExitUsage;
  }
  Config config;
  if (!LoadOrReport(opts, &config)) return kExitUsage;
  const SiteConfig* site = config.FindSite(opts.inputs[0]);
  if (site == nullptr) {
    std::fprintf(stderr, "tincrawl: no site \"%s\" in %s\n", opts.inputs[0].c_str(),
                 opts.config_path.c_str());
    return kExitUsage;
  }
  std::unique_ptr<UrlClassifier> classifier;
  if (Status s = UrlClassifier::Create(*site, &classifier); !s.ok()) {
    std::fprintf(stderr, "tincrawl: %s\n", s.ToString().c_str());
    return kExitUsage;
  }
  SiteProbe probe(config.daemon.network, site->politeness.min_delay_seconds,
                  static_cast<int>(site->seeds.size()) + 2 + opts.pages);
  std::vector<std::string> problems;
  std::vector<std::string> articles =
      FindArticles(*site, *classifier, &probe, opts.pages, &problems);
  for (const auto& p : problems) std::printf("problem: %s\n", p.c_str());
  size_t count = problems.size();
  if (articles.empty()) {
    std::printf("problem: no article links found on the seeds (check urls.article)\n");
    ++count;
  }
  for (size_t i = 0; i < articles.size(); ++i) {
    count += TestArticle(*site, articles[i], &probe, static_cast<int>(i) + 1);
  }
  if (count == 0) {
    std::printf("PASS\n");
    return kExitOk;
  }
  std::printf("FAIL (%zu problem%s)\n", count, count == 1 ? "" : "s");
  return kExitFailure;
}

}  // namespace tincrawl

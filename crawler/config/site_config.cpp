// Parsing and validation of one site file (config/sites/<province>/<site>.yaml).
#include <algorithm>
#include <regex>

#include "crawler/config/config.h"
#include "crawler/config/yaml_reader.h"
#include "extractors/extract.h"
#include "extractors/selector.h"

namespace tincrawl {

void ReadSitePoliteness(YamlReader& r, const YAML::Node& n, Politeness* p);
void ReadSiteRecrawl(YamlReader& r, const YAML::Node& n, Recrawl* c);
void ReadSiteTls(YamlReader& r, const YAML::Node& n, const std::string& file, TlsPolicy* t);

namespace {

const std::vector<std::string_view> kLevels = {"province", "district", "commune", "ministry",
                                               "agency"};

void ReadLocality(YamlReader& r, const YAML::Node& n, Locality* l) {
  if (!r.ExpectMap(n, "locality")) return;
  r.CheckKeys(n, {"level", "province", "district", "commune", "merged_into"}, "locality");
  if (r.Require(n, "level", "locality") && r.Get(n, "level", &l->level) &&
      std::find(kLevels.begin(), kLevels.end(), l->level) == kLevels.end()) {
    std::string hint = Suggest(l->level, kLevels);
    r.Error(n["level"], "level must be one of province, district, commune, ministry, agency" +
                            (hint.empty() ? std::string() : "; did you mean \"" + hint + "\"?"));
  }
  r.Get(n, "province", &l->province);
  r.Get(n, "district", &l->district);
  r.Get(n, "commune", &l->commune);
  r.Get(n, "merged_into", &l->merged_into);
}

void CheckRegexes(YamlReader& r, const YAML::Node& list, const std::vector<std::string>& items) {
  for (size_t i = 0; i < items.size(); ++i) {
    try {
      std::regex re(items[i], std::regex::ECMAScript);
    } catch (const std::regex_error& e) {
      r.Error(list.IsSequence() ? list[i] : list,
              "invalid regular expression \"" + items[i] + "\": " + e.what());
    }
  }
}

void ReadUrlRules(YamlReader& r, const YAML::Node& n, UrlRules* u) {
  if (!r.ExpectMap(n, "urls")) return;
  r.CheckKeys(n, {"article", "listing", "ignore", "keep_params", "drop_params", "fetch"}, "urls");
  if (r.Get(n, "article", &u->article)) CheckRegexes(r, n["article"], u->article);
  if (r.Get(n, "listing", &u->listing)) CheckRegexes(r, n["listing"], u->listing);
  if (r.Get(n, "ignore", &u->ignore)) CheckRegexes(r, n["ignore"], u->ignore);
  r.Get(n, "keep_params", &u->keep_params);
  r.Get(n, "drop_params", &u->drop_params);
  std::string fetch;
  if (r.Get(n, "fetch", &fetch)) {
    if (fetch == "canonical") {
      u->fetch_canonical = true;
    } else if (fetch != "as_published") {
      r.Error(n["fetch"], "fetch must be \"as_published\" or \"canonical\"");
    }
  }
}

void CheckSelector(YamlReader& r, const YAML::Node& node, const std::string& text) {
  if (text.empty()) return;
  std::string error;
  if (Selector::Parse(text, &error) == nullptr) {
    r.Error(node, "invalid CSS selector \"" + text + "\": " + error);
  }
}

void ReadExtract(YamlReader& r, const YAML::Node& n, ExtractRules* x) {
  if (!r.ExpectMap(n, "extract")) return;
  r.CheckKeys(n, {"title", "date", "author", "summary", "body", "remove", "date_formats"},
              "extract");
  const std::pair<const char*, std::string*> fields[] = {{"title", &x->title},
                                                         {"date", &x->date},
                                                         {"author", &x->author},
                                                         {"summary", &x->summary},
                                                         {"body", &x->body}};
  for (const auto& [key, dest] : fields) {
    if (r.Get(n, key, dest)) CheckSelector(r, n[key], *dest);
  }
  if (r.Get(n, "remove", &x->remove)) {
    for (size_t i = 0; i < x->remove.size(); ++i) {
      CheckSelector(r, n["remove"].IsSequence() ? n["remove"][i] : n["remove"], x->remove[i]);
    }
  }
  if (r.Get(n, "date_formats", &x->date_formats)) {
    for (size_t i = 0; i < x->date_formats.size(); ++i) {
      const std::string& f = x->date_formats[i];
      if (f.find("%d") == std::string::npos || f.find("%m") == std::string::npos ||
          f.find("%Y") == std::string::npos) {
        r.Error(n["date_formats"].IsSequence() ? n["date_formats"][i] : n["date_formats"],
                "date format \"" + f + "\" must contain %d, %m and %Y");
      }
    }
  }
}

// Seeds, feeds and sitemaps must be absolute URLs on one of the site's hosts (anything else
// would be dropped as out of scope at crawl time, silently).
void CheckUrls(YamlReader& r, const YAML::Node& root, const char* key,
               const std::vector<std::string>& urls, const std::vector<std::string>& hosts) {
  for (size_t i = 0; i < urls.size(); ++i) {
    const YAML::Node& at = root[key].IsSequence() ? root[key][i] : root[key];
    std::string host = UrlHost(urls[i]);
    if (host.empty()) {
      r.Error(at, "\"" + urls[i] + "\" is not an absolute http(s) URL");
    } else if (!hosts.empty() && std::find(hosts.begin(), hosts.end(), host) == hosts.end()) {
      r.Error(at, "\"" + urls[i] + "\" is not on the site's hosts (base_url host or \"hosts\")");
    }
  }
}

void ReadCms(YamlReader& r, const YAML::Node& root, SiteConfig* site) {
  if (!r.Get(root, "cms", &site->cms) || site->cms.empty()) return;
  const ExtractRules* preset = FindPreset(site->cms);
  if (preset == nullptr) {
    std::vector<std::string> names = PresetNames();
    std::vector<std::string_view> views(names.begin(), names.end());
    std::string msg = "unknown cms \"" + site->cms + "\"";
    std::string hint = Suggest(site->cms, views);
    if (!hint.empty()) msg += "; did you mean \"" + hint + "\"?";
    r.Error(root["cms"], msg);
    return;
  }
  // The site's own rules override the preset field by field.
  ExtractRules merged = *preset;
  merged.Overlay(site->extract);
  site->extract = std::move(merged);
}

void ReadIdentity(YamlReader& r, const YAML::Node& root, SiteConfig* site) {
  static const std::regex kId("^[a-z0-9][a-z0-9-]{0,62}$");
  if (r.Require(root, "id", "site") && r.Get(root, "id", &site->id)) {
    site->id_line = root["id"].Mark().line + 1;
    if (!std::regex_match(site->id, kId)) {
      r.Error(root["id"],
              "id \"" + site->id + "\" must be lower-case letters, digits and '-' (max 63)");
    }
  }
  if (r.Require(root, "name", "site")) r.Get(root, "name", &site->name);
  if (r.Require(root, "locality", "site")) ReadLocality(r, root["locality"], &site->locality);
  if (r.Require(root, "base_url", "site") && r.Get(root, "base_url", &site->base_url)) {
    std::string host = UrlHost(site->base_url);
    if (host.empty()) {
      r.Error(root["base_url"], "base_url must be an absolute http(s) URL");
    } else {
      site->hosts.push_back(host);
    }
  }
  std::vector<std::string> extra;
  if (r.Get(root, "hosts", &extra)) {
    for (auto& h : extra) {
      std::transform(h.begin(), h.end(), h.begin(), ::tolower);
      if (std::find(site->hosts.begin(), site->hosts.end(), h) == site->hosts.end()) {
        site->hosts.push_back(h);
      }
    }
  }
}

}  // namespace

bool ReadSiteNode(YamlReader& r, const YAML::Node& root, const DaemonConfig& defaults,
                  SiteConfig* site) {
  if (!r.ExpectMap(root, "a site file")) return false;
  r.CheckKeys(root,
              {"id", "name", "locality", "base_url", "hosts", "seeds", "feeds", "sitemaps", "cms",
               "urls", "extract", "politeness", "tls", "recrawl", "enabled", "verified", "notes"},
              "site file");
  site->politeness = defaults.politeness;
  site->recrawl = defaults.recrawl;
  ReadIdentity(r, root, site);
  if (r.Get(root, "seeds", &site->seeds)) CheckUrls(r, root, "seeds", site->seeds, site->hosts);
  if (r.Get(root, "feeds", &site->feeds)) CheckUrls(r, root, "feeds", site->feeds, site->hosts);
  if (r.Get(root, "sitemaps", &site->sitemaps))
    CheckUrls(r, root, "sitemaps", site->sitemaps, site->hosts);
  auto mistyped = [&](const char* key) { return root[key] && !root[key].IsSequence(); };
  if (site->seeds.empty() && site->feeds.empty() && site->sitemaps.empty() && !mistyped("seeds") &&
      !mistyped("feeds") && !mistyped("sitemaps")) {
    r.Error(root, "a site needs at least one of \"seeds\", \"feeds\" or \"sitemaps\"");
  }
  if (root["urls"]) ReadUrlRules(r, root["urls"], &site->urls);
  if (root["extract"]) ReadExtract(r, root["extract"], &site->extract);
  ReadCms(r, root, site);
  if (root["politeness"]) ReadSitePoliteness(r, root["politeness"], &site->politeness);
  if (root["recrawl"]) ReadSiteRecrawl(r, root["recrawl"], &site->recrawl);
  if (root["tls"]) ReadSiteTls(r, root["tls"], site->file, &site->tls);
  r.Get(root, "enabled", &site->enabled);
  r.Get(root, "verified", &site->verified);
  r.Get(root, "notes", &site->notes);
  return true;
}

}  // namespace tincrawl

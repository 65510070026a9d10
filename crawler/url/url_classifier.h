#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <regex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "crawler/common/status.h"
#include "crawler/config/config.h"
#include "crawler/url/url.h"

namespace tincrawl {

struct CmsPreset;  // URL shapes of one CMS family (url_classifier.cpp).

// What a URL is expected to be before it is fetched. kUnknown pages are fetched and the
// extractor's page_kind decides afterwards.
enum class UrlKind : uint8_t { kUnknown = 0, kArticle, kListing, kFeed, kSitemap, kIgnore };
const char* UrlKindName(UrlKind kind);

// Classifies the normalized URLs of one site. Order: the site's `ignore` regexes, then built-in
// ignores (static assets and documents, which are attachments, not pages), the site's declared
// feeds and sitemaps, the site's `article` then `listing` regexes, the CMS preset's URL shapes
// (sharepoint-qn, tandan, liferay, nukeviet, dotnetnuke; case-insensitive), generic feed and
// sitemap shapes (".rss", "/rss", "sitemap*.xml[.gz]"), and finally kUnknown. Every regex is
// searched (std::regex_search) in the full URL and compiled once, in Create. Classify is const
// and safe to call from any thread.
class UrlClassifier {
 public:
  // Compiles the site's rules. Returns InvalidArgument naming the bad regex (and leaves *out
  // untouched) when one does not compile.
  static Status Create(const SiteConfig& site, std::unique_ptr<UrlClassifier>* out);

  UrlKind Classify(std::string_view normalized_url) const;

  const std::string& site_id() const { return site_id_; }
  const UrlNormalizer& normalizer() const { return normalizer_; }

 private:
  UrlClassifier() = default;

  std::string site_id_;
  UrlNormalizer normalizer_;
  std::vector<std::string> feeds_;     // Normalized.
  std::vector<std::string> sitemaps_;  // Normalized.
  std::vector<std::regex> ignore_;
  std::vector<std::regex> article_;
  std::vector<std::regex> listing_;
  const CmsPreset* preset_ = nullptr;
};

// Where a link goes relative to the site that found it.
enum class Scope : uint8_t { kSameSite, kOtherSite, kOutOfScope };

// Maps hosts to configured sites, so a link found on one site that points to another
// configured site is handed to that site, and links to anywhere else are dropped and counted.
// Hosts are compared in their normalized (lower-case, punycode) form. Immutable after Create,
// except the atomic counter, so it may be shared by every thread.
class SiteRouter {
 public:
  // Builds the map from each site's `hosts` (and base_url host). A host claimed by two sites is
  // an InvalidArgument error naming both.
  static Status Create(const std::vector<SiteConfig>& sites, std::unique_ptr<SiteRouter>* out);

  // The index (into the vector given to Create) of the site owning `host`, or -1.
  int SiteForHost(std::string_view host) const;

  // Scope of the normalized `url` for the site at index `from_site`; *to_site receives the owner
  // (or -1). kOutOfScope increments out_of_scope().
  Scope Route(int from_site, std::string_view normalized_url, int* to_site) const;

  // Normalized hosts of site `index`.
  const std::vector<std::string>& hosts(int index) const { return site_hosts_[index]; }
  const std::string& site_id(int index) const { return site_ids_[index]; }
  int site_count() const { return static_cast<int>(site_ids_.size()); }

  // Links dropped because no configured site owns their host.
  uint64_t out_of_scope() const { return out_of_scope_.load(std::memory_order_relaxed); }

 private:
  SiteRouter() = default;

  std::unordered_map<std::string, int> host_to_site_;
  std::vector<std::vector<std::string>> site_hosts_;
  std::vector<std::string> site_ids_;
  mutable std::atomic<uint64_t> out_of_scope_{0};
};

}  // namespace tincrawl

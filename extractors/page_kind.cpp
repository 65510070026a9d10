#include "extractors/page_kind.h"

#include <algorithm>
#include <cstdio>

namespace tincrawl {
namespace {

constexpr unsigned kStrongProse = 1200;  // Bytes of prose no listing shows outside its items.
constexpr unsigned kMinBody = 120;       // Less body than this is not worth storing.
constexpr unsigned kMinItems = 3;

std::string Signals(const KindEvidence& e) {
  char buf[256];
  std::snprintf(buf, sizeof(buf),
                "prose=%u paragraphs=%u longest=%u items=%u item_text=%u headlines=%u body=%u "
                "attachments=%u title_meta=%d dated=%d",
                e.prose, e.paragraphs, e.longest, e.items, e.item_text, e.content_headlines,
                e.body_bytes, e.attachments, e.title_meta, e.dated);
  return buf;
}

// Strength of each side in [0, 1].
double ArticleStrength(const KindEvidence& e) {
  double s = std::min(1.0, e.prose / static_cast<double>(kStrongProse));
  s = std::max(s, std::min(1.0, e.longest / 500.0));
  if (e.paragraphs >= 3) s = std::min(1.0, s + 0.2);
  return s;
}

double ListingStrength(const KindEvidence& e) {
  if (e.items < kMinItems && e.content_headlines == 0) return 0;
  double share = static_cast<double>(e.item_text) / (e.item_text + e.prose + 1);
  double count = std::min(1.0, std::max(e.items, e.content_headlines) / 8.0);
  return std::min(1.0, 0.6 * share + 0.4 * count);
}

bool IsListing(const KindEvidence& e, double article, double listing) {
  // A headline that agrees with the metadata and carries a date is article evidence that
  // listings lack (their dates belong to the items).
  bool supported = e.title_meta && e.dated;
  // A headline link on a line of its own with hardly any prose beside it: a category page
  // that lists a single item.
  if (e.standalone_headlines > 0 && e.prose < 250 && e.longest < 200 && e.attachments == 0 &&
      !supported) {
    return true;
  }
  if (e.items < kMinItems) return false;
  // A few short items beside a supported headline are a "most read" box, and any prose of
  // its own beside one outweighs them.
  if (supported && (e.items < 5 || e.item_text < 500 || e.prose >= 100)) return false;
  // Repeated items that outweigh the prose, and prose too short to be an article on its own.
  return listing > article && e.prose < kStrongProse && e.longest < 600 && e.item_text > e.prose;
}

}  // namespace

KindVerdict ClassifyPage(const KindEvidence& e) {
  KindVerdict v;
  double article = ArticleStrength(e);
  double listing = ListingStrength(e);
  double support = (e.title_meta ? 0.1 : 0) + (e.dated ? 0.1 : 0);
  v.signals = Signals(e);
  if (IsListing(e, article, listing)) {
    v.kind = PageKind::kListing;
    v.confidence = std::clamp(0.5 + 0.5 * (listing - article) + (e.dated ? 0 : 0.1), 0.5, 1.0);
    return v;
  }
  // A dated headline that agrees with the metadata is an article even when its content is a
  // video or an image the body cannot hold.
  bool content = e.body_bytes >= kMinBody || e.attachments > 0 || (e.title_meta && e.dated);
  if (e.garbage || !content) {
    v.kind = PageKind::kOther;
    v.confidence = content ? 0.8 : 0.9;
    return v;
  }
  v.kind = PageKind::kArticle;
  v.confidence = std::clamp(0.5 + 0.4 * (article - listing) + support, 0.5, 1.0);
  return v;
}

}  // namespace tincrawl

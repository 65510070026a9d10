#include "extractors/article.h"

namespace tincrawl {

const char* PageKindName(PageKind kind) {
  switch (kind) {
    case PageKind::kArticle:
      return "article";
    case PageKind::kListing:
      return "listing";
    case PageKind::kOther:
      return "other";
  }
  return "other";
}

void ExtractRules::Overlay(const ExtractRules& over) {
  auto take = [](std::string* mine, const std::string& theirs) {
    if (!theirs.empty()) *mine = theirs;
  };
  take(&title, over.title);
  take(&date, over.date);
  take(&author, over.author);
  take(&summary, over.summary);
  take(&body, over.body);
  if (!over.remove.empty()) remove = over.remove;
  if (!over.date_formats.empty()) date_formats = over.date_formats;
}

bool ExtractRules::Empty() const {
  return title.empty() && date.empty() && author.empty() && summary.empty() && body.empty() &&
         remove.empty() && date_formats.empty();
}

}  // namespace tincrawl

#pragma once

#include "extractors/article.h"
#include "extractors/page.h"

namespace tincrawl {

// Extracts `page` without site rules: readability-style block scoring with chrome patterns and
// link-density penalties, trafilatura-style pruning, title/date/author heuristics and listing
// detection. Fills the content fields, page_kind, links and (for non-articles) error of
// *article; url, canonical_url, lang and charset are left to the caller.
void ExtractGeneric(const Page& page, const std::vector<std::string>& date_hints, Article* article);

}  // namespace tincrawl

#pragma once

#include "extractors/article.h"
#include "extractors/page.h"

namespace tincrawl {

// Extracts `page` without site rules: readability-style block scoring with chrome patterns and
// link-density penalties, widened to the container of the whole text, trafilatura-style
// pruning (link lists, repeated items, the short tail), title, standfirst, credit lines
// (author / posted_by / source) and the printed date. page_kind comes from evidence on both
// sides (ClassifyPage: prose against repeated items), with confidence and signals set. Fills
// the content fields, page_kind, links and (for non-articles) error of *article; url,
// canonical_url, lang and charset are left to the caller.
void ExtractGeneric(const Page& page, const std::vector<std::string>& date_hints, Article* article);

}  // namespace tincrawl

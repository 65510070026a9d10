#pragma once

#include "extractors/article.h"
#include "extractors/page.h"

namespace tincrawl {

// Minimum body length (bytes of plain text) for a rule match to count as an article.
inline constexpr size_t kMinRuleBodyBytes = 40;

// Extracts `page` with site rules (a preset already overlaid). Returns false, leaving the
// content fields of *article unspecified, when a selector does not parse, the title or body
// selector matches nothing, or the body is shorter than kMinRuleBodyBytes; the caller then
// falls back to the generic extractor.
bool ExtractWithRules(const Page& page, const ExtractRules& rules, Article* article);

}  // namespace tincrawl

#pragma once

// Selector proposal for `tincrawl new-site`: finds CSS selectors that reproduce what the
// extractor already gets from sample article pages, so the site file pins them down.

#include <string>
#include <vector>

#include "crawler/sitetools/site_wizard.h"
#include "extractors/article.h"

namespace tincrawl {

struct SelectorProposal {
  ExtractRules rules;               // Only selectors that passed verification; may be Empty().
  int samples_used = 0;             // Sample pages that were articles for the reference.
  int base_fell_back = 0;           // Samples on which `base` failed (generic output used).
  std::vector<std::string> unsure;  // Fields without a verified selector, and why.
};

// Extracts every page of `articles` with `base` (a CMS preset, or nullptr for the generic
// extractor) as the reference. For title, date, author and body it then looks at the element
// holding the reference value and its closest ancestors, builds candidate selectors from their
// stable classes and ids, and keeps the first candidate that, overlaid on `base`, re-extracts
// every sample to the same value (the body: every reference paragraph, without much more). With
// no `base`, title and body are only proposed together, since rules need both. `remove`
// candidates are classed blocks inside the body that add text the reference does not have.
SelectorProposal ProposeSelectors(const std::vector<SamplePage>& articles,
                                  const ExtractRules* base);

}  // namespace tincrawl

#pragma once

#include <string>

#include "extractors/article.h"

// Internal to the extractors library: the generic extractor's article/listing decision.

namespace tincrawl {

// What the generic extractor measured on a page, on both sides of the decision.
struct KindEvidence {
  unsigned prose = 0;       // Bytes of continuous prose in the content (outside repeated items).
  unsigned paragraphs = 0;  // Prose blocks of 80+ bytes in the content.
  unsigned longest = 0;     // The longest prose block.
  unsigned items = 0;       // Repeated same-shape items with a headline link, outside chrome.
  unsigned item_text = 0;   // Their text bytes.
  unsigned content_headlines = 0;     // Headline links left inside the chosen content.
  unsigned standalone_headlines = 0;  // Of those, links that make up their whole line.
  unsigned body_bytes = 0;            // The extracted body text.
  unsigned attachments = 0;           // Document links in the content.
  bool title_meta = false;            // The headline element agrees with og:title / <title>.
  bool dated = false;    // A publication date was found (meta, script or near the title).
  bool garbage = false;  // Vietnamese page whose content has no function words (mojibake).
};

struct KindVerdict {
  PageKind kind = PageKind::kOther;
  double confidence = 0;  // In [0.5, 1] for an article or listing.
  std::string signals;    // "name=value" pairs, space-separated, the deciding ones first.
};

// Article when the content holds a dominant block of prose, listing when repeated items carry
// more of the page than that prose does (or the content is a headline link with little prose),
// other when neither. Title agreement and a date raise the confidence but decide nothing alone.
// When the evidence is split the page is an article: a page stored too many costs less than an
// article lost.
KindVerdict ClassifyPage(const KindEvidence& e);

}  // namespace tincrawl

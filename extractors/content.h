#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "extractors/article.h"
#include "extractors/body_html.h"
#include "extractors/byline.h"
#include "extractors/dom.h"

namespace tincrawl {

struct BodyOptions {
  std::string_view base_url;
  std::string_view title;        // Paragraphs equal to the title are dropped.
  bool detect_byline = true;     // Take the author from a signature line of the body.
  bool drop_date_lines = false;  // Drop short paragraphs that are only a date line.
  bool drop_boilerplate = true;  // Drop short paragraphs that are known portal chrome phrases.
  bool trim_tail = false;        // Drop the short lines after the last long paragraph (the
                                 // "read more", newsletter and share lines a wide root holds).
};

struct BodyResult {
  std::vector<std::string> paragraphs;  // CleanText'ed; credits excluded, captions too unless
                                        // the page is a photo story (3+ captions carrying a
                                        // third of the text); the attachments' link texts
                                        // when nothing else is left.
  std::string html;                     // Allow-listed HTML of the same content.
  std::vector<Image> images;
  std::vector<Attachment> attachments;
  std::string byline;     // Author from the signature line, or empty.
  std::string posted_by;  // A CMS account or generic role named on a credit line.
  std::string source;     // The outlet of a "Theo …" / "Nguồn: …" line.
};

// Builds the article body from `roots` (document order), skipping every node in *skip and
// invisible elements. Captions (figcaption, caption classes, a short centred/italic paragraph
// right after an image) go to images[].caption and stay in html in their place as
// <figcaption>. Credit lines (ClassifyCredit: the last one or two short paragraphs, or a styled
// first one) go to byline/posted_by/source and are added to *skip, out of paragraphs and html.
// Iterative: safe on arbitrarily deep trees.
BodyResult BuildBody(const std::vector<const GumboNode*>& roots, NodeSet* skip,
                     const BodyOptions& options);

// True when `text` is one of the portal boilerplate phrases ("Tin liên quan", "Thống kê truy
// cập", "Hôm nay: 345", ...) or starts with one and is short.
bool IsBoilerplateText(std::string_view text);

// Joins paragraphs with one blank line.
std::string JoinParagraphs(const std::vector<std::string>& paragraphs);

// Lower-case extension of an attachment URL ("pdf", "docx", ...) or "" when it is not one.
std::string AttachmentType(std::string_view url);

}  // namespace tincrawl

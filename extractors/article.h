#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tincrawl {

// What kind of page the extractor believes it saw.
enum class PageKind { kArticle, kListing, kOther };
const char* PageKindName(PageKind kind);

struct Image {
  std::string src;      // Absolute URL.
  std::string caption;  // NFC text of the caption, empty when the image has none.
};

struct Attachment {
  std::string url;   // Absolute URL of a PDF/DOC/DOCX/XLS/XLSX/PPT/ZIP/RAR link in the body.
  std::string text;  // Link text.
  std::string type;  // Lower-case extension: "pdf", "doc", ...
};

// Per-site extraction rules. Every selector is a selector list in the syntax of selector.h;
// empty means "not set" (the preset or the generic extractor decides).
struct ExtractRules {
  std::string title;
  std::string date;
  std::string author;
  std::string summary;
  std::string body;
  std::vector<std::string> remove;        // Chrome inside the body to drop.
  std::vector<std::string> date_formats;  // strptime-like hints, e.g. "%d/%m/%Y %H:%M".

  // Field-by-field overlay: every non-empty field of `over` replaces this one's.
  void Overlay(const ExtractRules& over);
  bool Empty() const;
};

// The result of extracting one page. All text is NFC with whitespace collapsed.
struct Article {
  std::string url;            // The URL the page was fetched from (or given with --url).
  std::string canonical_url;  // <link rel=canonical> / og:url when present, else url.
  std::string title;
  std::string published;  // RFC 3339 with offset (+07:00 unless the page states another).
  std::string modified;   // RFC 3339 or empty.
  std::string author;     // The printed signature ("Phạm Linh", "CTV: Trần Thuyết"), never a
                          // CMS account or a generic role.
  std::string posted_by;  // The CMS account that posted the page ("admin", "Ban biên tập").
  std::string source;     // The outlet the text was taken from ("Theo Báo Nhân Dân" ->
                          // "Báo Nhân Dân"), from "Theo ..."/"Nguồn: ..." lines.
  std::string summary;
  std::string body;       // Plain text; paragraphs separated by one blank line.
  std::string body_html;  // Cleaned, allow-listed tags, absolute links.
  std::vector<Image> images;
  std::vector<Attachment> attachments;
  std::string lang;  // BCP 47, usually "vi".
  PageKind page_kind = PageKind::kOther;
  std::vector<std::string> links;  // For listings: absolute article links found.

  // How sure the generic extractor is of page_kind, in [0, 1] (1 for rule-driven extraction),
  // and the signals that decided it, as space-separated "name=value" pairs such as
  // "prose=1840 paras=9 link_density=0.08 items=3 title_meta=1 dated=1". Empty for rules.
  double confidence = 1;
  std::string signals;

  // Diagnostics.
  std::string charset;      // The charset the bytes were decoded with.
  bool used_rules = false;  // Site rules or a preset produced the fields.
  bool fell_back = false;   // Rules were given but failed; the generic extractor was used.
  std::string error;        // Non-empty when the input is not an article (reason slug).
  std::string guard;        // "depth", "elements" or "work" when the HTML guard kept only the
                            // start of the page (GuardReasonName); "parser" when gumbo gave up
                            // on the markup (an internal assertion); empty when parsed whole.
};

}  // namespace tincrawl

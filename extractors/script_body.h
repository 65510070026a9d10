#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "extractors/page.h"

namespace tincrawl {

// The value of the first non-empty "articleBody" string in the page's scripts (JSON-LD
// NewsArticle/BlogPosting, or a state object that uses the same key), decoded from its JSON
// escapes. Pages that render their text with JavaScript often carry it only there. Returns the
// raw decoded text (line breaks kept), or empty when there is none.
std::string ScriptArticleBody(const Page& page);

// The script's article body as cleaned paragraphs (one per line of the value); empty when the
// page has none or its value is HTML markup rather than text.
std::vector<std::string> ScriptParagraphs(const Page& page);

// Decodes the JSON string literal whose opening quote is at s[start]: the escapes \" \\ \/ \b
// \f \n \r \t and \uXXXX (surrogate pairs joined). Empty when the literal is unterminated.
std::string DecodeJsonString(std::string_view s, size_t start);

}  // namespace tincrawl

#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "extractors/article.h"

namespace tincrawl {

struct ExtractInput {
  std::string_view bytes;               // Raw response body, any charset.
  std::string url;                      // Base URL for resolving links; may be empty.
  std::string content_type;             // HTTP Content-Type header value, may be empty.
  const ExtractRules* rules = nullptr;  // Site rules (preset already overlaid) or nullptr.
  bool generic_only = false;            // Ignore rules, use the generic extractor.
};

// Decodes, parses and extracts one page. Never throws; bad input (empty, binary, huge, deeply
// nested) yields an Article with page_kind kOther and `error` set, in bounded time and memory.
Article Extract(const ExtractInput& input);

// One JSON object (no trailing newline) with the fields of `article`; `source` (the input the
// article came from) is added as the "source" field when non-empty, so Article::source is
// written as "source_outlet".
std::string ArticleToJson(const Article& article, std::string_view source = {});

// The named CMS family preset ("sharepoint-qn", "tandan", "liferay", "nukeviet", "dotnetnuke",
// ...), or nullptr when unknown.
const ExtractRules* FindPreset(std::string_view family);

// Names of every known preset, for config validation and "did you mean" hints.
std::vector<std::string> PresetNames();

}  // namespace tincrawl

#pragma once

#include <string>

namespace tincrawl {

// Chooses the publication time from what a page offers (each RFC 3339 or empty): the date
// printed near the headline wins over a date-only or conflicting meta value; meta fills what
// the printed date lacks (the time of day on the same day); a date found only in a script
// (JSON-LD) is the last resort.
std::string PickPublished(const std::string& printed, const std::string& meta,
                          const std::string& script);

}  // namespace tincrawl

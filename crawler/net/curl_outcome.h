#pragma once

#include <curl/curl.h>

#include "crawler/common/outcome.h"

namespace tincrawl {

// Maps a transport failure (result != CURLE_OK). `os_errno` is CURLINFO_OS_ERRNO and helps tell
// a reset from other receive errors.
Outcome OutcomeFromCurlCode(CURLcode code, long os_errno);

}  // namespace tincrawl

#pragma once

#include <gumbo.h>

#include <cstddef>

namespace tincrawl {

// gumbo_parse_with_options, but a page that trips one of gumbo's internal assertions (Debian's
// gumbo 0.10.1 keeps them on, and a few dozen hostile bytes reach some) does not abort the
// process: the assertion's abort() is caught on this thread and nullptr is returned. The partial
// tree of that parse cannot be freed by gumbo: it is leaked unless `options` allocate from a
// GumboArena (ParseHtml does), which frees it whole; the caller counts such pages. Aborts
// raised anywhere else still end the process as before.
GumboOutput* ParseGumboOrNull(const GumboOptions* options, const char* buffer, size_t length);

}  // namespace tincrawl

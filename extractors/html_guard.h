#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace tincrawl {

// Why the guard cut a page short. kNone: the page is parsed whole.
enum class GuardReason { kNone, kDepth, kElements, kWork };

// Metric-friendly slug of `reason`: "", "depth", "elements" or "work".
const char* GuardReasonName(GuardReason reason);

// Caps on what gumbo (and the extraction after it) may be asked to build. The defaults keep the
// full Extract() of any 10 MiB input around a second on this machine's cores (see
// bench/html_guard_bench.cpp) and sit far above what real portal pages reach: those have about
// 8 elements per KiB, a depth under 40 and need ~4e7 units of work per MiB.
struct GuardLimits {
  int max_depth = 2048;            // Upper bound of gumbo's stack of open elements.
  size_t max_elements = 150000;    // Start tags (each becomes a node gumbo allocates).
  uint64_t max_work = 1000000000;  // Estimated gumbo steps; one step is roughly 0.3-1 ns.
};

struct GuardResult {
  // Byte offset to truncate the input at (always at a '<' or a UTF-8 character boundary), or
  // npos when the whole input is within the limits.
  size_t cut = std::string_view::npos;
  GuardReason reason = GuardReason::kNone;
  int max_depth = 0;    // Highest depth bound seen (over the part kept).
  size_t elements = 0;  // Start tags seen (over the part kept).
  uint64_t work = 0;    // Estimated steps (over the part kept).
};

// One linear pass over UTF-8 HTML that bounds, from above, the depth of gumbo's stack of open
// elements, its list of active formatting elements, the nodes it allocates and the steps its
// scope checks, formatting-element reconstruction and attribute de-duplication take.
//
// It cannot be walked around by hiding markup from it: every '<' followed by a letter, '/', '!'
// or '?' starts a tag, comment or declaration that ends at the first '>' after it. Gumbo returns
// to its data state only right after a '>', so every tag gumbo sees is seen here too (comments,
// "<!-->", CDATA, raw-text elements and quoted attribute values can only make this scan see more
// tags than gumbo does, never fewer). Elements leave the modelled stack only where gumbo pops at
// least as much: an end tag that names the current node, the implicit closes that remove the
// current node (<p> after <p>, <li> after <li>, <td> after <td>, ...), and </table> over open
// rows and cells. Misnested markup therefore only overestimates the depth; the unit tests and
// fuzz/html_guard_fuzzer.cpp check the bound against the tree gumbo actually builds.
//
// "<svg/>" and "<math/>" open nothing, and a self-closing tag in SVG/MathML content ("<path/>",
// "<use/>": gumbo pops it at once) is no open element either while the model is sure the current
// node is foreign (after an <svg> or <math>, outside integration points, with no break-out tag
// or unmatched end tag since). Those tags still count in the reported depth and in the work;
// only up to max_depth of them are excused from the depth limit, so a page whose icons hold
// a few thousand passes, and a page that fools the model about where foreign content ends gets
// gumbo's stack to twice the limit at most.
//
// Returns where to truncate the input so that what remains is within `limits`.
GuardResult GuardHtml(std::string_view html, const GuardLimits& limits = {});

// Rewrites every "<![CDATA[" into "<!-CDATA[" in place and returns how many. Gumbo 0.10.1 aborts
// the process (assertion in handle_in_table, parser.c:3071) on a CDATA section in foreign content
// inside a table, e.g. "<table><svg><desc><![CDATA[x]]>y" (34 bytes are enough). Outside foreign
// content gumbo reads both spellings as the same bogus comment; inside, the section now ends at
// the first '>' instead of "]]>", which only SVG/MathML text (never article text) can notice.
// The length is kept, so offsets from GuardHtml stay valid either side of the call.
size_t DefuseCdata(std::string* html);

}  // namespace tincrawl

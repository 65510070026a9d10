#pragma once

namespace tincrawl {

// Hands the pages that glibc's malloc arenas hold free back to the kernel (malloc_trim(0)).
// glibc keeps freed memory in its per-thread arenas for reuse, so a burst of large pages on a few
// workers leaves the RSS at that burst's high-water mark for good; trimming once a minute lets it
// follow what is in use. Takes a few milliseconds on a large heap: call it off the event loop.
// Returns true when some memory was released. A no-op on other C libraries.
bool ReleaseFreeHeap();

// How often the daemon (and the benches that stand for it) call ReleaseFreeHeap.
inline constexpr int kReleaseFreeHeapEverySeconds = 60;

}  // namespace tincrawl

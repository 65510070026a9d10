#include "crawler/common/heap.h"

#include <cstdlib>  // Defines __GLIBC__ (through <features.h>) on glibc.

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace tincrawl {

bool ReleaseFreeHeap() {
#if defined(__GLIBC__)
  return malloc_trim(0) != 0;
#else
  return false;
#endif
}

}  // namespace tincrawl

#include "crawler/common/heap.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <vector>

namespace tincrawl {
namespace {

// Memory freed into glibc's arenas (blocks below the mmap threshold stay in the heap) goes back
// to the kernel: the call reports that it released some.
TEST(HeapTest, FreedHeapBlocksAreReleased) {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__) || !defined(__GLIBC__)
  GTEST_SKIP() << "the sanitizers replace malloc; ReleaseFreeHeap is glibc's malloc_trim";
#else
  std::vector<void*> blocks;
  for (int i = 0; i < 1024; ++i) {
    void* p = std::malloc(32 * 1024);  // 32 MiB in all, each block from the heap.
    ASSERT_NE(p, nullptr);
    std::memset(p, 1, 32 * 1024);  // Make the pages resident.
    blocks.push_back(p);
  }
  // Every other block: the freed ones cannot merge into the heap's top, which free() itself
  // would give back, so only a trim releases their pages.
  for (size_t i = 0; i < blocks.size(); i += 2) std::free(blocks[i]);
  EXPECT_TRUE(ReleaseFreeHeap());
  for (size_t i = 1; i < blocks.size(); i += 2) std::free(blocks[i]);
#endif
}

}  // namespace
}  // namespace tincrawl

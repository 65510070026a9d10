#pragma once

#include <gumbo.h>

#include <cstddef>

namespace tincrawl {

// The memory of one gumbo parse. Gumbo makes a malloc and a free for every token, node,
// attribute and buffer growth, and gumbo_destroy_output walks the whole tree again to free it:
// together about a fifth of a parse. The arena serves those requests from 64 KiB blocks (freed
// chunks go to per-size free lists and are reused by the same parse) and releases everything at
// once when it is destroyed, tree included, so the tree must not outlive it. Requests above
// 16 KiB (large text nodes, long child vectors) go to malloc and are freed with the arena.
// Not thread-safe: one parse at a time.
class GumboArena {
 public:
  GumboArena() = default;
  GumboArena(const GumboArena&) = delete;
  GumboArena& operator=(const GumboArena&) = delete;
  ~GumboArena();

  // `options` with its allocator, deallocator and userdata pointing at this arena.
  void Install(GumboOptions* options);

  void* Allocate(size_t size);
  void Free(void* ptr);

  static constexpr size_t kClasses = 13;  // Chunk size classes.

 private:
  struct Large;  // Header of a malloc'd request, in a doubly linked list.

  void* AllocateLarge(size_t size);
  void* Carve(size_t bytes);

  void* free_[kClasses] = {};  // Per size class: freed chunks, linked through their first word.
  char* cursor_ = nullptr;     // Bump pointer into the current block.
  char* limit_ = nullptr;
  void* blocks_ = nullptr;  // Every block, linked through its first word.
  Large* large_ = nullptr;
};

}  // namespace tincrawl

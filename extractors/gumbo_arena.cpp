#include "extractors/gumbo_arena.h"

#include <array>
#include <cstdint>
#include <cstdlib>
#include <iterator>

namespace tincrawl {
namespace {

constexpr size_t kBlockBytes = 64u << 10;
constexpr size_t kHeader = 16;  // Keeps malloc's 16-byte alignment; the class index sits in it.
// Chunk sizes, header included. Gumbo's requests are mostly nodes, attributes and short strings.
constexpr size_t kClassBytes[] = {32,  48,   64,   96,   128,  192,  256,
                                  512, 1024, 2048, 4096, 8192, 16384};
constexpr size_t kLargeTag = SIZE_MAX;
static_assert(std::size(kClassBytes) == GumboArena::kClasses);
// Requests up to kSmallMax bytes (header included) find their class in one lookup, by 16 bytes.
constexpr size_t kSmallMax = 256;
constexpr size_t kFirstBig = 7;  // The first class above kSmallMax.
constexpr auto kSmallClass = [] {
  std::array<unsigned char, kSmallMax / 16 + 1> table{};
  for (size_t i = 0; i < table.size(); ++i) {
    size_t k = 0;
    while (kClassBytes[k] < i * 16) ++k;
    table[i] = static_cast<unsigned char>(k);
  }
  return table;
}();
static_assert(kClassBytes[kFirstBig - 1] == kSmallMax);

size_t* TagOf(void* ptr) { return reinterpret_cast<size_t*>(static_cast<char*>(ptr) - 8); }

void* ArenaAllocate(void* userdata, size_t size) {
  return static_cast<GumboArena*>(userdata)->Allocate(size);
}

void ArenaFree(void* userdata, void* ptr) { static_cast<GumboArena*>(userdata)->Free(ptr); }

}  // namespace

struct GumboArena::Large {
  Large* prev;
  Large* next;
  size_t unused;
  size_t tag;  // kLargeTag, right before the caller's bytes like a chunk's class index.
};
static_assert(sizeof(void*) * 4 == 32, "Large keeps the caller's bytes 16-byte aligned");

GumboArena::~GumboArena() {
  while (blocks_ != nullptr) {
    void* next = *static_cast<void**>(blocks_);
    std::free(blocks_);
    blocks_ = next;
  }
  while (large_ != nullptr) {
    Large* next = large_->next;
    std::free(large_);
    large_ = next;
  }
}

void GumboArena::Install(GumboOptions* options) {
  options->allocator = &ArenaAllocate;
  options->deallocator = &ArenaFree;
  options->userdata = this;
}

void* GumboArena::Carve(size_t bytes) {
  if (static_cast<size_t>(limit_ - cursor_) < bytes) {
    auto* block = static_cast<char*>(std::malloc(kBlockBytes));
    if (block == nullptr) return nullptr;  // As malloc would fail gumbo.
    *reinterpret_cast<void**>(block) = blocks_;
    blocks_ = block;
    cursor_ = block + kHeader;  // The link word, padded to keep chunks aligned.
    limit_ = block + kBlockBytes;
  }
  void* chunk = cursor_;
  cursor_ += bytes;
  return chunk;
}

void* GumboArena::Allocate(size_t size) {
  size_t need = size + kHeader;
  size_t k;
  if (need <= kSmallMax) {
    k = kSmallClass[(need + 15) / 16];
  } else {
    k = kFirstBig;
    while (k < std::size(kClassBytes) && kClassBytes[k] < need) ++k;
    if (k == std::size(kClassBytes)) return AllocateLarge(size);
  }
  char* user;
  if (free_[k] != nullptr) {
    user = static_cast<char*>(free_[k]);
    free_[k] = *reinterpret_cast<void**>(user);
  } else {
    void* chunk = Carve(kClassBytes[k]);
    if (chunk == nullptr) return nullptr;
    user = static_cast<char*>(chunk) + kHeader;
  }
  *TagOf(user) = k;
  return user;
}

void* GumboArena::AllocateLarge(size_t size) {
  auto* large = static_cast<Large*>(std::malloc(sizeof(Large) + size));
  if (large == nullptr) return nullptr;
  large->prev = nullptr;
  large->next = large_;
  large->tag = kLargeTag;
  if (large_ != nullptr) large_->prev = large;
  large_ = large;
  return large + 1;
}

void GumboArena::Free(void* ptr) {
  if (ptr == nullptr) return;
  size_t k = *TagOf(ptr);
  if (k != kLargeTag) {
    *static_cast<void**>(ptr) = free_[k];
    free_[k] = ptr;
    return;
  }
  Large* large = static_cast<Large*>(ptr) - 1;
  (large->prev != nullptr ? large->prev->next : large_) = large->next;
  if (large->next != nullptr) large->next->prev = large->prev;
  std::free(large);
}

}  // namespace tincrawl

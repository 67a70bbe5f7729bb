// Large arrays on transparent huge pages where the kernel gives them on
// request (`madvise` mode): a page fault maps 2 MiB instead of 4 KiB, and
// reads spread over the array miss the TLB less. Elsewhere, or for small
// arrays, it is plain memory.
//
//   HugeArray<uint8_t> bytes = AllocateHuge<uint8_t>(people);  // not zeroed
//   AdviseHugePages(block, bytes);  // memory allocated otherwise
#ifndef AIOTREACH_ENGINE_HUGE_ARRAY_H_
#define AIOTREACH_ENGINE_HUGE_ARRAY_H_

#include <sys/mman.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <new>
#include <type_traits>

namespace aiotreach {

inline constexpr size_t kHugePage = size_t{2} << 20;

// Asks for transparent huge pages for the whole 2 MiB pages inside
// [p, p + bytes). Advice only: without transparent huge pages it fails
// and changes nothing.
inline void AdviseHugePages(void* p, size_t bytes) {
  const uintptr_t from =
      (reinterpret_cast<uintptr_t>(p) + kHugePage - 1) & ~(kHugePage - 1);
  const uintptr_t to =
      (reinterpret_cast<uintptr_t>(p) + bytes) & ~(kHugePage - 1);
  if (from < to)
    madvise(reinterpret_cast<void*>(from), to - from, MADV_HUGEPAGE);
}

struct FreeDeleter {
  void operator()(void* p) const { std::free(p); }
};

template <typename T>
using HugeArray = std::unique_ptr<T[], FreeDeleter>;

// n elements, uninitialised (T must be trivial). Throws std::bad_alloc
// when memory runs out, as new does.
template <typename T>
HugeArray<T> AllocateHuge(size_t n) {
  static_assert(std::is_trivial<T>::value, "elements are left uninitialised");
  const size_t bytes = std::max<size_t>(1, n * sizeof(T));
  if (bytes < kHugePage) {
    void* p = std::malloc(bytes);
    if (p == nullptr) throw std::bad_alloc();
    return HugeArray<T>(static_cast<T*>(p));
  }
  const size_t rounded = (bytes + kHugePage - 1) / kHugePage * kHugePage;
  void* p = std::aligned_alloc(kHugePage, rounded);
  if (p == nullptr) throw std::bad_alloc();
  AdviseHugePages(p, rounded);
  return HugeArray<T>(static_cast<T*>(p));
}

}  // namespace aiotreach

#endif  // AIOTREACH_ENGINE_HUGE_ARRAY_H_

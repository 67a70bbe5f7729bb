#include "engine/huge_array.h"

#include <cstdint>

#include "gtest/gtest.h"

namespace aiotreach {
namespace {

// Large arrays start on a 2 MiB boundary (where a huge page can back
// them); small ones are plain memory. Both hold what is written.
TEST(HugeArrayTest, HoldsWhatIsWritten) {
  for (size_t n : {size_t{1}, size_t{1000}, size_t{3} << 20}) {
    HugeArray<uint32_t> a = AllocateHuge<uint32_t>(n);
    ASSERT_NE(a.get(), nullptr);
    if (n * sizeof(uint32_t) >= (size_t{2} << 20)) {
      EXPECT_EQ(reinterpret_cast<uintptr_t>(a.get()) % (uintptr_t{2} << 20),
                0u);
    }
    for (size_t i = 0; i < n; ++i) a[i] = static_cast<uint32_t>(i * 7);
    uint64_t sum = 0, expected = 0;
    for (size_t i = 0; i < n; ++i) {
      sum += a[i];
      expected += static_cast<uint32_t>(i * 7);
    }
    EXPECT_EQ(sum, expected);
  }
}

}  // namespace
}  // namespace aiotreach

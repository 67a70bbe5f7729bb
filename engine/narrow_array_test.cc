#include "engine/narrow_array.h"

#include <cstdint>
#include <vector>

#include "gtest/gtest.h"

namespace aiotreach {
namespace {

TEST(NarrowArrayTest, WidthIsTheNarrowestThatHoldsTheLargestValue) {
  EXPECT_EQ(NarrowArray::WidthFor(0), 1);
  EXPECT_EQ(NarrowArray::WidthFor(255), 1);
  EXPECT_EQ(NarrowArray::WidthFor(256), 2);
  EXPECT_EQ(NarrowArray::WidthFor(65535), 2);
  EXPECT_EQ(NarrowArray::WidthFor(65536), 4);
  EXPECT_EQ(NarrowArray::WidthFor(0xFFFFFFFFu), 4);
  EXPECT_EQ(NarrowArray::WidthFor(uint64_t{1} << 32), 8);
  NarrowArray a;
  a.Assign(10, 7, 3);
  EXPECT_EQ(a.width(), 1);
  EXPECT_EQ(a.max(), 255u);
  a.Assign(10, 7, 300);  // the fill value counts too
  EXPECT_EQ(a.width(), 2);
  EXPECT_EQ(a[9], 300u);
}

// Writes leave the neighbours' bytes as they were, at every width, the
// last element included (it is read through the slack).
TEST(NarrowArrayTest, WritesTouchOnlyTheirOwnValue) {
  for (uint64_t max :
       {uint64_t{0xFF}, uint64_t{0xFFFF}, uint64_t{0xFFFFFFFF}, ~uint64_t{0}}) {
    NarrowArray a;
    const size_t n = 13;
    a.Assign(n, max, 0);
    std::vector<uint64_t> expect(n, 0);
    for (size_t i = 0; i < n; ++i) {
      expect[i] = (0x0123456789ABCDEFull * (i + 1)) & a.max();
      a.Set(i, expect[i]);
    }
    a.Or(n - 1, 1);
    expect[n - 1] |= 1;
    a.Set(4, 0);
    expect[4] = 0;
    for (size_t i = 0; i < n; ++i)
      EXPECT_EQ(a[i], expect[i]) << max << " " << i;
  }
}

TEST(NarrowArrayTest, CountersWidenInsteadOfWrapping) {
  NarrowArray a;
  a.Assign(3, 0, 0);
  for (int k = 0; k < 70000; ++k) a.Increment(1);
  a.Add(2, 5);
  EXPECT_EQ(a.width(), 4);
  EXPECT_EQ(a[0], 0u);
  EXPECT_EQ(a[1], 70000u);
  EXPECT_EQ(a[2], 5u);
  a.Add(0, uint64_t{1} << 40);
  EXPECT_EQ(a.width(), 8);
  EXPECT_EQ(a[0], uint64_t{1} << 40);
  EXPECT_EQ(a[1], 70000u);
}

// The typed view (Visit) reads the same values as operator[]; AssignFrom
// and CopyTo round-trip at the width the largest value needs.
TEST(NarrowArrayTest, TypedViewsAndBulkCopies) {
  for (int32_t most : {7, 300, 70000}) {
    std::vector<int32_t> values = {0, most, 1, most / 2, 5};
    NarrowArray a;
    a.AssignFrom(values.data(), values.size());
    EXPECT_EQ(a.width(), NarrowArray::WidthFor(most));
    std::vector<uint64_t> seen;
    a.Visit([&](const auto* v) {
      for (size_t i = 0; i < a.size(); ++i) seen.push_back(v[i]);
    });
    std::vector<int32_t> back(values.size(), -1);
    a.CopyTo(back.data());
    EXPECT_EQ(back, values);
    for (size_t i = 0; i < values.size(); ++i) {
      EXPECT_EQ(seen[i], static_cast<uint64_t>(values[i]));
      EXPECT_EQ(a[i], static_cast<uint64_t>(values[i]));
    }
  }
}

TEST(NarrowArrayTest, MovesAndClears) {
  NarrowArray a;
  a.Assign(1000, 0xFFFF, 1234);
  NarrowArray b = std::move(a);
  EXPECT_EQ(b.size(), 1000u);
  EXPECT_EQ(b[999], 1234u);
  EXPECT_GE(b.memory_bytes(), 2000u);
  b.Clear();
  EXPECT_EQ(b.size(), 0u);
  EXPECT_EQ(b.memory_bytes(), 0u);
}

}  // namespace
}  // namespace aiotreach

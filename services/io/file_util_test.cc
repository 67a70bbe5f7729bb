#include "services/io/file_util.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace aiotreach {
namespace {

TEST(FileUtilTest, AtomicWriteReplacesWholeFile) {
  const std::string path = ::testing::TempDir() + "/atomic.txt";
  ASSERT_TRUE(WriteFileAtomically(path, "first version, longer").ok());
  ASSERT_TRUE(WriteFileAtomically(path, "second").ok());
  EXPECT_EQ(*ReadFile(path), "second");
  EXPECT_EQ(FileStem("dir/w1_1m.textproto"), "w1_1m");
  EXPECT_FALSE(ReadFile(::testing::TempDir() + "/missing").ok());
}

TEST(FileUtilTest, SafeFileNameNeverLeavesTheFolder) {
  EXPECT_EQ(SafeFileName("w1_1m"), "w1_1m");
  EXPECT_EQ(SafeFileName("../../victim/package"), "_._.._victim_package");
  EXPECT_EQ(SafeFileName(".."), "_.");
  EXPECT_EQ(SafeFileName("."), "_");
  EXPECT_EQ(SafeFileName(".hidden"), "_hidden");
  EXPECT_EQ(SafeFileName(""), "scenario");
  EXPECT_EQ(SafeFileName("a\nb\tc\x7f"), "a_b_c_");
  EXPECT_EQ(SafeFileName("C:\\x<y>|z?*\""), "C__x_y__z___");
  EXPECT_EQ(SafeFileName(std::string("a\0b", 3)), "a_b");
  // UTF-8 names are kept; a long one is cut at a character boundary.
  EXPECT_EQ(SafeFileName("时尚开机广告"), "时尚开机广告");
  std::string long_name;
  for (int i = 0; i < 100; ++i) long_name += "广";  // 3 bytes each
  const std::string cut = SafeFileName(long_name);
  EXPECT_LE(cut.size(), kMaxFileNameBytes);
  EXPECT_EQ(cut.size() % 3, 0u);
  EXPECT_EQ(cut, long_name.substr(0, cut.size()));
  EXPECT_EQ(SafeFileName(std::string(500, 'x')).size(), kMaxFileNameBytes);
}

}  // namespace
}  // namespace aiotreach

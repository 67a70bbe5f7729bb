#include "engine/rng.h"

#include <cmath>
#include <vector>

#include "gtest/gtest.h"

namespace aiotreach {
namespace {

TEST(RngTest, SameKeySameWords) {
  Rng a(42, 7, 1000, 3);
  Rng b(42, 7, 1000, 3);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(a.NextU32(), b.NextU32());
}

TEST(RngTest, EveryKeyPartChangesTheWords) {
  const uint32_t base = Rng(42, 7, 1000, 3).NextU32();
  EXPECT_NE(Rng(43, 7, 1000, 3).NextU32(), base);
  EXPECT_NE(Rng(42, 8, 1000, 3).NextU32(), base);
  EXPECT_NE(Rng(42, 7, 1001, 3).NextU32(), base);
  EXPECT_NE(Rng(42, 7, 1000, 4).NextU32(), base);
  // The seed's high half is part of the key too.
  EXPECT_NE(Rng(42 + (uint64_t{1} << 32), 7, 1000, 3).NextU32(), base);
}

TEST(RngTest, FirstWordAndSkipAgreeWithSequentialReads) {
  Rng seq(9, 1, 2);
  std::vector<uint32_t> words(40);
  for (uint32_t& w : words) w = seq.NextU32();
  for (uint32_t start : {0u, 1u, 3u, 4u, 5u, 17u}) {
    Rng at(9, 1, 2, 0, start);
    EXPECT_EQ(at.NextU32(), words[start]) << "first_word " << start;
  }
  Rng skip(9, 1, 2);
  skip.NextU32();
  skip.Skip(6);
  EXPECT_EQ(skip.NextU32(), words[7]);
  skip.Skip(22);  // across several blocks
  EXPECT_EQ(skip.NextU32(), words[30]);
  skip.Skip(0);
  EXPECT_EQ(skip.NextU32(), words[31]);
}

// A uniform's mean is 1/2 with standard error 1/sqrt(12 n); we allow 5 SE.
TEST(RngTest, UniformIsOpenAndCentred) {
  Rng rng(1, 2, 3);
  const int n = 200000;
  double sum = 0.0;
  for (int i = 0; i < n; ++i) {
    const double u = rng.Uniform();
    ASSERT_GT(u, 0.0);
    ASSERT_LT(u, 1.0);
    sum += u;
  }
  EXPECT_NEAR(sum / n, 0.5, 5.0 / std::sqrt(12.0 * n));
}

// Each of n buckets gets count ~ Binomial(N, 1/n); 5 SE per bucket.
TEST(RngTest, UniformIntCoversRangeEvenly) {
  Rng rng(5, 6, 7);
  const int buckets = 7;
  const int draws = 70000;
  std::vector<int> counts(buckets, 0);
  for (int i = 0; i < draws; ++i) {
    const uint32_t k = rng.UniformInt(buckets);
    ASSERT_LT(k, static_cast<uint32_t>(buckets));
    ++counts[k];
  }
  const double p = 1.0 / buckets;
  const double se = std::sqrt(draws * p * (1 - p));
  for (int c : counts) EXPECT_NEAR(c, draws * p, 5 * se);
}

TEST(RngTest, FirstBlocksMatchFreshStreams) {
  for (uint32_t first : {0u, 75u, 4000000000u}) {
    RngBlock blocks[4];
    FirstBlocks(99, 12, 3, first, 4, blocks);
    for (uint32_t i = 0; i < 4; ++i) {
      Rng fresh(99, 12, first + i, 3);
      Rng seeded(99, 12, first + i, 3, blocks[i]);
      // Past the batched block, the stream goes on by computing.
      for (int w = 0; w < 9; ++w) {
        EXPECT_EQ(seeded.NextU32(), fresh.NextU32()) << first + i << " " << w;
      }
    }
  }
}

TEST(RngTest, EntityBlocksAreTheStreamsLaterWords) {
  RngBlock blocks[3];
  EntityBlocks(7, 3, 0, 1, 100, 3, blocks);
  for (uint32_t i = 0; i < 3; ++i) {
    Rng rng(7, 3, 100 + i);
    rng.Skip(4);
    for (int w = 0; w < 4; ++w) EXPECT_EQ(blocks[i][w], rng.NextU32());
  }
}

// The AVX-512 kernel gives Random123's words, for every count (whole
// groups of 16 and the scalar tail), keys with both halves set, and
// entity numbers that wrap past 2^32 within a batch.
TEST(RngTest, VectorBlocksEqualRandom123) {
  if (!rng_internal::HasAvx512()) GTEST_SKIP() << "no AVX-512F here";
  Rng pick(3, 1, 4);
  for (int trial = 0; trial < 200; ++trial) {
    const uint64_t seed = (uint64_t{pick.NextU32()} << 32) | pick.NextU32();
    const uint32_t stream = pick.NextU32(), sub = pick.NextU32();
    const uint32_t block = trial % 3 == 0 ? 0 : pick.NextU32();
    const uint32_t first =
        trial % 4 == 0 ? 0xFFFFFFF0u + trial % 16 : pick.NextU32();
    const size_t n = trial % 70;
    std::vector<RngBlock> scalar(n), vector(n);
    rng_internal::EntityBlocksScalar(seed, stream, sub, block, first, n,
                                     scalar.data());
    rng_internal::EntityBlocksAvx512(seed, stream, sub, block, first, n,
                                     vector.data());
    for (size_t i = 0; i < n; ++i) {
      for (int w = 0; w < 4; ++w)
        ASSERT_EQ(vector[i][w], scalar[i][w]) << trial << " " << i << " " << w;
    }
  }
}

// ToUniform(w) < p exactly when w < WordThreshold(p): checked at the words
// on either side of each threshold, for probabilities at the edges, ones
// not representable in binary, and a spread of random ones.
TEST(RngTest, WordThresholdIsExact) {
  std::vector<double> probabilities = {
      0.0, -0.5, 1.0, 1.5,       1e-300,      1e-12,
      0.1, 0.3,  0.5, 2.0 / 3.0, 0.999999999, 1.0 - 1e-16};
  Rng rng(1, 2, 3);
  for (int i = 0; i < 2000; ++i) probabilities.push_back(rng.Uniform());
  // Probabilities that sit exactly on a word's uniform.
  for (uint32_t w : {0u, 1u, 12345u, 4294967295u})
    probabilities.push_back(Rng::ToUniform(w));
  for (double p : probabilities) {
    const uint64_t t = Rng::WordThreshold(p);
    ASSERT_LE(t, uint64_t{1} << 32) << p;
    for (int64_t d = -2; d <= 2; ++d) {
      const int64_t w = static_cast<int64_t>(t) + d;
      if (w < 0 || w > 4294967295) continue;
      const uint32_t word = static_cast<uint32_t>(w);
      EXPECT_EQ(Rng::ToUniform(word) < p, word < t) << p << " " << word;
    }
  }
}

}  // namespace
}  // namespace aiotreach

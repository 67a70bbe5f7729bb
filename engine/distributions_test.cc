#include "engine/distributions.h"

#include <cmath>
#include <vector>

#include "engine/fast_math.h"
#include "gtest/gtest.h"

namespace aiotreach {
namespace {

// Sample mean and variance of n draws.
template <typename Draw>
std::pair<double, double> Moments(int n, Draw draw) {
  double sum = 0.0, sum2 = 0.0;
  for (int i = 0; i < n; ++i) {
    const double x = draw(i);
    sum += x;
    sum2 += x * x;
  }
  const double mean = sum / n;
  return {mean, sum2 / n - mean * mean};
}

// Poisson(m): mean m and variance m. The sample mean's standard error is
// sqrt(m / n); the sample variance's is about m sqrt(2 / n) for large m
// (plus a kurtosis term m / n); we allow 5 SE. Both samplers (inversion
// below kPoissonInversionLimit, PTRS above) are covered.
TEST(DistributionsTest, PoissonMomentsMatchTheory) {
  for (double m : {0.05, 1.68, 7.5, 15.9, 16.0, 40.0, 900.0}) {
    const int n = 100000;
    const auto [mean, var] = Moments(n, [&](int i) {
      Rng rng(11, 1, static_cast<uint32_t>(i));
      return static_cast<double>(SamplePoisson(rng, m));
    });
    EXPECT_NEAR(mean, m, 5 * std::sqrt(m / n)) << "m = " << m;
    EXPECT_NEAR(var, m, 5 * std::sqrt((2 * m * m + m) / n)) << "m = " << m;
  }
}

// P(X = 0) = e^-m; the frequency of zeros has SE sqrt(p (1 - p) / n).
TEST(DistributionsTest, PoissonZeroMass) {
  const double m = 1.2;
  const int n = 200000;
  int zeros = 0;
  for (int i = 0; i < n; ++i) {
    Rng rng(3, 2, static_cast<uint32_t>(i));
    zeros += SamplePoisson(rng, m) == 0;
  }
  const double p = std::exp(-m);
  EXPECT_NEAR(static_cast<double>(zeros) / n, p,
              5 * std::sqrt(p * (1 - p) / n));
}

TEST(DistributionsTest, PoissonInverseIsMonotoneInTheMean) {
  for (double u : {0.01, 0.3, 0.5, 0.9, 0.999999}) {
    int64_t last = 0;
    for (double m = 0.0; m < 15.0; m += 0.25) {
      const int64_t k = PoissonInverse(u, m, std::exp(-m));
      EXPECT_GE(k, last) << "u = " << u << ", m = " << m;
      last = k;
    }
  }
}

// The branch-free head must give PoissonInverse's count whenever that count
// is below kPoissonHeadTerms, and kPoissonHeadTerms otherwise.
TEST(DistributionsTest, PoissonInverseHeadAgreesWithPoissonInverse) {
  Rng rng(21, 22, 23);
  for (int i = 0; i < 200000; ++i) {
    const double mean = rng.Uniform() * kPoissonInversionLimit;
    const double u = rng.Uniform();
    const double e = Exp(-mean);
    const int64_t full = PoissonInverse(u, mean, e);
    const int head = PoissonInverseHead(u, mean, e);
    if (full < kPoissonHeadTerms) {
      ASSERT_EQ(head, full) << "u " << u << " mean " << mean;
    } else {
      ASSERT_EQ(head, kPoissonHeadTerms) << "u " << u << " mean " << mean;
    }
  }
}

// Gamma(k, 1/k): mean 1, variance 1/k. SE of the mean sqrt(1 / (k n)); of
// the variance about sqrt((2 + 6 / k) / n) / k; 5 SE.
TEST(DistributionsTest, GammaMomentsMatchTheory) {
  // Integer shapes up to 8 take the exact sum-of-exponentials path; the
  // others Marsaglia-Tsang (with the boost below 1).
  for (double k : {0.5, 1.0, 1.5, 2.0, 3.0, 10.0}) {
    const int n = 100000;
    const auto [mean, var] = Moments(n, [&](int i) {
      Rng rng(17, 4, static_cast<uint32_t>(i));
      return SampleGamma(rng, k, 1.0 / k);
    });
    EXPECT_NEAR(mean, 1.0, 5 * std::sqrt(1.0 / (k * n))) << "k = " << k;
    EXPECT_NEAR(var, 1.0 / k, 5 * std::sqrt((2.0 + 6.0 / k) / n) / k)
        << "k = " << k;
  }
}

TEST(DistributionsTest, CdfTableFollowsItsWeights) {
  const CdfTable t({1.0, 0.0, 3.0});
  EXPECT_EQ(t.size(), 3);
  EXPECT_DOUBLE_EQ(t.Probability(0), 0.25);
  EXPECT_DOUBLE_EQ(t.Probability(1), 0.0);
  EXPECT_DOUBLE_EQ(t.Probability(2), 0.75);
  EXPECT_EQ(t.Sample(0.1), 0);
  EXPECT_EQ(t.Sample(0.25), 2);  // a zero-weight entry is never drawn
  EXPECT_EQ(t.Sample(0.999), 2);
}

// Both search paths (branch-free up to 8 entries, the guide table above)
// must give exactly the inverse CDF: compare with a plain search over a
// fine grid of u, on tables with zero-weight entries.
TEST(DistributionsTest, CdfTableSampleIsTheInverseCdf) {
  std::vector<double> large(200, 1.0);
  for (int i = 0; i < 200; i += 3) large[i] = 0.0;
  large[150] = 50.0;
  for (const std::vector<double>& w :
       {std::vector<double>{1, 0, 3}, std::vector<double>{0, 0, 1, 0},
        std::vector<double>{5}, std::vector<double>{1, 2, 3, 4, 5, 6, 7},
        large}) {
    const CdfTable t(w);
    std::vector<double> cdf;
    double total = 0, running = 0;
    for (double x : w) total += x;
    for (double x : w) cdf.push_back((running += x) / total);
    for (int g = 1; g < 10000; ++g) {
      const double u = g / 10000.0;
      int expected = 0;
      while (expected < t.size() - 1 && cdf[expected] <= u) ++expected;
      ASSERT_EQ(t.Sample(u), expected) << "u = " << u;
    }
  }
}

// Counting the thresholds at or below a word gives Sample of its uniform,
// at the words on either side of every threshold and at random words.
TEST(DistributionsTest, CdfTableWordThresholdsAgreeWithSample) {
  for (const std::vector<double>& weights :
       std::vector<std::vector<double>>{{0.18, 0.30, 0.33, 0.19},
                                        {1, 0, 2},
                                        {1},
                                        std::vector<double>(20, 0.05)}) {
    const CdfTable table(weights);
    const std::vector<uint64_t> thresholds = table.WordThresholds();
    ASSERT_EQ(thresholds.size(), weights.size() - 1);
    auto count = [&](uint32_t w) {
      int i = 0;
      for (uint64_t t : thresholds) i += w >= t;
      return i;
    };
    std::vector<uint32_t> words = {0u, 4294967295u};
    for (uint64_t t : thresholds) {
      for (int64_t d = -1; d <= 1; ++d) {
        const int64_t w = static_cast<int64_t>(t) + d;
        if (w >= 0 && w <= 4294967295)
          words.push_back(static_cast<uint32_t>(w));
      }
    }
    Rng rng(5, 6, 7);
    for (int i = 0; i < 1000; ++i) words.push_back(rng.NextU32());
    for (uint32_t w : words)
      EXPECT_EQ(count(w), table.Sample(Rng::ToUniform(w))) << w;
  }
}

TEST(DistributionsTest, BinomialTableMatchesTheFormula) {
  const CdfTable t = BinomialTable(4, 0.15);
  EXPECT_NEAR(t.Probability(0), std::pow(0.85, 4), 1e-12);
  EXPECT_NEAR(t.Probability(1), 4 * 0.15 * std::pow(0.85, 3), 1e-12);
  EXPECT_NEAR(t.Probability(4), std::pow(0.15, 4), 1e-12);
  EXPECT_EQ(BinomialTable(5, 0.0).Sample(0.99), 0);
  EXPECT_EQ(BinomialTable(5, 1.0).Sample(0.01), 5);
}

}  // namespace
}  // namespace aiotreach

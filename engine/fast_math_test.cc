#include "engine/fast_math.h"

#include <cmath>
#include <limits>

#include "engine/rng.h"
#include "gtest/gtest.h"

namespace aiotreach {
namespace {

constexpr double kMaxRelativeError = 4e-16;

TEST(FastMathTest, ExpMatchesStdExp) {
  Rng rng(1, 2, 3);
  double worst = 0.0;
  for (int i = 0; i < 200000; ++i) {
    // Mostly the engine's range (exp of minus a mean), some of the rest.
    const double x =
        i % 4 == 0 ? (rng.Uniform() - 0.5) * 1400.0 : -rng.Uniform() * 40.0;
    const double want = std::exp(x);
    worst = std::max(worst, std::fabs(Exp(x) - want) / want);
  }
  EXPECT_LT(worst, kMaxRelativeError);
  EXPECT_EQ(Exp(0.0), 1.0);
  EXPECT_NEAR(Exp(1.0), M_E, M_E * kMaxRelativeError);
  EXPECT_NEAR(Exp(-1.68), std::exp(-1.68), std::exp(-1.68) * kMaxRelativeError);
}

TEST(FastMathTest, LogMatchesStdLog) {
  Rng rng(4, 5, 6);
  double worst = 0.0;
  for (int i = 0; i < 200000; ++i) {
    // Products of uniforms (the engine's use) and a wide range of scales.
    const double x = i % 4 == 0 ? std::exp((rng.Uniform() - 0.5) * 1400.0)
                                : rng.Uniform() * rng.Uniform();
    const double want = std::log(x);
    const double scale = std::max(std::fabs(want), 1e-300);
    worst = std::max(worst, std::fabs(Log(x) - want) / scale);
  }
  EXPECT_LT(worst, kMaxRelativeError);
  EXPECT_EQ(Log(1.0), 0.0);
  EXPECT_NEAR(Log(2.0), M_LN2, M_LN2 * kMaxRelativeError);
  // Near 1, where the relative error of a naive log is worst.
  for (double x : {1.0 + 1e-12, 1.0 - 1e-12, 1.0000001, 0.9999999}) {
    EXPECT_NEAR(Log(x), std::log(x), std::fabs(std::log(x)) * 1e-15) << x;
  }
}

}  // namespace
}  // namespace aiotreach
